//! What a request's path names, decided in one place for every step of a request's way in.

/// A static file: the build's code and styles under `/pkg/`, or a file from `public/` (any
/// name with an extension). Static files hold no secrets and need no session.
pub fn is_static_file(path: &str) -> bool {
    path.starts_with("/pkg/")
        || path
            .rsplit('/')
            .next()
            .is_some_and(|last| last.contains('.'))
}

//! URL resolution on the server (and in native tests): the url crate, which follows the WHATWG
//! URL standard.

/// `next` resolved against `base`, as path, query and fragment, when it stays on `base`'s
/// origin. An empty query or fragment is dropped, as the browser's `URL` reports them.
pub fn same_origin_path(base: &str, next: &str) -> Option<String> {
    let base = url::Url::parse(base).ok()?;
    let url = base.join(next).ok()?;
    if url.origin() != base.origin() {
        return None;
    }
    let mut path = url.path().to_string();
    if let Some(query) = url.query().filter(|q| !q.is_empty()) {
        path.push('?');
        path.push_str(query);
    }
    if let Some(fragment) = url.fragment().filter(|f| !f.is_empty()) {
        path.push('#');
        path.push_str(fragment);
    }
    Some(path)
}

//! URL resolution in the browser: its own `URL`, which follows the WHATWG URL standard.

/// `next` resolved against `base`, as path, query and fragment, when it stays on `base`'s
/// origin.
pub fn same_origin_path(base: &str, next: &str) -> Option<String> {
    let base_url = web_sys::Url::new(base).ok()?;
    let url = web_sys::Url::new_with_base(next, base).ok()?;
    (url.origin() == base_url.origin())
        .then(|| format!("{}{}{}", url.pathname(), url.search(), url.hash()))
}

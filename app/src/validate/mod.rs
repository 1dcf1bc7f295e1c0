//! Input checks shared by the server functions (authoritative) and the forms (early feedback).
//! Each names the field it refuses.

use crate::error::AppError;

// The same WHATWG URL parsing on both sides: the url crate on the server, the browser's own
// parser in the browser (the url crate's IDNA and Unicode tables would add their weight to the
// sign-in page's download).
#[cfg(not(target_arch = "wasm32"))]
#[path = "url_resolve_native.rs"]
mod url_resolve;
#[cfg(target_arch = "wasm32")]
#[path = "url_resolve_browser.rs"]
mod url_resolve;

pub const MAX_EMAIL_LEN: usize = 254;

/// A trimmed, plausible email address: one `@`, a non-empty local part, a dotted domain; at most
/// 254 characters, counted as the database's `length()` and the API document's `maxLength` count
/// them (an address in another script takes more bytes than characters).
pub fn email(field: &str, value: &str) -> Result<String, AppError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(AppError::bad_request(field, "Enter an email address."));
    }
    let valid = value.chars().count() <= MAX_EMAIL_LEN
        && !value.chars().any(char::is_whitespace)
        && match value.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            }
            None => false,
        };
    if valid {
        Ok(value.to_string())
    } else {
        Err(AppError::bad_request(
            field,
            "Enter a valid email address, like name@example.com.",
        ))
    }
}

/// Text of at most `max` characters (counted as sent), trimmed, not empty.
pub fn required_text(
    field: &str,
    label: &str,
    value: &str,
    max: usize,
) -> Result<String, AppError> {
    let value = optional_text(field, label, value, max)?;
    if value.is_empty() {
        return Err(AppError::bad_request(
            field,
            format!("{label} is required."),
        ));
    }
    Ok(value)
}

/// Text of at most `max` characters (counted as sent), trimmed; may be empty.
pub fn optional_text(
    field: &str,
    label: &str,
    value: &str,
    max: usize,
) -> Result<String, AppError> {
    if value.chars().count() > max {
        return Err(AppError::bad_request(
            field,
            format!("{label} must be at most {max} characters."),
        ));
    }
    Ok(value.trim().to_string())
}

/// A timestamp the database can store and compare: years 0 to 9999, as RFC 3339 writes them.
/// (PostgreSQL refuses dates before 4713 BC, and nothing here means anything outside this.)
pub fn timestamp(
    field: &str,
    value: chrono::DateTime<chrono::Utc>,
) -> Result<chrono::DateTime<chrono::Utc>, AppError> {
    use chrono::Datelike;
    if (0..=9999).contains(&value.year()) {
        Ok(value)
    } else {
        Err(AppError::bad_request(
            field,
            "Use a date between the years 0 and 9999.",
        ))
    }
}

/// An absolute URL as RFC 3986 writes it: ASCII, no spaces or control characters, only the
/// characters a URI may hold (international domains in punycode, the rest percent-encoded).
/// The WHATWG parser would quietly repair more; what it repaired is not what was checked.
pub fn uri_text<'a>(field: &str, value: &'a str) -> Result<&'a str, AppError> {
    let value = value.trim();
    let fits = value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-._~:/?#[]@!$&'()*+,;=%".contains(c));
    if !fits {
        return Err(AppError::bad_request(
            field,
            "Enter the URL with no spaces or special characters (international domains in punycode).",
        ));
    }
    Ok(value)
}

/// A page size: `default` when absent, else 1 to `max`.
pub fn limit(field: &str, value: Option<u32>, default: u32, max: u32) -> Result<i64, AppError> {
    match value {
        None => Ok(i64::from(default)),
        Some(n) if (1..=max).contains(&n) => Ok(i64::from(n)),
        Some(_) => Err(AppError::bad_request(
            field,
            format!("`{field}` is 1 to {max}."),
        )),
    }
}

/// Where sign-in lands when `next` is missing or unsafe.
pub const DEFAULT_LANDING: &str = "/dashboard";

/// A same-origin path to return to after sign-in. `next` is resolved the way a browser resolves
/// it (WHATWG URL parsing: tabs and newlines dropped, backslashes read as slashes, dot segments
/// removed) against a stand-in origin; anything that leaves that origin, and the sign-in page
/// itself, falls back to [`DEFAULT_LANDING`]. The result is the normalised path, so what the
/// browser is sent to is exactly what was checked.
pub fn local_redirect(next: Option<&str>) -> String {
    const STAND_IN: &str = "http://plugboard.invalid/";
    let resolved = next
        .filter(|n| n.starts_with('/'))
        .and_then(|next| url_resolve::same_origin_path(STAND_IN, next));
    let Some(path) = resolved else {
        return DEFAULT_LANDING.to_string();
    };
    // "//host" would be protocol-relative; the sign-in page would loop.
    if path.starts_with("//") || path == "/signin" || path.starts_with("/signin?") {
        return DEFAULT_LANDING.to_string();
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(
            email("email", "  Ada@Example.com ").unwrap(),
            "Ada@Example.com"
        );
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a b@example.com",
            "a@b@c.com",
            &format!("{}@example.com", "a".repeat(243)),
        ] {
            assert_eq!(
                email("email", bad).unwrap_err().field(),
                Some("email"),
                "{bad}"
            );
        }
    }

    #[test]
    fn an_email_may_hold_254_characters_of_any_script() {
        let longest = format!("{}@example.com", "a".repeat(242));
        assert_eq!(email("email", &longest).unwrap(), longest);
        // 129 characters in 257 bytes of UTF-8: what the API document allows.
        let international = format!("{}@пример.рф", "ж".repeat(119));
        assert_eq!(international.chars().count(), 129);
        assert!(international.len() > MAX_EMAIL_LEN);
        assert_eq!(email("email", &international).unwrap(), international);
    }

    #[test]
    fn timestamps_stay_in_the_range_the_database_stores() {
        let ancient: chrono::DateTime<chrono::Utc> = "-5000-01-01T00:00:00Z".parse().unwrap();
        assert_eq!(
            timestamp("before", ancient).unwrap_err().field(),
            Some("before")
        );
        let now = chrono::Utc::now();
        assert_eq!(timestamp("before", now).unwrap(), now);
    }

    #[test]
    fn text_limits() {
        assert!(required_text("name", "Name", "   ", 10).is_err());
        assert!(required_text("name", "Name", "12345678901", 10).is_err());
        assert_eq!(required_text("name", "Name", " Acme ", 10).unwrap(), "Acme");
    }

    #[test]
    fn redirects_stay_on_site() {
        assert_eq!(local_redirect(Some("/settings")), "/settings");
        assert_eq!(
            local_redirect(Some("/webhooks?endpoint=1#log")),
            "/webhooks?endpoint=1#log"
        );
        assert_eq!(local_redirect(Some("/a/../settings")), "/settings");
        // An empty query or fragment goes, as the browser's URL reports it.
        assert_eq!(local_redirect(Some("/settings?#")), "/settings");
        assert_eq!(local_redirect(None), DEFAULT_LANDING);
        // Known open-redirect forms: control characters a browser drops, backslashes it reads as
        // slashes, schemes, and protocol-relative paths however they are spelled.
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil.example",
            "\\/evil.example",
            "/\t/evil.example/",
            "/\n/evil.example/",
            "/\r/evil.example/",
            "/\t\\evil.example",
            "\t//evil.example",
            " //evil.example",
            "/.//evil.example",
            "///evil.example",
            "/\\/evil.example",
            "javascript:alert(1)",
            "evil.example",
            "http:evil.example",
            "/signin?next=/settings",
        ] {
            assert_eq!(local_redirect(Some(bad)), DEFAULT_LANDING, "{bad:?}");
        }
    }
}

//! Input checks shared by the server functions (authoritative) and the forms (early feedback).
//! Each names the field it refuses.

use crate::error::AppError;

pub const MAX_EMAIL_LEN: usize = 254;

/// A trimmed, plausible email address: one `@`, a non-empty local part, a dotted domain.
pub fn email(field: &str, value: &str) -> Result<String, AppError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(AppError::bad_request(field, "Enter an email address."));
    }
    let valid = value.len() <= MAX_EMAIL_LEN
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

/// Trimmed text of 1..=max characters.
pub fn required_text(
    field: &str,
    label: &str,
    value: &str,
    max: usize,
) -> Result<String, AppError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(AppError::bad_request(
            field,
            format!("{label} is required."),
        ));
    }
    if value.chars().count() > max {
        return Err(AppError::bad_request(
            field,
            format!("{label} must be at most {max} characters."),
        ));
    }
    Ok(value.to_string())
}

/// Trimmed text of at most `max` characters; may be empty.
pub fn optional_text(
    field: &str,
    label: &str,
    value: &str,
    max: usize,
) -> Result<String, AppError> {
    let value = value.trim();
    if value.chars().count() > max {
        return Err(AppError::bad_request(
            field,
            format!("{label} must be at most {max} characters."),
        ));
    }
    Ok(value.to_string())
}

/// A same-site path to return to after sign-in; anything else (absolute or protocol-relative
/// URLs, which would make an open redirect) falls back to the default page.
pub fn local_redirect(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.starts_with("/\\")
                && !path.starts_with("/signin") =>
        {
            path.to_string()
        }
        _ => "/integrations/connected".to_string(),
    }
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
        ] {
            assert_eq!(
                email("email", bad).unwrap_err().field(),
                Some("email"),
                "{bad}"
            );
        }
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
            local_redirect(Some("//evil.example")),
            "/integrations/connected"
        );
        assert_eq!(
            local_redirect(Some("https://evil.example")),
            "/integrations/connected"
        );
        assert_eq!(
            local_redirect(Some("/\\evil.example")),
            "/integrations/connected"
        );
        assert_eq!(local_redirect(None), "/integrations/connected");
    }
}

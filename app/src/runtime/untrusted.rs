//! Text that third parties control (receivers' answers, providers' error messages) on its way
//! into the database: PostgreSQL's `text` and `jsonb` cannot hold U+0000, and one such
//! character must not make a whole batch of writes fail.

/// `text` with every NUL replaced by U+FFFD, so it can be stored and shown.
pub fn storable(text: &str) -> String {
    if text.contains('\0') {
        text.replace('\0', "\u{FFFD}")
    } else {
        text.to_string()
    }
}

/// Like [`storable`], taking ownership (no copy when there is nothing to replace).
pub fn into_storable(text: String) -> String {
    if text.contains('\0') {
        text.replace('\0', "\u{FFFD}")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_bytes_become_replacement_characters() {
        assert_eq!(storable("a\0b"), "a\u{FFFD}b");
        assert_eq!(into_storable("plain".into()), "plain");
        assert!(!storable("\0\0").contains('\0'));
    }
}

//! What a key may be and do: a new key's fields, which scopes a caller may grant or manage,
//! and the key material itself (prefix, 48 base62 characters from the OS's CSPRNG, a preview).

use rand::distributions::{Alphanumeric, DistString};

use crate::auth::access::Caller;
use crate::auth::key_cache::{KEY_PREFIX, KEY_RANDOM_LEN};
use crate::auth::scope::{grants, Scope};
use crate::error::AppError;

/// A key's fields, checked.
pub struct NewKey {
    pub name: String,
    pub scopes: Vec<Scope>,
    pub expires_in_days: Option<u32>,
}

impl NewKey {
    pub fn validate(
        name: &str,
        mut scopes: Vec<Scope>,
        expires_in_days: Option<u32>,
    ) -> Result<Self, AppError> {
        let sent = name.chars().count();
        let name = name.trim();
        if name.is_empty() || sent > 100 {
            return Err(AppError::bad_request(
                "name",
                "Name the key (1 to 100 characters).",
            ));
        }
        scopes.sort();
        scopes.dedup();
        if scopes.is_empty() {
            return Err(AppError::bad_request(
                "scopes",
                "Choose at least one scope.",
            ));
        }
        if expires_in_days.is_some_and(|d| !(1..=3650).contains(&d)) {
            return Err(AppError::bad_request(
                "expires_in_days",
                "Expiry must be between 1 and 3650 days.",
            ));
        }
        Ok(Self {
            name: name.to_string(),
            scopes,
            expires_in_days,
        })
    }
}

/// An API key may only hand out scopes it holds itself, so no key can mint a stronger one.
pub fn ensure_may_grant(caller: &Caller, scopes: &[Scope]) -> Result<(), AppError> {
    match missing_scope(caller, scopes) {
        Some(s) => Err(AppError::Forbidden(format!(
            "An API key cannot grant the `{}` scope it does not hold.",
            s.as_str()
        ))),
        None => Ok(()),
    }
}

/// An API key may only see, regenerate, disable or delete keys whose every scope it holds:
/// otherwise `api_keys:write` would be a way to take over a stronger key.
pub fn ensure_may_manage(caller: &Caller, target: &[Scope]) -> Result<(), AppError> {
    match missing_scope(caller, target) {
        Some(s) => Err(AppError::Forbidden(format!(
            "This key holds the `{}` scope, which your API key does not; only a key holding all of its scopes (or an admin) can manage it.",
            s.as_str()
        ))),
        None => Ok(()),
    }
}

/// The first of `scopes` the caller lacks; admins lack none.
pub fn missing_scope(caller: &Caller, scopes: &[Scope]) -> Option<Scope> {
    let held = caller.scopes()?;
    scopes.iter().copied().find(|s| !grants(held, *s))
}

/// A fresh key: the prefix and 48 base62 characters from the OS's CSPRNG.
pub fn generate_secret() -> String {
    let random = Alphanumeric.sample_string(&mut rand::rngs::OsRng, KEY_RANDOM_LEN);
    format!("{KEY_PREFIX}{random}")
}

pub fn preview(secret: &str) -> String {
    let random = &secret[KEY_PREFIX.len()..];
    format!(
        "{KEY_PREFIX}{}...{}",
        &random[..4],
        &random[random.len() - 4..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_long_random_and_previewed_by_their_ends() {
        let a = generate_secret();
        let b = generate_secret();
        assert_ne!(a, b);
        assert_eq!(a.len(), KEY_PREFIX.len() + KEY_RANDOM_LEN);
        let p = preview(&a);
        assert!(p.starts_with(&a[..KEY_PREFIX.len() + 4]) && p.ends_with(&a[a.len() - 4..]));
        assert_eq!(p.len(), KEY_PREFIX.len() + 11);
    }

    #[test]
    fn new_keys_need_a_name_and_a_scope() {
        assert_eq!(
            NewKey::validate(" ", vec![Scope::All], None)
                .err()
                .unwrap()
                .field(),
            Some("name")
        );
        assert_eq!(
            NewKey::validate("ci", vec![], None).err().unwrap().field(),
            Some("scopes")
        );
        assert_eq!(
            NewKey::validate("ci", vec![Scope::All], Some(0))
                .err()
                .unwrap()
                .field(),
            Some("expires_in_days")
        );
        let ok =
            NewKey::validate("ci", vec![Scope::EventsWrite, Scope::EventsWrite], Some(30)).unwrap();
        assert_eq!(ok.scopes, vec![Scope::EventsWrite]);
    }
}

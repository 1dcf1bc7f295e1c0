//! Reading variables: empty counts as unset; numbers and flags are checked with messages that
//! name the variable.

use crate::error::ServerError;

pub fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

pub fn number(var: &'static str, default: u64, min: u64, max: u64) -> Result<u64, ServerError> {
    let Some(raw) = env_var(var) else {
        return Ok(default);
    };
    let value: u64 = raw
        .trim()
        .parse()
        .map_err(|_| ServerError::config(var, format!("expected a whole number, got {raw:?}")))?;
    if !(min..=max).contains(&value) {
        return Err(ServerError::config(
            var,
            format!("must be between {min} and {max}, got {value}"),
        ));
    }
    Ok(value)
}

pub fn flag(var: &'static str) -> Result<bool, ServerError> {
    match env_var(var)
        .as_deref()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None | Some("false") | Some("0") | Some("no") => Ok(false),
        Some("true") | Some("1") | Some("yes") => Ok(true),
        Some(other) => Err(ServerError::config(
            var,
            format!("expected true or false, got {other:?}"),
        )),
    }
}

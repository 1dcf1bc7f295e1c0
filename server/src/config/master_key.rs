//! The master key that seals credentials at rest.

use std::path::Path;

use app::runtime::crypto::{Cipher, MasterKey};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use super::env::env_var;
use super::DatabaseChoice;
use crate::error::ServerError;

/// The key that encrypts credentials at rest: `PLUGBOARD_MASTER_KEY` (32 bytes, base64), plus
/// any older keys in `PLUGBOARD_MASTER_KEY_PREVIOUS` (comma-separated) that still decrypt old
/// values. With the embedded database and no key set, one is generated into the data directory.
pub fn cipher(database: &DatabaseChoice) -> Result<Cipher, ServerError> {
    let current = match (env_var("PLUGBOARD_MASTER_KEY"), database) {
        (Some(key), _) => decode_key("PLUGBOARD_MASTER_KEY", &key)?,
        (None, DatabaseChoice::Embedded(dir)) => embedded_master_key(dir)?,
        (None, DatabaseChoice::Url(_)) => {
            return Err(ServerError::config(
                "PLUGBOARD_MASTER_KEY",
                "required when DATABASE_URL is set: 32 random bytes in base64 (for example `openssl rand -base64 32`)",
            ))
        }
    };
    let previous = env_var("PLUGBOARD_MASTER_KEY_PREVIOUS")
        .map(|list| {
            list.split(',')
                .map(str::trim)
                .filter(|k| !k.is_empty())
                .map(|k| decode_key("PLUGBOARD_MASTER_KEY_PREVIOUS", k))
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()?
        .unwrap_or_default();
    Ok(Cipher::new(&current, &previous))
}

fn decode_key(var: &'static str, value: &str) -> Result<MasterKey, ServerError> {
    let bytes = STANDARD
        .decode(value.trim())
        .map_err(|_| ServerError::config(var, "not valid base64"))?;
    bytes
        .try_into()
        .map_err(|_| ServerError::config(var, "must decode to exactly 32 bytes"))
}

fn embedded_master_key(dir: &Path) -> Result<MasterKey, ServerError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let path = dir.join("master.key");
    if let Ok(text) = std::fs::read_to_string(&path) {
        return decode_key("PLUGBOARD_MASTER_KEY", &text);
    }
    std::fs::create_dir_all(dir)?;
    let key = Cipher::random_key();
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)?;
    file.write_all(STANDARD.encode(key).as_bytes())?;
    tracing::info!(path = %path.display(), "generated a master key for the embedded database; back it up with the data");
    Ok(key)
}

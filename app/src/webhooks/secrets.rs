//! An endpoint's sealed credentials: reading them (with `webhooks:write`), rotating the signing
//! secret, and sealing header values stored before values were sealed.

use std::collections::BTreeMap;

use uuid::Uuid;

use super::endpoints::{get, not_found};
use super::signing::{self, open_headers, open_secret, seal_headers, seal_secret};
use super::{EndpointSecrets, EndpointWithSecret};
use crate::audit::service::{self as audit, Actor, Change};
use crate::audit::AuditAction;
use crate::error::AppError;
use crate::runtime::{crypto::Cipher, AppState};

#[derive(sqlx::FromRow)]
struct SealedRow {
    secret: Vec<u8>,
    sealed_headers: Option<Vec<u8>>,
}

/// The signing secret and custom header values, opened.
pub async fn secrets(
    state: &AppState,
    company_id: Uuid,
    id: Uuid,
) -> Result<EndpointSecrets, AppError> {
    let row: SealedRow = sqlx::query_as(
        "SELECT secret, sealed_headers FROM webhook_endpoints WHERE company_id = $1 AND id = $2",
    )
    .bind(company_id)
    .bind(id)
    .fetch_optional(&state.pool)
    .await?
    .ok_or_else(not_found)?;
    Ok(EndpointSecrets {
        secret: open_secret(&state.cipher, company_id, id, &row.secret)?,
        headers: open_headers(&state.cipher, company_id, id, row.sealed_headers.as_deref())?,
    })
}

/// Seals the plain header values that endpoints saved before values were sealed (the
/// migration cannot: only the server holds the key). Runs at start-up; a no-op afterwards.
pub async fn seal_legacy_headers(pool: &sqlx::PgPool, cipher: &Cipher) -> Result<u64, AppError> {
    #[derive(sqlx::FromRow)]
    struct Legacy {
        id: Uuid,
        company_id: Uuid,
        legacy_plain_headers: sqlx::types::Json<BTreeMap<String, String>>,
    }
    let rows: Vec<Legacy> = sqlx::query_as(
        "SELECT id, company_id, legacy_plain_headers FROM webhook_endpoints
          WHERE legacy_plain_headers IS NOT NULL",
    )
    .fetch_all(pool)
    .await?;
    let mut sealed_count = 0;
    for row in rows {
        let headers = row.legacy_plain_headers.0;
        let sealed = seal_headers(cipher, row.company_id, row.id, &headers)?;
        let names: Vec<&str> = headers.keys().map(String::as_str).collect();
        sealed_count += sqlx::query(
            "UPDATE webhook_endpoints SET sealed_headers = $2, header_names = $3, legacy_plain_headers = NULL
              WHERE id = $1 AND legacy_plain_headers IS NOT NULL",
        )
        .bind(row.id)
        .bind(sealed)
        .bind(names)
        .execute(pool)
        .await?
        .rows_affected();
    }
    Ok(sealed_count)
}

/// A new secret; the current one becomes the previous one and keeps signing for 24 hours.
pub async fn rotate_secret(
    state: &AppState,
    company_id: Uuid,
    actor: &Actor,
    id: Uuid,
) -> Result<EndpointWithSecret, AppError> {
    let secret = signing::generate_secret();
    let sealed = seal_secret(&state.cipher, company_id, id, &secret)?;
    let mut tx = state.pool.begin().await?;
    let url: String = sqlx::query_scalar(
        "UPDATE webhook_endpoints SET previous_secret = secret, previous_secret_until = now() + interval '24 hours',
                secret = $3, updated_at = now()
          WHERE company_id = $1 AND id = $2 RETURNING url",
    )
    .bind(company_id)
    .bind(id)
    .bind(sealed)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(not_found)?;
    let change = Change::new(AuditAction::WebhookSecretRotated, id, &url);
    audit::record(&mut tx, company_id, actor, change).await?;
    tx.commit().await?;
    Ok(EndpointWithSecret {
        endpoint: get(state, company_id, id).await?,
        secret,
    })
}

//! Connections as a destination: the connections of a claimed batch loaded in one query, and
//! each delivery handed to its provider's module, which builds the request from the event and
//! the connection's settings, sends it with the connection's credentials and classifies the
//! answer into a [`Verdict`].

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use sqlx::PgPool;
use uuid::Uuid;

use super::{catch_hook, discord, email, slack, teams, telegram, whatsapp};
use crate::delivery::attempt::{self, SentAttempt, Verdict, REDACTED};
use crate::delivery::queue::Claimed;
use crate::delivery::targets::Versioned;
use crate::delivery::RetryPolicy;
use crate::error::AppError;
use crate::integrations::catalogue::Provider;
use crate::integrations::credentials::Credentials;
use crate::integrations::oauth::{self, REFRESH_AHEAD};
use crate::runtime::AppState;

/// How long a provider may take to answer one action.
pub const PROVIDER_TIMEOUT: Duration = Duration::from_secs(10);

/// What sending to one connection needs.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Target {
    pub id: Uuid,
    pub company_id: Uuid,
    pub provider: String,
    pub status: String,
    pub config: serde_json::Value,
    pub credentials: Vec<u8>,
    pub token_expires_at: Option<DateTime<Utc>>,
    /// Set for a Zap subscribed through REST Hooks.
    pub rest_hook_event: Option<String>,
    pub retry_policy: Option<sqlx::types::Json<RetryPolicy>>,
}

impl Target {
    /// Takes deliveries: not in Error (credentials refused) or still pending.
    pub fn active(&self) -> bool {
        self.status == "active"
    }

    pub fn setting(&self, name: &str) -> &str {
        self.config
            .get(name)
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .trim()
    }
}

/// The connections of a batch, in one query, each with its row's version.
pub async fn load(pool: &PgPool, ids: &[Uuid]) -> Result<Vec<Versioned<Target>>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    sqlx::query_as(
        "SELECT xmin::text::bigint AS version, NULL::timestamptz AS stale_after,
                id, company_id, provider, status, config, credentials, token_expires_at, rest_hook_event,
                retry_policy
           FROM connections WHERE id = ANY($1)",
    )
    .bind(ids)
    .fetch_all(pool)
    .await
}

/// One attempt of `claimed` to its connection.
pub async fn send(state: &AppState, target: &Target, claimed: &Claimed) -> (SentAttempt, Verdict) {
    let Some(provider) = state.catalogue.get(&target.provider) else {
        return not_sent(
            format!("{} is no longer in the catalogue.", target.provider),
            Verdict::Stop { disable: false },
        );
    };
    let credentials = match credentials(state, target).await {
        Ok(credentials) => credentials,
        Err(refused) => return refused,
    };
    let (mut sent, verdict) = match provider.def.slug.as_str() {
        "slack" => slack::send(state, provider, target, &credentials, claimed).await,
        "telegram" => telegram::send(state, provider, target, &credentials, claimed).await,
        "discord" => discord::send(state, provider, target, &credentials, claimed).await,
        "microsoft-teams" => teams::send(state, provider, target, &credentials, claimed).await,
        "whatsapp-business" => whatsapp::send(state, provider, target, &credentials, claimed).await,
        "email-forwarding" => email::send(state, target, &credentials, claimed).await,
        "zapier" | "make" | "n8n" => {
            catch_hook::send(state, provider, target, &credentials, claimed).await
        }
        _ => not_sent(
            format!("{} does not send events yet.", provider.def.name),
            Verdict::Stop { disable: false },
        ),
    };
    if sent.error.is_none() && verdict != Verdict::Delivered {
        sent.error = Some(format!(
            "{} refused the request (HTTP {}).",
            provider.def.name,
            sent.response_status.unwrap_or_default()
        ));
    }
    (sent, verdict)
}

/// The connection's credentials, an OAuth token refreshed first when it is about to expire
/// (through the row lock, so one refresh reaches the provider).
async fn credentials(
    state: &AppState,
    target: &Target,
) -> Result<Credentials, (SentAttempt, Verdict)> {
    let opened = Credentials::open(
        &target.credentials,
        &state.cipher,
        target.company_id,
        target.id,
    )
    .map_err(|_| {
        not_sent(
            "The connection's credentials could not be decrypted.".into(),
            Verdict::Suspend,
        )
    })?;
    let due = target
        .token_expires_at
        .is_some_and(|at| at <= Utc::now() + REFRESH_AHEAD);
    let Credentials::OAuth {
        refresh_token,
        grant,
        ..
    } = &opened
    else {
        return Ok(opened);
    };
    if !due {
        return Ok(opened);
    }
    match oauth::access_token(state, target.company_id, target.id, REFRESH_AHEAD).await {
        Ok(access_token) => Ok(Credentials::OAuth {
            access_token,
            refresh_token: refresh_token.clone(),
            grant: grant.clone(),
        }),
        // The provider refused the refresh: the connection is in Error already.
        Err(AppError::Conflict { message, .. }) => Err(not_sent(message, Verdict::Suspend)),
        Err(e) => Err(not_sent(e.to_string(), Verdict::Retry { after: None })),
    }
}

pub fn not_sent(error: String, verdict: Verdict) -> (SentAttempt, Verdict) {
    (
        SentAttempt::not_sent(Utc::now(), String::new(), error),
        verdict,
    )
}

/// A JSON POST with a bearer token (or none), sent and kept as the attempt log shows it: the
/// token redacted.
pub async fn post_json(
    client: &reqwest::Client,
    url: reqwest::Url,
    bearer: Option<&str>,
    body: &serde_json::Value,
) -> SentAttempt {
    let body = body.to_string();
    let mut headers = HeaderMap::new();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    let mut logged = BTreeMap::from([(
        CONTENT_TYPE.to_string(),
        "application/json; charset=utf-8".to_string(),
    )]);
    if let Some(token) = bearer {
        match HeaderValue::from_str(&format!("Bearer {token}")) {
            Ok(mut value) => {
                value.set_sensitive(true);
                headers.insert(AUTHORIZATION, value);
                logged.insert(AUTHORIZATION.to_string(), REDACTED.to_string());
            }
            Err(_) => {
                return SentAttempt::not_sent(
                    Utc::now(),
                    body,
                    "The stored token is not a valid header value.".into(),
                )
            }
        }
    }
    let request = client.post(url).headers(headers).body(body.clone());
    attempt::exchange(request, PROVIDER_TIMEOUT, logged, &body).await
}

/// `{api_base_url}/{path}` of a provider, or why not.
pub fn endpoint(provider: &Provider, path: &str) -> Result<reqwest::Url, String> {
    let url = format!(
        "{}/{}",
        provider.def.api_base_url.trim_end_matches('/'),
        path.trim_start_matches('/')
    );
    reqwest::Url::parse(&url)
        .map_err(|e| format!("{}'s API URL is invalid: {e}", provider.def.name))
}

/// The answer's body as JSON, if it is JSON.
pub fn json_body(sent: &SentAttempt) -> Option<serde_json::Value> {
    serde_json::from_str(sent.response_body.as_deref()?).ok()
}

//! Server-side sessions: an opaque random cookie whose SHA-256 digest keys a `sessions` row,
//! plus a per-session CSRF token that the browser echoes in a header on every POST.

use axum::http::{HeaderMap, Method};
use chrono::{DateTime, Utc};
use cookie::{Cookie, SameSite};
use sqlx::PgPool;
use uuid::Uuid;

use crate::error::AppError;
use crate::runtime::{respond, tokens, AppState, Config};

pub const SESSION_COOKIE: &str = "pb_session";
/// Readable by the page's script (not HttpOnly) so it can send it back as [`CSRF_HEADER`]; a
/// cross-site page can neither read it nor set the header.
pub const CSRF_COOKIE: &str = "pb_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// A signed-in company admin, resolved from the session cookie.
#[derive(Debug, Clone)]
pub struct Admin {
    pub session_id: Uuid,
    pub user_id: Uuid,
    pub company_id: Uuid,
    pub email: String,
    pub csrf_token: String,
}

/// State-changing (non-GET) calls from a browser must carry the session's CSRF token.
pub fn check_csrf(parts: &http::request::Parts, admin: &Admin) -> Result<(), AppError> {
    if parts.method == Method::GET || parts.method == Method::HEAD {
        return Ok(());
    }
    let sent = parts
        .headers
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if tokens::constant_time_eq(sent.as_bytes(), admin.csrf_token.as_bytes()) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "Missing or invalid CSRF token: reload the page and try again.".into(),
        ))
    }
}

/// Looks up the session named by the request's cookie. Expired sessions count as none.
pub async fn caller_from_headers(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<Admin>, AppError> {
    let Some(token) = cookie_value(headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    let idle_secs = state.config.session_idle_timeout.as_secs_f64();
    #[derive(sqlx::FromRow)]
    struct SessionRow {
        session_id: Uuid,
        user_id: Uuid,
        company_id: Uuid,
        email: String,
        csrf_token: String,
        last_seen_at: DateTime<Utc>,
    }
    let row: Option<SessionRow> = sqlx::query_as(
        "SELECT s.id AS session_id, s.user_id, s.company_id, u.email, s.csrf_token, s.last_seen_at
           FROM sessions s JOIN users u ON u.id = s.user_id
          WHERE s.token_hash = $1 AND s.expires_at > now()
            AND s.last_seen_at > now() - make_interval(secs => $2)",
    )
    .bind(tokens::sha256(&token))
    .bind(idle_secs)
    .fetch_optional(&state.pool)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    // Refresh the idle clock at most once a minute, not on every request.
    if Utc::now() - row.last_seen_at > chrono::Duration::seconds(60) {
        sqlx::query("UPDATE sessions SET last_seen_at = now() WHERE id = $1")
            .bind(row.session_id)
            .execute(&state.pool)
            .await?;
    }
    Ok(Some(Admin {
        session_id: row.session_id,
        user_id: row.user_id,
        company_id: row.company_id,
        email: row.email,
        csrf_token: row.csrf_token,
    }))
}

/// Starts a session for a member of `company_id` and sets both cookies on the response.
pub async fn start(state: &AppState, user_id: Uuid, company_id: Uuid) -> Result<(), AppError> {
    let token = tokens::random_token();
    let csrf_token = tokens::random_token();
    let max_age_secs = state.config.session_max_age.as_secs_f64();
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, company_id, csrf_token, expires_at)
         VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))",
    )
    .bind(tokens::sha256(&token))
    .bind(user_id)
    .bind(company_id)
    .bind(&csrf_token)
    .bind(max_age_secs)
    .execute(&state.pool)
    .await?;
    respond::set_cookie(&session_cookie(&state.config, SESSION_COOKIE, token, true));
    respond::set_cookie(&session_cookie(
        &state.config,
        CSRF_COOKIE,
        csrf_token,
        false,
    ));
    Ok(())
}

/// Ends the session and clears the cookies.
pub async fn end(pool: &PgPool, config: &Config, session_id: Uuid) -> Result<(), AppError> {
    sqlx::query("DELETE FROM sessions WHERE id = $1")
        .bind(session_id)
        .execute(pool)
        .await?;
    for (name, http_only) in [(SESSION_COOKIE, true), (CSRF_COOKIE, false)] {
        let mut cookie = session_cookie(config, name, String::new(), http_only);
        cookie.make_removal();
        respond::set_cookie(&cookie);
    }
    Ok(())
}

/// Session cookies: no Max-Age (they end with the browser; the server enforces expiry),
/// SameSite=Lax so links from other sites still land signed in, Secure behind https.
fn session_cookie(
    config: &Config,
    name: &'static str,
    value: String,
    http_only: bool,
) -> Cookie<'static> {
    Cookie::build((name, value))
        .path("/")
        .http_only(http_only)
        .same_site(SameSite::Lax)
        .secure(config.secure_cookies())
        .build()
}

pub fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse_encoded)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_string())
}

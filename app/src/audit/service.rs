//! Writing and reading the audit log. Every query is scoped to the caller's company.

use chrono::{DateTime, Utc};
use leptos::prelude::use_context;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::{ActorKind, AuditAction, AuditEntry, AuditPage};
use crate::auth::access::{Actor as CallerActor, Caller};
use crate::error::AppError;
use crate::runtime::client_ip::client_ip;

/// Who a change is recorded against.
#[derive(Debug, Clone)]
pub struct Actor {
    kind: ActorKind,
    id: Option<Uuid>,
    label: String,
    ip: Option<String>,
}

impl Actor {
    /// The caller of the current request, with its client address.
    pub fn of(caller: &Caller) -> Self {
        let (kind, id) = match &caller.actor {
            CallerActor::Admin { user_id, .. } => (ActorKind::Admin, Some(*user_id)),
            CallerActor::ApiKey { key_id, .. } => (ActorKind::ApiKey, Some(*key_id)),
        };
        Self {
            kind,
            id,
            label: caller.label(),
            ip: request_ip(),
        }
    }

    /// An admin acting for themselves outside a signed-in call (first-run setup).
    pub fn admin(user_id: Uuid, email: &str) -> Self {
        Self {
            kind: ActorKind::Admin,
            id: Some(user_id),
            label: email.to_string(),
            ip: request_ip(),
        }
    }

    /// The admin behind the change, if a person made it.
    pub fn user_id(&self) -> Option<Uuid> {
        (self.kind == ActorKind::Admin).then_some(self.id).flatten()
    }

    /// As "created by" and "connected by" show it.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// Plugboard itself, acting on what a provider told it (e.g. a hook that is gone).
    pub fn system(label: &str) -> Self {
        Self {
            kind: ActorKind::System,
            id: None,
            label: label.to_string(),
            ip: None,
        }
    }

    pub fn command_line() -> Self {
        Self {
            kind: ActorKind::CommandLine,
            id: None,
            label: "Command line".into(),
            ip: None,
        }
    }
}

/// The client address of the request being served, if there is one.
fn request_ip() -> Option<String> {
    let parts = use_context::<http::request::Parts>()?;
    let state = use_context::<crate::runtime::AppState>()?;
    Some(client_ip(
        &parts.headers,
        &parts.extensions,
        state.config.trust_proxy_headers,
    ))
}

fn kind_text(kind: ActorKind) -> &'static str {
    match kind {
        ActorKind::Admin => "admin",
        ActorKind::ApiKey => "api_key",
        ActorKind::CommandLine => "command_line",
        ActorKind::System => "system",
    }
}

/// One change to record, inside the transaction that makes it.
pub struct Change<'a> {
    pub action: AuditAction,
    pub target_id: Option<String>,
    pub target: &'a str,
    pub details: serde_json::Value,
}

impl<'a> Change<'a> {
    pub fn new(action: AuditAction, target_id: impl ToString, target: &'a str) -> Self {
        Self {
            action,
            target_id: Some(target_id.to_string()),
            target,
            details: serde_json::Value::Object(Default::default()),
        }
    }

    pub fn with_details(mut self, details: serde_json::Value) -> Self {
        self.details = details;
        self
    }
}

pub async fn record(
    conn: &mut PgConnection,
    company_id: Uuid,
    actor: &Actor,
    change: Change<'_>,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO audit_log (company_id, actor_kind, actor_id, actor_label, ip, action, target_id, target_label, details)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(company_id)
    .bind(kind_text(actor.kind))
    .bind(actor.id)
    .bind(&actor.label)
    .bind(&actor.ip)
    .bind(change.action.as_str())
    .bind(&change.target_id)
    .bind(change.target)
    .bind(&change.details)
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct EntryRow {
    id: i64,
    occurred_at: DateTime<Utc>,
    actor_kind: String,
    actor_label: String,
    ip: Option<String>,
    action: String,
    target_id: Option<String>,
    target_label: String,
    details: serde_json::Value,
}

pub async fn list(
    pool: &PgPool,
    company_id: Uuid,
    before: Option<i64>,
    limit: Option<u32>,
) -> Result<AuditPage, AppError> {
    let limit = crate::validate::limit("limit", limit, 50, 100)?;
    let rows: Vec<EntryRow> = sqlx::query_as(
        "SELECT id, occurred_at, actor_kind, actor_label, ip, action, target_id, target_label, details
           FROM audit_log
          WHERE company_id = $1 AND ($2::bigint IS NULL OR id < $2)
          ORDER BY id DESC LIMIT $3",
    )
    .bind(company_id)
    .bind(before)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    let next_before = (rows.len() as i64 == limit)
        .then(|| rows.last().map(|r| r.id))
        .flatten();
    let entries = rows
        .into_iter()
        .filter_map(|row| {
            let action = AuditAction::parse(&row.action)?;
            let actor_kind = match row.actor_kind.as_str() {
                "admin" => ActorKind::Admin,
                "api_key" => ActorKind::ApiKey,
                "command_line" => ActorKind::CommandLine,
                _ => ActorKind::System,
            };
            Some(AuditEntry {
                id: row.id,
                occurred_at: row.occurred_at,
                actor_kind,
                actor: row.actor_label,
                ip: row.ip,
                action,
                target: row.target_label,
                target_id: row.target_id,
                details: row.details,
            })
        })
        .collect();
    Ok(AuditPage {
        entries,
        next_before,
    })
}

//! The daily summary of Slack, Teams and Discord connections: once a day per connection, at the hour its settings pick in the
//! company's time zone, one message with the last 24 hours' counts (conversations created and
//! closed, escalations, messages). A summary is an event of its own type, queued to its one
//! connection through the delivery pipeline (retried, logged, redeliverable like any action).
//! A row per connection and local date, inserted in the queuing transaction, makes it once
//! whichever process looks first, and after restarts.

use chrono::{DateTime, NaiveDate, Timelike, Utc};
use chrono_tz::Tz;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::delivery::queue::{self, Destination};
use crate::runtime::AppState;

pub const EVENT_TYPE: &str = "summary.daily";
const DEFAULT_HOUR: u32 = 9;

#[derive(sqlx::FromRow)]
struct Subscriber {
    id: Uuid,
    company_id: Uuid,
    config: Value,
    time_zone: String,
}

#[derive(sqlx::FromRow)]
struct Counts {
    conversations_created: i64,
    conversations_closed: i64,
    escalations: i64,
    messages: i64,
}

/// A company's counts for the 24 hours up to `$2`. It reads only the summarised types, by the
/// index kept on them alone (`events_summarised_idx`, whose list must be this one): the events
/// of every company and type in the window were a scan of the whole day at any volume.
pub const COUNTS: &str =
    "SELECT count(*) FILTER (WHERE event_type = 'conversation.created') AS conversations_created,
            count(*) FILTER (WHERE event_type = 'conversation.closed') AS conversations_closed,
            count(*) FILTER (WHERE event_type = 'escalation.triggered') AS escalations,
            count(*) FILTER (WHERE event_type IN ('message.received', 'message.sent')) AS messages
       FROM events
      WHERE company_id = $1 AND created_at > $2 - interval '24 hours' AND created_at <= $2
        AND event_type IN ('conversation.created', 'conversation.closed', 'escalation.triggered',
                           'message.received', 'message.sent')";

/// Queues the summaries due now; returns how many.
pub async fn queue_due(state: &AppState) -> Result<u32, sqlx::Error> {
    let subscribers: Vec<Subscriber> = sqlx::query_as(
        "SELECT c.id, c.company_id, c.config, co.time_zone
           FROM connections c JOIN companies co ON co.id = c.company_id
          WHERE c.status = 'active' AND c.config ->> 'daily_summary' = 'true'
            AND ((c.provider IN ('slack', 'microsoft-teams')
                  AND btrim(coalesce(c.config ->> 'channel', '')) <> '')
                 OR c.provider = 'discord')",
    )
    .fetch_all(&state.pool)
    .await?;
    let now = Utc::now();
    let mut queued = 0;
    for subscriber in subscribers {
        let hour = subscriber
            .config
            .get("summary_hour")
            .and_then(Value::as_u64)
            .and_then(|h| u32::try_from(h).ok())
            .unwrap_or(DEFAULT_HOUR);
        let Some(local_date) = due_date(now, &subscriber.time_zone, hour) else {
            continue;
        };
        if queue_one(state, &subscriber, local_date, now).await? {
            queued += 1;
        }
    }
    if queued > 0 {
        queue::announce(state);
    }
    Ok(queued)
}

/// The local date whose summary is due at `now` in `time_zone` (an unknown zone counts as
/// UTC), once the local hour has reached `hour`.
pub fn due_date(now: DateTime<Utc>, time_zone: &str, hour: u32) -> Option<NaiveDate> {
    let zone: Tz = time_zone.parse().unwrap_or(Tz::UTC);
    let local = now.with_timezone(&zone);
    (local.hour() >= hour).then(|| local.date_naive())
}

async fn queue_one(
    state: &AppState,
    subscriber: &Subscriber,
    local_date: NaiveDate,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let mut tx = state.pool.begin().await?;
    let event_id = Uuid::now_v7();
    // A concurrent process inserting the same day waits here, then finds it taken.
    let first = sqlx::query(
        "INSERT INTO daily_summaries (connection_id, company_id, local_date, event_id)
         VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
    )
    .bind(subscriber.id)
    .bind(subscriber.company_id)
    .bind(local_date)
    .bind(event_id)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if !first {
        tx.rollback().await?;
        return Ok(false);
    }
    let counts: Counts = sqlx::query_as(COUNTS)
        .bind(subscriber.company_id)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
    let data = json!({
        "date": local_date.to_string(),
        "time_zone": subscriber.time_zone,
        "conversations_created": counts.conversations_created,
        "conversations_closed": counts.conversations_closed,
        "escalations": counts.escalations,
        "messages": counts.messages,
    });
    sqlx::query("INSERT INTO events (id, company_id, event_type, data) VALUES ($1, $2, $3, $4)")
        .bind(event_id)
        .bind(subscriber.company_id)
        .bind(EVENT_TYPE)
        .bind(&data)
        .execute(&mut *tx)
        .await?;
    queue::enqueue_to(
        &mut tx,
        subscriber.company_id,
        Destination::connection(subscriber.id),
        event_id,
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// The summary as `chat.postMessage` arguments.
pub fn message(channel: &str, data: &Value) -> Value {
    let count = |name: &str| data.get(name).and_then(Value::as_i64).unwrap_or(0);
    let text = |name: &str| data.get(name).and_then(Value::as_str).unwrap_or_default();
    let (created, closed, escalations, messages) = (
        count("conversations_created"),
        count("conversations_closed"),
        count("escalations"),
        count("messages"),
    );
    let fallback = format!(
        "Daily summary for {}: {created} new conversations, {closed} closed, {escalations} escalations, {messages} messages.",
        text("date")
    );
    let field = |label: &str, n: i64| json!({"type": "mrkdwn", "text": format!("*{label}*\n{n}")});
    json!({
        "channel": channel,
        "text": fallback,
        "unfurl_links": false,
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": format!("Daily summary · {}", text("date")), "emoji": false}},
            {"type": "section", "fields": [
                field("New conversations", created),
                field("Closed", closed),
                field("Escalations", escalations),
                field("Messages", messages),
            ]},
            {"type": "context", "elements": [
                {"type": "mrkdwn", "text": format!("The last 24 hours, {}", text("time_zone"))},
            ]},
        ],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn due_once_the_hour_has_come_in_the_companys_zone() {
        // 22:30 UTC on 1 December is 11:30 on 2 December in Auckland (UTC+13 in summer).
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 22, 30, 0).unwrap();
        assert_eq!(
            due_date(now, "Pacific/Auckland", 9),
            NaiveDate::from_ymd_opt(2026, 12, 2)
        );
        assert_eq!(due_date(now, "Pacific/Auckland", 12), None);
        assert_eq!(
            due_date(now, "UTC", 22),
            NaiveDate::from_ymd_opt(2026, 12, 1)
        );
        assert_eq!(
            due_date(now, "Not/AZone", 9),
            NaiveDate::from_ymd_opt(2026, 12, 1),
            "an unknown zone counts as UTC"
        );
    }

    #[test]
    fn the_message_has_the_counts_as_block_kit() {
        let data = json!({"date": "2026-12-02", "time_zone": "Europe/Paris", "conversations_created": 3,
                          "conversations_closed": 1, "escalations": 2, "messages": 7});
        let body = message("#support-alerts", &data);
        assert_eq!(body["channel"], "#support-alerts");
        assert_eq!(
            body["blocks"][0]["text"]["text"],
            "Daily summary · 2026-12-02"
        );
        assert_eq!(
            body["blocks"][1]["fields"][0]["text"],
            "*New conversations*\n3"
        );
        assert_eq!(body["blocks"][1]["fields"][3]["text"], "*Messages*\n7");
        assert!(body["text"].as_str().unwrap().contains("2 escalations"));
    }
}

//! Slack's daily summary: due at the picked hour in the company's time zone, sent once per day
//! and connection even with two server processes looking (and a third started later), with the
//! last 24 hours' counts, through the Slack contract server.

use std::time::Duration;

use serde_json::{json, Value};
use sqlx::PgPool;

use crate::common::contracts::Contract;
use crate::common::oauth_flow::connect_slack;
use crate::common::{error_of, TestApp};

fn summaries(messages: &[Value]) -> Vec<Value> {
    messages
        .iter()
        .filter(|m| {
            m["text"]
                .as_str()
                .unwrap_or_default()
                .starts_with("Daily summary")
        })
        .cloned()
        .collect()
}

#[sqlx::test(migrations = "../migrations")]
async fn the_daily_summary_goes_once_with_two_processes_and_after_a_restart(pool: PgPool) {
    let slack = Contract::slack();
    let app = TestApp::builder(pool.clone())
        .env(slack.slack_env())
        .config(|c| c.daily_summary_every = Duration::from_millis(100))
        .await;
    let admin = app.setup("Acme", "ada@acme.test").await;

    // A zone far from UTC: the summary's date is the company's date, not the server's.
    let res = admin
        .post(
            "/api/v1/company/set_time_zone",
            json!({"time_zone": "Mars/Olympus"}),
        )
        .await;
    assert_eq!(error_of(res).await.2.as_deref(), Some("time_zone"));
    let settings = admin
        .post_ok(
            "/api/v1/company/set_time_zone",
            json!({"time_zone": "Pacific/Kiritimati"}),
        )
        .await;
    assert_eq!(settings["time_zone"], "Pacific/Kiritimati");
    let zones = admin.get_json("/api/v1/company/time_zones").await;
    assert!(zones["zones"]
        .as_array()
        .unwrap()
        .iter()
        .any(|z| z == "Europe/Paris"));

    for (event_type, n) in [
        ("conversation.created", 2),
        ("conversation.closed", 1),
        ("escalation.triggered", 1),
        ("message.received", 3),
    ] {
        for _ in 0..n {
            admin
                .publish(event_type, json!({"conversation_id": "conv_1"}))
                .await;
        }
    }
    let id = connect_slack(&admin, None).await;
    // Only the summary: no per-event notifications, due from midnight on.
    admin
        .post_ok(
            "/api/v1/integrations/save_config",
            json!({"id": id, "config": {"channel": "#support-alerts", "notify_new_conversations": false,
                                        "notify_escalations": false, "daily_summary": true, "summary_hour": 0}}),
        )
        .await;
    let quick = |c: &mut app::runtime::Config| c.daily_summary_every = Duration::from_millis(100);
    let second = app.beside_with(slack.slack_env(), quick).await;
    let posted = slack
        .wait_for("/_control/messages", 1, Duration::from_secs(10))
        .await;
    assert_eq!(summaries(&posted).len(), 1, "{posted:#?}");
    // Both processes look ten times a second for a while; a third starts (a restart).
    tokio::time::sleep(Duration::from_millis(800)).await;
    let third = app.beside_with(slack.slack_env(), quick).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    let posted = slack.list("/_control/messages").await;
    let sent = summaries(&posted);
    assert_eq!(sent.len(), 1, "exactly once: {posted:#?}");
    drop((second, third));

    let summary = &sent[0];
    assert_eq!(summary["channel_name"], "support-alerts");
    let kiritimati_today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Pacific::Kiritimati)
        .date_naive()
        .to_string();
    assert_eq!(
        summary["blocks"][0]["text"]["text"],
        format!("Daily summary · {kiritimati_today}")
    );
    let fields: Vec<&str> = summary["blocks"][1]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "*New conversations*\n2",
            "*Closed*\n1",
            "*Escalations*\n1",
            "*Messages*\n3"
        ]
    );
    // It is an action like any other: in the connection's activity log.
    let log = admin
        .get_json(&format!("/api/v1/integrations/deliveries?id={id}"))
        .await;
    assert_eq!(log["deliveries"][0]["event_type"], "summary.daily");
}

#[sqlx::test(migrations = "../migrations")]
async fn no_summary_before_the_hour_or_when_turned_off(pool: PgPool) {
    let slack = Contract::slack();
    let app = TestApp::builder(pool.clone())
        .env(slack.slack_env())
        .config(|c| c.daily_summary_every = Duration::from_millis(100))
        .await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    let id = connect_slack(&admin, None).await;
    // The company's clock an hour before the summary hour (a zone two hours behind UTC when
    // UTC's day is in its last hour).
    let now = chrono::Utc::now();
    let zone = match chrono::Timelike::hour(&now) {
        23 => "Etc/GMT+2",
        _ => "UTC",
    };
    admin
        .post_ok("/api/v1/company/set_time_zone", json!({"time_zone": zone}))
        .await;
    let local_hour =
        chrono::Timelike::hour(&now.with_timezone(&zone.parse::<chrono_tz::Tz>().unwrap()));
    admin
        .post_ok(
            "/api/v1/integrations/save_config",
            json!({"id": id, "config": {"channel": "#support-alerts", "daily_summary": true,
                                        "summary_hour": local_hour + 1}}),
        )
        .await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    admin
        .post_ok(
            "/api/v1/integrations/save_config",
            json!({"id": id, "config": {"channel": "#support-alerts", "daily_summary": false, "summary_hour": 0}}),
        )
        .await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    let queued: i64 = sqlx::query_scalar("SELECT count(*) FROM daily_summaries")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(queued, 0);
    assert!(summaries(&slack.list("/_control/messages").await).is_empty());
}

#[sqlx::test(migrations = "../migrations")]
async fn the_counts_read_only_the_summarised_events_by_their_own_index(pool: PgPool) {
    // Every day of events has the index (made ahead by maintenance as the schema says), and
    // the counts' query can use it: its list of types and the index's agree. With sequential
    // scans off, a query that could not use it would still scan the days whole.
    let mut conn = pool.acquire().await.unwrap();
    sqlx::query("SET enable_seqscan = off")
        .execute(&mut *conn)
        .await
        .unwrap();
    let plan: Vec<String> =
        sqlx::query_scalar(&format!("EXPLAIN {}", app::actions::daily_summary::COUNTS))
            .bind(uuid::Uuid::now_v7())
            .bind(chrono::Utc::now())
            .fetch_all(&mut *conn)
            .await
            .unwrap();
    let plan = plan.join("\n");
    assert!(!plan.contains("Seq Scan"), "{plan}");
    let index_scans: Vec<&str> = plan.lines().filter(|l| l.contains("Index Scan")).collect();
    assert!(
        !index_scans.is_empty()
            && index_scans
                .iter()
                .all(|scan| scan.contains("_company_id_created_at_idx")),
        "{plan}"
    );
    assert!(plan.contains("company_id_created_at_idx"), "{plan}");
}

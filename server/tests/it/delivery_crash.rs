//! At-least-once across a crash: the real binary is killed with SIGKILL in the middle of a
//! publishing burst and started again; every event whose publish was acknowledged reaches the
//! webhook endpoint and the connected Zapier hook (its contract server) alike: claims held by
//! the dead process come due again when their lease runs out. And the database closing the
//! worker's connections (a restart, a failover) holds deliveries up by a second at most.

use std::collections::HashSet;
use std::process::Child;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::common::binary;
use crate::common::contracts::Contract;
use crate::common::receiver::{Receiver, Reply};
use app::api_keys::service::{create, NewKey};
use app::auth::scope::Scope;
use serde_json::{json, Value};
use sqlx::PgPool;

const MASTER_KEY: &str = "q2Yq9Zb9m3w8oQw0o9x0r2rj4m3tZ1QpV2u7yXbq0cY=";
const LEASE_SECS: u64 = 35;

fn start(database_url: &str, port: u16, zapier: &Contract) -> Child {
    binary::serve(
        port,
        &[
            ("DATABASE_URL", database_url.to_string()),
            ("ZAPIER_API_BASE_URL", zapier.base.clone()),
            ("PLUGBOARD_MASTER_KEY", MASTER_KEY.to_string()),
            ("PLUGBOARD_ALLOW_HTTP_WEBHOOKS", "true".into()),
            ("PLUGBOARD_ALLOW_PRIVATE_WEBHOOKS", "true".into()),
            ("PLUGBOARD_WEBHOOK_LEASE_SECONDS", LEASE_SECS.to_string()),
            ("PLUGBOARD_PUBLISH_RATE_LIMIT_PER_SECOND", "100000".into()),
            // One worker sending ten at a time to a receiver that takes 50 ms: about 200
            // deliveries a second, well behind the burst, so the kill always finds events that
            // were acknowledged and not yet sent, whatever else the machine is doing.
            ("PLUGBOARD_WEBHOOK_WORKERS", "1".into()),
            ("PLUGBOARD_WEBHOOK_BATCH_SIZE", "10".into()),
        ],
        &[],
    )
}

#[sqlx::test(migrations = "../migrations")]
async fn every_acknowledged_event_is_delivered_across_a_sigkill(pool: PgPool) {
    let database_url = crate::common::database_url(&pool).await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let (company_id, _) = app::company::service::create_admin_in_company(
        &pool,
        "Durable",
        "ada@durable.test",
        crate::common::PASSWORD.into(),
    )
    .await
    .unwrap();
    let key = create(
        &pool,
        company_id,
        &app::audit::service::Actor::command_line(),
        NewKey::validate("burst", vec![Scope::All], None).unwrap(),
    )
    .await
    .unwrap()
    .secret;
    let receiver = Receiver::start().await;
    // Slow enough that deliveries are in flight when the process dies.
    receiver.set_default(Reply::status(200).delay(Duration::from_millis(50)));

    let zapier = Contract::start("zapier-hooks.mjs");
    zapier.control("/_control/delay?ms=50").await;
    let mut server = start(&database_url, port, &zapier);
    binary::wait_healthy(port, &mut server).await;
    let res = client
        .post(format!("{base}/api/v1/integrations/connect_webhook"))
        .bearer_auth(&key)
        .json(&json!({"slug": "zapier", "url": "https://hooks.zapier.com/hooks/catch/1/burst/"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        200,
        "{}",
        res.text().await.unwrap_or_default()
    );
    let res = client
        .post(format!("{base}/api/v1/webhooks/create"))
        .bearer_auth(&key)
        .json(&json!({"url": receiver.url("/hook"), "event_types": ["*"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    // A burst of single publishes, sixteen at a time (so they are committed in groups); the
    // ids of acknowledged ones are kept.
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let mut publishers = Vec::new();
    for lane in 0..16 {
        let (client, base, key, acknowledged) = (
            client.clone(),
            base.clone(),
            key.clone(),
            acknowledged.clone(),
        );
        publishers.push(tokio::spawn(async move {
            for n in 0..150 {
                let sent = client
                    .post(format!("{base}/api/v1/events/publish"))
                    .bearer_auth(&key)
                    .json(&json!({"event_type": "conversation.created", "data": {"lane": lane, "n": n}}))
                    .send()
                    .await;
                let Ok(res) = sent else { return };
                if res.status() != 200 {
                    return;
                }
                let Ok(body) = res.json::<Value>().await else {
                    return;
                };
                if let Some(id) = body["id"].as_str() {
                    acknowledged.lock().unwrap().push(id.to_string());
                }
            }
        }));
    }
    while acknowledged.lock().unwrap().len() < 300 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.kill().expect("SIGKILL");
    server.wait().expect("reap");
    for publisher in publishers {
        let _ = publisher.await;
    }
    let acknowledged: HashSet<String> = acknowledged.lock().unwrap().iter().cloned().collect();
    let before_restart: HashSet<String> = receiver
        .received()
        .iter()
        .map(|r| r.header("webhook-id"))
        .collect();
    assert!(
        acknowledged.len() > before_restart.len(),
        "the kill came after every delivery; the test proves nothing ({} acknowledged, {} delivered)",
        acknowledged.len(),
        before_restart.len()
    );

    // Group commit was at work: the stored events share transactions.
    let (events, transactions): (i64, i64) =
        sqlx::query_as("SELECT count(*), count(DISTINCT xmin::text) FROM events")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(
        transactions < events,
        "{events} events in {transactions} transactions: no publishes were grouped"
    );

    let caught_before: HashSet<String> = caught_ids(&zapier).await;
    assert!(
        acknowledged.len() > caught_before.len(),
        "the kill came after every action; the test proves nothing"
    );

    let mut restarted = start(&database_url, port, &zapier);
    binary::wait_healthy(port, &mut restarted).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(LEASE_SECS + 60);
    let (missing, missing_actions) = loop {
        let delivered: HashSet<String> = receiver
            .received()
            .iter()
            .map(|r| r.header("webhook-id"))
            .collect();
        let caught = caught_ids(&zapier).await;
        let missing = acknowledged
            .iter()
            .filter(|id| !delivered.contains(*id))
            .count();
        let missing_actions = acknowledged
            .iter()
            .filter(|id| !caught.contains(*id))
            .count();
        if (missing == 0 && missing_actions == 0) || std::time::Instant::now() > deadline {
            break (missing, missing_actions);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let _ = restarted.kill();
    let _ = restarted.wait();
    assert_eq!(
        missing, 0,
        "acknowledged events never delivered after the restart"
    );
    assert_eq!(
        missing_actions, 0,
        "acknowledged events never sent to the connected Zapier hook after the restart"
    );
}

/// The event ids the Zapier hook caught.
async fn caught_ids(zapier: &Contract) -> HashSet<String> {
    zapier
        .list("/_control/caught")
        .await
        .iter()
        .filter_map(|c| c["body"]["id"].as_str().map(str::to_string))
        .collect()
}

#[sqlx::test(migrations = "../migrations")]
async fn deliveries_go_on_at_once_after_the_database_closes_the_worker_s_connections(pool: PgPool) {
    // The worker keeps a connection for its claims, and each publishing committer one for
    // its groups. Closed under them, the next publishes must still be acknowledged (each
    // committer stores one of two in a row) and their deliveries sent, and their outcomes
    // recorded, within seconds, and once.
    let app = crate::common::TestApp::spawn(pool).await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    let receiver = Receiver::start().await;
    admin.add_webhook(&receiver.url("/hook")).await;
    admin.publish("message.sent", json!({"n": 1})).await;
    receiver.wait_for(1, Duration::from_secs(15)).await;
    wait_for_statuses(&app.pool, &["succeeded"]).await;

    let closed: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert!(closed.len() >= 2, "the worker's connections: {closed:?}");
    // The pool tests a connection idle for a second before handing it out again.
    tokio::time::sleep(Duration::from_millis(1200)).await;

    admin.publish("message.sent", json!({"n": 2})).await;
    admin.publish("message.sent", json!({"n": 3})).await;
    let got = receiver.wait_for(3, Duration::from_secs(15)).await;
    let mut sent: Vec<i64> = got
        .iter()
        .filter_map(|r| r.json()["data"]["n"].as_i64())
        .collect();
    sent.sort_unstable();
    assert_eq!(sent, [1, 2, 3]);
    wait_for_statuses(&app.pool, &["succeeded", "succeeded", "succeeded"]).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(receiver.received().len(), 3, "an event was sent twice");
}

/// Waits (10 s at most) for the deliveries, oldest first, to have these statuses.
async fn wait_for_statuses(pool: &PgPool, expected: &[&str]) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let statuses: Vec<String> =
            sqlx::query_scalar("SELECT status FROM deliveries ORDER BY created_at")
                .fetch_all(pool)
                .await
                .unwrap();
        if statuses == expected {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "deliveries {statuses:?}, expected {expected:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

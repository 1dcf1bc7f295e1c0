//! Group commit: concurrent publishes share transactions, and each is answered only once the
//! transaction holding its events has committed. An idempotency key keeps its meaning inside a
//! group, one failing request fails alone, and past the queue's limit, or once its oldest
//! request has waited too long, a publish is refused at once with 503 and `Retry-After`.
//! (SIGKILL mid-burst: `delivery_crash`.)

use std::sync::Arc;
use std::time::Duration;

use app::events::publish::{publish_for, NewEvent};
use app::events::{EventInput, PublishedEvent};
use app::runtime::config::PublishConfig;
use app::runtime::AppState;
use serde_json::{json, Value};
use sqlx::PgPool;
use uuid::Uuid;

use crate::common::{create_key, KeyClient, TestApp};

fn event(n: usize, key: Option<&str>) -> NewEvent {
    NewEvent::validate(
        EventInput {
            event_type: "message.sent".into(),
            data: json!({ "n": n }),
            idempotency_key: key.map(str::to_string),
        },
        "",
    )
    .unwrap()
}

/// Publishes each of `events` as its own request, all at once.
async fn publish_concurrently(
    state: &AppState,
    events: Vec<(Uuid, NewEvent)>,
) -> Vec<Result<Vec<PublishedEvent>, app::error::AppError>> {
    let tasks: Vec<_> = events
        .into_iter()
        .map(|(company, event)| {
            let state = state.clone();
            tokio::spawn(async move {
                publish_for(&state, company, None, None, vec![event], |_| String::new()).await
            })
        })
        .collect();
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.unwrap());
    }
    answers
}

async fn one_committer(pool: PgPool, queue_limit: usize) -> (TestApp, Uuid) {
    one_committer_waiting(pool, queue_limit, Duration::from_secs(60)).await
}

async fn one_committer_waiting(
    pool: PgPool,
    queue_limit: usize,
    max_wait: Duration,
) -> (TestApp, Uuid) {
    one_committer_with(pool, move |publishing| {
        publishing.queue_limit = queue_limit;
        publishing.max_wait = max_wait;
    })
    .await
}

/// An app storing publishes with one committer, `tweak`ed, and a company with an endpoint.
pub(crate) async fn one_committer_with(
    pool: PgPool,
    tweak: impl FnOnce(&mut PublishConfig) + 'static,
) -> (TestApp, Uuid) {
    let app = TestApp::builder(pool)
        .config(move |c| {
            c.publishing.committers = 1;
            tweak(&mut c.publishing);
        })
        .await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    admin
        .post_ok(
            "/api/v1/webhooks/create",
            json!({"url": "http://127.0.0.1:9/hook", "event_types": ["*"]}),
        )
        .await;
    let company_id = sqlx::query_scalar("SELECT id FROM companies")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    (app, company_id)
}

#[sqlx::test(migrations = "../migrations")]
async fn concurrent_publishes_share_transactions_and_all_are_stored(pool: PgPool) {
    let (app, company) = one_committer(pool, 4096).await;
    let events = (0..64).map(|n| (company, event(n, None))).collect();
    let answers = publish_concurrently(&app.state, events).await;
    let mut ids: Vec<String> = answers
        .into_iter()
        .map(|a| a.unwrap().remove(0).id)
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 64, "every publish gets its own event");

    #[derive(sqlx::FromRow)]
    struct Stored {
        events: i64,
        transactions: i64,
        deliveries: i64,
    }
    let stored: Stored = sqlx::query_as(
        "SELECT count(*) AS events, count(DISTINCT xmin::text) AS transactions,
                (SELECT count(*) FROM deliveries) AS deliveries
           FROM events",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(stored.events, 64);
    assert_eq!(stored.deliveries, 64, "each event queued for the endpoint");
    assert!(
        stored.transactions < 64,
        "64 concurrent publishes took {} transactions: no group formed",
        stored.transactions
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn an_idempotency_key_repeated_within_a_group_names_one_event(pool: PgPool) {
    let (app, company) = one_committer(pool, 4096).await;
    let mut events: Vec<(Uuid, NewEvent)> = (0..20)
        .map(|n| (company, event(n, Some("order-7"))))
        .collect();
    events.extend((0..20).map(|n| (company, event(100 + n, None))));
    let answers = publish_concurrently(&app.state, events).await;
    let ids: Vec<String> = answers
        .into_iter()
        .map(|a| a.unwrap().remove(0).id)
        .collect();
    assert!(
        ids[..20].iter().all(|id| *id == ids[0]),
        "one key, different ids: {:?}",
        &ids[..20]
    );
    assert!(!ids[20..].contains(&ids[0]));
    let (events, keyed, transactions): (i64, i64, i64) = sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE idempotency_key = 'order-7'), count(DISTINCT xmin::text) FROM events",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((events, keyed), (21, 1));
    assert!(transactions < 21, "no group formed");

    // The key names the same event afterwards, alone or in a batch with itself.
    let again = publish_for(
        &app.state,
        company,
        None,
        None,
        vec![event(1, Some("order-7")), event(2, Some("order-7"))],
        |_| String::new(),
    )
    .await
    .unwrap();
    assert_eq!(again[0].id, ids[0]);
    assert_eq!(again[1].id, ids[0]);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_failing_request_fails_alone_and_the_rest_of_its_group_is_stored(pool: PgPool) {
    let (app, company) = one_committer(pool, 4096).await;
    // A company that does not exist (deleted meanwhile): its event breaks the group's insert.
    let gone = Uuid::new_v4();
    let mut events: Vec<(Uuid, NewEvent)> = (0..10).map(|n| (company, event(n, None))).collect();
    events.insert(5, (gone, event(99, None)));
    let answers = publish_concurrently(&app.state, events).await;
    for (i, answer) in answers.iter().enumerate() {
        if i == 5 {
            assert!(answer.is_err(), "the event of a missing company was stored");
        } else {
            assert!(
                answer.is_ok(),
                "request {i} failed with the bad one: {answer:?}"
            );
        }
    }
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM events WHERE company_id = $1")
        .bind(company)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(stored, 10);
}

/// A company admin's key, and a publisher of `{"n": n}` events with it.
pub(crate) async fn publisher(
    app: &TestApp,
) -> impl Fn(usize) -> tokio::task::JoinHandle<reqwest::Response> {
    let admin = app.browser();
    admin
        .sign_in("ada@acme.test", crate::common::PASSWORD)
        .await;
    let (_, secret) = create_key(&admin, "backend", &["events:write"]).await;
    let client = Arc::new(KeyClient::new(app, &secret));
    move |n: usize| {
        let client = client.clone();
        tokio::spawn(async move {
            client
                .post(
                    "/api/v1/events/publish",
                    json!({"event_type": "message.sent", "data": {"n": n}}),
                )
                .await
        })
    }
}

/// The disk is "slow": a lock holds the committer's insert until the test lets it go. Returns
/// once the committer waits on it.
pub(crate) async fn slow_disk(app: &TestApp) -> sqlx::Transaction<'static, sqlx::Postgres> {
    let mut slow_disk = app.pool.begin().await.unwrap();
    sqlx::query("LOCK TABLE events IN SHARE ROW EXCLUSIVE MODE")
        .execute(&mut *slow_disk)
        .await
        .unwrap();
    slow_disk
}

pub(crate) async fn committer_blocked(app: &TestApp) {
    wait_until(|| async {
        sqlx::query_scalar::<_, bool>(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE relation = 'events'::regclass AND NOT granted)",
        )
        .fetch_one(&app.pool)
        .await
        .unwrap()
    })
    .await;
}

async fn waiting_in_queue(app: &TestApp, n: usize) {
    let queue = app.state.publishing.clone();
    wait_until(|| {
        let queue = queue.clone();
        async move { queue.waiting() == n }
    })
    .await;
}

pub(crate) async fn assert_refused_as_overload(refused: reqwest::Response) {
    assert_eq!(refused.status(), 503);
    assert_eq!(refused.headers()["retry-after"], "1");
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "overloaded");
}

pub(crate) async fn stored_events(app: &TestApp) -> Vec<i64> {
    sqlx::query_scalar("SELECT (data->>'n')::bigint FROM events ORDER BY 1")
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn past_the_queue_limit_a_publish_is_refused_at_once_with_503(pool: PgPool) {
    let (app, _) = one_committer(pool, 2).await;
    let publish = publisher(&app).await;
    let slow_disk = slow_disk(&app).await;
    let first = publish(0);
    committer_blocked(&app).await;
    let waiting = [publish(1), publish(2)];
    waiting_in_queue(&app, 2).await;

    // The queue is full: the next publish is refused at once, and says when to come back.
    assert_refused_as_overload(publish(3).await.unwrap()).await;

    slow_disk.rollback().await.unwrap();
    assert_eq!(first.await.unwrap().status(), 200);
    for publish in waiting {
        assert_eq!(publish.await.unwrap().status(), 200);
    }
    assert_eq!(
        stored_events(&app).await,
        [0, 1, 2],
        "the refused publish was stored"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn once_the_oldest_waiting_publish_has_waited_too_long_new_ones_are_refused(pool: PgPool) {
    let max_wait = Duration::from_secs(2);
    let (app, _) = one_committer_waiting(pool, 4096, max_wait).await;
    let publish = publisher(&app).await;
    let slow_disk = slow_disk(&app).await;
    let first = publish(0);
    committer_blocked(&app).await;
    let second = publish(1);
    waiting_in_queue(&app, 1).await;
    // A publish arriving while the oldest has waited less than the maximum still queues.
    let third = publish(2);
    waiting_in_queue(&app, 2).await;

    // Room in the queue, but the database is not keeping up: refused at once.
    tokio::time::sleep(max_wait + Duration::from_millis(50)).await;
    assert_refused_as_overload(publish(3).await.unwrap()).await;

    // Once the database catches up, the queued publishes are stored and answered, and
    // publishing is accepted again.
    slow_disk.rollback().await.unwrap();
    for publish in [first, second, third] {
        assert_eq!(publish.await.unwrap().status(), 200);
    }
    assert_eq!(publish(4).await.unwrap().status(), 200);
    assert_eq!(
        stored_events(&app).await,
        [0, 1, 2, 4],
        "the refused publish was stored"
    );
}

async fn wait_until<F: std::future::Future<Output = bool>>(done: impl Fn() -> F) {
    for _ in 0..500 {
        if done().await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("waited 5 s in vain");
}

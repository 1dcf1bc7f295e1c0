//! Admission: past `max_in_flight` publishes being worked on, a publish is refused with 503 and
//! `Retry-After` before anything is done with it (no key check, no body read), while the
//! admitted ones are stored and answered and every other call goes on as usual.

use std::time::Duration;

use sqlx::PgPool;

use crate::common::PASSWORD;
use crate::group_commit::{
    assert_refused_as_overload, committer_blocked, one_committer_with, publisher, slow_disk,
    stored_events,
};

#[sqlx::test(migrations = "../migrations")]
async fn past_the_in_flight_limit_a_publish_is_refused_before_it_is_read(pool: PgPool) {
    let (app, _) = one_committer_with(pool, |publishing| {
        publishing.max_in_flight = 1;
        // Not the queue's own refusals: only the in-flight bound may refuse here.
        publishing.max_wait = Duration::from_secs(60);
    })
    .await;
    let publish = publisher(&app).await;
    let slow_disk = slow_disk(&app).await;
    let first = publish(0);
    committer_blocked(&app).await;

    // The one place is taken: the next publish is refused at once.
    let refused = tokio::time::timeout(Duration::from_secs(5), publish(1))
        .await
        .expect("a publish past the limit was queued, not refused")
        .unwrap();
    assert_refused_as_overload(refused).await;
    // Before authentication and before the body is read: no key and no JSON still get 503,
    // not 401 or 400.
    let unread = reqwest::Client::new()
        .post(app.base.join("/api/v1/events/publish_batch").unwrap())
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_refused_as_overload(unread).await;
    // Everything else is answered as usual.
    let admin = app.browser();
    assert!(admin
        .sign_in("ada@acme.test", PASSWORD)
        .await
        .status()
        .is_success());
    assert_eq!(admin.get("/api/v1/events/types").await.status(), 200);

    // Once the admitted publish is answered, its place is free again.
    slow_disk.rollback().await.unwrap();
    assert_eq!(first.await.unwrap().status(), 200);
    assert_eq!(publish(2).await.unwrap().status(), 200);
    assert_eq!(
        stored_events(&app).await,
        [0, 2],
        "only the admitted publishes were stored"
    );
}

//! A session acts for its own company only: every call with another company's ids fails and
//! changes nothing.

use crate::common::{error_of, TestApp, PASSWORD};
use serde_json::{json, Value};
use sqlx::PgPool;
use uuid::Uuid;

#[sqlx::test(migrations = "../migrations")]
async fn a_session_sees_and_changes_only_its_own_company(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let acme = app.setup("Acme", "ada@acme.test").await;
    let globex = app.other_company("Globex", "hank@globex.test").await;
    let res = globex
        .post(
            "/api/v1/company/add_admin",
            json!({"email": "frank@globex.test", "name": "Frank", "password": PASSWORD}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let frank: Value = res.json().await.unwrap();
    let frank_id: Uuid = frank["user_id"].as_str().unwrap().parse().unwrap();

    // Listing shows only Acme's admins.
    let settings: Value = acme.get_json("/api/v1/company/get").await;
    assert_eq!(settings["name"], "Acme");
    let emails: Vec<&str> = settings["admins"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["email"].as_str().unwrap())
        .collect();
    assert_eq!(emails, vec!["ada@acme.test"]);

    // Removing Globex's admin with Acme's session: not found, and Frank keeps his access.
    let res = acme
        .post("/api/v1/company/remove_admin", json!({"user_id": frank_id}))
        .await;
    assert_eq!(error_of(res).await.0, 404);
    let still: i64 = sqlx::query_scalar("SELECT count(*) FROM memberships WHERE user_id = $1")
        .bind(frank_id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(still, 1);

    // Renaming renames the caller's company, never the other.
    assert_eq!(
        acme.post("/api/v1/company/rename", json!({"name": "Acme 2"}))
            .await
            .status(),
        200
    );
    let globex_settings: Value = globex.get_json("/api/v1/company/get").await;
    assert_eq!(globex_settings["name"], "Globex");

    // Notifications posted to one company are invisible to the other.
    let globex_id: Uuid = globex_settings["company_id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    app::notifications::service::post(&app.pool, globex_id, "test", "Globex only", "", None)
        .await
        .unwrap();
    let acme_feed: Value = acme.get_json("/api/v1/notifications/list").await;
    assert_eq!(acme_feed["items"].as_array().unwrap().len(), 0);
    let globex_feed: Value = globex.get_json("/api/v1/notifications/list").await;
    assert_eq!(globex_feed["unread"], 1);
    assert_eq!(globex_feed["items"][0]["title"], "Globex only");
}

#[sqlx::test(migrations = "../migrations")]
async fn removing_an_admin_ends_their_sessions(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let ada = app.setup("Acme", "ada@acme.test").await;
    let res = ada
        .post(
            "/api/v1/company/add_admin",
            json!({"email": "bob@acme.test", "name": "Bob", "password": PASSWORD}),
        )
        .await;
    let bob_id = res.json::<Value>().await.unwrap()["user_id"]
        .as_str()
        .unwrap()
        .to_string();
    let bob = app.browser();
    assert_eq!(bob.sign_in("bob@acme.test", PASSWORD).await.status(), 200);
    assert_eq!(bob.get("/api/v1/auth/me").await.status(), 200);

    // Nobody removes themselves.
    let ada_me: Value = ada.get_json("/api/v1/auth/me").await;
    let res = ada
        .post(
            "/api/v1/company/remove_admin",
            json!({"user_id": ada_me["user_id"]}),
        )
        .await;
    assert_eq!(error_of(res).await.0, 409);

    assert_eq!(
        ada.post("/api/v1/company/remove_admin", json!({"user_id": bob_id}))
            .await
            .status(),
        200
    );
    assert_eq!(bob.get("/api/v1/auth/me").await.status(), 401);
    assert_eq!(bob.sign_in("bob@acme.test", PASSWORD).await.status(), 401);
}

#[sqlx::test(migrations = "../migrations")]
async fn changing_password_signs_out_other_sessions(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let laptop = app.setup("Acme", "ada@acme.test").await;
    let phone = app.browser();
    assert_eq!(phone.sign_in("ada@acme.test", PASSWORD).await.status(), 200);

    let res = laptop
        .post(
            "/api/v1/company/change_password",
            json!({"current_password": PASSWORD, "new_password": "a brand new secret"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(laptop.get("/api/v1/auth/me").await.status(), 200);
    assert_eq!(phone.get("/api/v1/auth/me").await.status(), 401);
    assert_eq!(phone.sign_in("ada@acme.test", PASSWORD).await.status(), 401);
    assert_eq!(
        phone
            .sign_in("ada@acme.test", "a brand new secret")
            .await
            .status(),
        200
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn notifications_read_state_is_per_admin(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let ada = app.setup("Acme", "ada@acme.test").await;
    ada.post(
        "/api/v1/company/add_admin",
        json!({"email": "bob@acme.test", "name": "", "password": PASSWORD}),
    )
    .await;
    let bob = app.browser();
    bob.sign_in("bob@acme.test", PASSWORD).await;
    let me: Value = ada.get_json("/api/v1/auth/me").await;
    let company: Uuid = me["company_id"].as_str().unwrap().parse().unwrap();
    app::notifications::service::post(
        &app.pool,
        company,
        "webhook.disabled",
        "Endpoint disabled",
        "5 failures",
        None,
    )
    .await
    .unwrap();

    assert_eq!(
        ada.post("/api/v1/notifications/mark_all_read", json!({}))
            .await
            .status(),
        200
    );
    let ada_feed: Value = ada.get_json("/api/v1/notifications/list").await;
    let bob_feed: Value = bob.get_json("/api/v1/notifications/list").await;
    assert_eq!(ada_feed["unread"], 0);
    assert_eq!(bob_feed["unread"], 1);
}

#[sqlx::test(migrations = "../migrations")]
async fn webhook_endpoints_and_deliveries_stay_with_their_company(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let acme = app.setup("Acme", "ada@acme.test").await;
    let globex = app.other_company("Globex", "hank@globex.test").await;
    let receiver = crate::common::receiver::Receiver::start().await;
    let created = acme.add_webhook(&receiver.url("/acme")).await;
    let secret = created["secret"].as_str().unwrap().to_string();
    let endpoint = created["endpoint"]["id"].as_str().unwrap().to_string();
    acme.publish("message.sent", json!({"n": 1})).await;
    receiver
        .wait_for(1, std::time::Duration::from_secs(15))
        .await;
    let page: Value = acme
        .get_json(&format!(
            "/api/v1/webhooks/deliveries?endpoint_id={endpoint}"
        ))
        .await;
    let delivery = page["deliveries"][0]["id"].as_str().unwrap().to_string();

    for path in [
        format!("/api/v1/webhooks/get?id={endpoint}"),
        format!("/api/v1/webhooks/secrets?id={endpoint}"),
        format!("/api/v1/webhooks/deliveries?endpoint_id={endpoint}"),
    ] {
        let res = globex.get(&path).await;
        let status = res.status().as_u16();
        let body = res.text().await.unwrap();
        assert!(!body.contains(&secret), "{path} shows Acme's secret");
        match path.contains("deliveries") {
            // Another company's endpoint simply has no deliveries for this caller.
            true => assert!(status == 404 || !body.contains(&delivery), "{path}: {body}"),
            false => assert_eq!(status, 404, "{path}"),
        }
    }
    for (path, body) in [
        (
            "/api/v1/webhooks/update",
            json!({"id": endpoint, "url": receiver.url("/evil"), "event_types": ["*"]}),
        ),
        (
            "/api/v1/webhooks/set_enabled",
            json!({"id": endpoint, "enabled": false}),
        ),
        ("/api/v1/webhooks/rotate_secret", json!({"id": endpoint})),
        (
            "/api/v1/webhooks/test",
            json!({"id": endpoint, "event_type": "message.sent"}),
        ),
        (
            "/api/v1/webhooks/redeliver",
            json!({"delivery_id": delivery}),
        ),
        (
            "/api/v1/webhooks/retry_failed",
            json!({"endpoint_id": endpoint, "since": "2026-01-01T00:00:00Z"}),
        ),
        ("/api/v1/webhooks/delete", json!({"id": endpoint})),
    ] {
        let res = globex.post(path, body).await;
        assert_eq!(error_of(res).await.0, 404, "{path}");
    }
    assert_eq!(globex.get_json("/api/v1/webhooks/list").await, json!([]));
    // Nothing changed: still Acme's, enabled, one delivery, same URL.
    let view = acme
        .get_json(&format!("/api/v1/webhooks/get?id={endpoint}"))
        .await;
    assert_eq!(
        (view["enabled"].as_bool(), view["url"].as_str()),
        (Some(true), Some(receiver.url("/acme").as_str()))
    );
    assert_eq!(receiver.received().len(), 1);
}

/// Deleting a company takes its whole delivery log with it (events, deliveries, attempts) and
/// leaves another company's alone. Deliveries go with their company's endpoints, attempts with
/// their deliveries' endpoints.
#[sqlx::test(migrations = "../migrations")]
async fn deleting_a_company_deletes_its_delivery_log_and_no_one_elses(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let acme = app.setup("Acme", "ada@acme.test").await;
    let globex = app.other_company("Globex", "hank@globex.test").await;
    let receiver = crate::common::receiver::Receiver::start().await;
    for company in [&acme, &globex] {
        company.add_webhook(&receiver.url("/hook")).await;
        company.publish("message.sent", json!({"n": 1})).await;
    }
    receiver
        .wait_for(2, std::time::Duration::from_secs(15))
        .await;
    let log_rows = |name: &'static str| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(
                "SELECT (SELECT count(*) FROM events e JOIN companies c ON c.id = e.company_id
                          WHERE c.name = $1)
                      + (SELECT count(*) FROM deliveries d JOIN companies c ON c.id = d.company_id
                          WHERE c.name = $1)
                      + (SELECT count(*) FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id
                           JOIN companies c ON c.id = d.company_id WHERE c.name = $1)",
            )
            .bind(name)
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    // Both attempts recorded: one event, one delivery and one attempt each.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while log_rows("Acme").await != 3 || log_rows("Globex").await != 3 {
        assert!(
            std::time::Instant::now() < deadline,
            "attempts never recorded"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let total = |table: &'static str| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(&format!("SELECT count(*) FROM {table}"))
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    sqlx::query("DELETE FROM companies WHERE name = 'Acme'")
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(total("events").await, 1);
    assert_eq!(total("deliveries").await, 1);
    assert_eq!(total("delivery_attempts").await, 1);
    assert_eq!(log_rows("Globex").await, 3);
}

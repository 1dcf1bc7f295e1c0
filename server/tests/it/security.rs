//! What a probe of the running product found (issue 9), each as the behaviour a user relies on:
//! keys cannot take over stronger keys, one receiver's answer cannot lose another's outcome,
//! parallel guesses are throttled, managing admins needs a person, custom header values are
//! sealed and redacted, webhook secrets need write access, NUL bytes and impossible dates are
//! 400s, the last admin cannot be raced away, companies learn nothing about each other's
//! accounts, a foreign session cannot burn an OAuth state, and provider text cannot forge logs.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::common::oauth_flow::{app_with, authorize, callback, connected_id};
use crate::common::oauth_provider::OAuthProvider;
use crate::common::receiver::{Receiver, Reply};
use crate::common::{
    claim_batch, create_key, dump_database, error_of, key_names, record_batch, without_worker,
    KeyClient, TestApp, PASSWORD,
};
use app::delivery::dispatch;
use serde_json::{json, Value};
use sqlx::PgPool;

#[sqlx::test(migrations = "../migrations")]
async fn a_key_cannot_see_or_take_over_keys_holding_scopes_it_lacks(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    let (root_id, root) = create_key(&admin, "root", &["*"]).await;
    let (_, keys_admin) =
        create_key(&admin, "keys admin", &["api_keys:read", "api_keys:write"]).await;
    let client = KeyClient::new(&app, &keys_admin);

    for (path, body) in [
        (
            "/api/v1/api_keys/regenerate",
            json!({"id": root_id, "grace_period_secs": 3600}),
        ),
        (
            "/api/v1/api_keys/set_enabled",
            json!({"id": root_id, "enabled": false}),
        ),
        ("/api/v1/api_keys/delete", json!({"id": root_id})),
    ] {
        let res = client.post(path, body).await;
        assert_eq!(error_of(res).await.0, 403, "{path} on a stronger key");
    }
    assert_eq!(
        key_names(&client).await,
        ["keys admin"],
        "a key lists only keys within its scopes"
    );

    // The stronger key still works, unchanged.
    let res = KeyClient::new(&app, &root).get("/api/v1/company/get").await;
    assert_eq!(res.status(), 200);

    // Within its own scopes it may manage keys, as an admin may manage all.
    let res = client
        .post(
            "/api/v1/api_keys/create",
            json!({"name": "reader", "scopes": ["api_keys:read"]}),
        )
        .await;
    let reader_id = res.json::<Value>().await.unwrap()["key"]["id"].clone();
    let res = client
        .post("/api/v1/api_keys/regenerate", json!({"id": reader_id}))
        .await;
    assert_eq!(res.status(), 200);
    let res = admin
        .post(
            "/api/v1/api_keys/set_enabled",
            json!({"id": root_id, "enabled": false}),
        )
        .await;
    assert_eq!(res.status(), 200);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_nul_byte_in_one_answer_loses_no_outcome_in_its_batch(pool: PgPool) {
    // No worker of its own: the test claims and records one batch holding both companies'
    // deliveries, as a worker would.
    let app = TestApp::builder(pool)
        .config(|c| c.webhooks.workers = 0)
        .await;
    let acme = app.setup("Acme", "ada@acme.test").await;
    let globex = app.other_company("Globex", "gus@globex.test").await;
    let nasty = Receiver::start().await;
    let mut reply = Reply::status(200);
    reply.body = "ok\0\0 but with NUL bytes".into();
    nasty.set_default(reply);
    let fine = Receiver::start().await;
    for (admin, receiver) in [(&acme, &nasty), (&globex, &fine)] {
        admin.add_webhook(&receiver.url("/hook")).await;
        admin.publish("message.sent", json!({"text": "hi"})).await;
    }
    let jobs = claim_batch(&app).await;
    assert_eq!(jobs.len(), 2, "one batch holds both deliveries");
    let results = dispatch::deliver(&app.state, jobs, false).await.unwrap();
    record_batch(&app, &results)
        .await
        .expect("every outcome is recorded");

    #[derive(sqlx::FromRow)]
    struct Row {
        status: String,
        claim_id: Option<uuid::Uuid>,
        response_body: Option<String>,
    }
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT d.status, d.claim_id, a.response_body FROM deliveries d
           JOIN delivery_attempts a ON a.delivery_id = d.id ORDER BY a.response_body",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(rows.len(), 2, "both attempts are logged");
    assert!(rows
        .iter()
        .all(|r| r.status == "succeeded" && r.claim_id.is_none()));
    let bodies: Vec<&str> = rows
        .iter()
        .filter_map(|r| r.response_body.as_deref())
        .collect();
    assert!(
        bodies.contains(&"ok\u{FFFD}\u{FFFD} but with NUL bytes"),
        "{bodies:?}"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_delivery_claimed_without_outcomes_is_given_up_not_retried_forever(pool: PgPool) {
    let (app, admin, receiver) = without_worker(pool).await;
    admin.publish("message.sent", json!({})).await;
    // As if every claim so far had died before recording (a poison row, or crashes): as many
    // claims as the worker allows (the most generous policy's attempts, and two lost ones).
    let limits = app::delivery::queue::ClaimLimits::of(&app.state.config.webhooks, 10);
    let max_claims = limits.attempts + app::delivery::queue::LOST_CLAIM_ALLOWANCE;
    sqlx::query(
        "UPDATE deliveries SET attempts = $1, next_attempt_at = now() - interval '1 minute'",
    )
    .bind(max_claims as i32)
    .execute(&app.pool)
    .await
    .unwrap();
    let jobs = claim_batch(&app).await;
    assert!(jobs.is_empty(), "no eighth attempt");
    let (status, error): (String, Option<String>) =
        sqlx::query_as("SELECT status, last_error FROM deliveries")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(status, "failed");
    assert!(error.unwrap_or_default().contains("never recorded"));
    assert!(receiver.received().is_empty());
}

#[sqlx::test(migrations = "../migrations")]
async fn parallel_wrong_passwords_are_all_counted_before_any_is_checked(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.setup("Acme", "ada@acme.test").await;
    let guesses = (0..30).map(|i| {
        let browser = app.browser();
        async move {
            browser
                .sign_in("ada@acme.test", &format!("guess number {i}"))
                .await
                .status()
                .as_u16()
        }
    });
    let statuses = futures::future::join_all(guesses).await;
    let checked = statuses.iter().filter(|s| **s == 401).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!((checked, refused), (5, 25), "{statuses:?}");
}

#[sqlx::test(migrations = "../migrations")]
async fn only_a_signed_in_admin_can_add_or_remove_admins(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    let (_, company_key) = create_key(&admin, "company", &["company:read", "company:write"]).await;
    let client = KeyClient::new(&app, &company_key);
    let res = client
        .post(
            "/api/v1/company/add_admin",
            json!({"email": "mallory@acme.test", "name": "M", "password": "chosen by the key"}),
        )
        .await;
    assert_eq!(error_of(res).await.0, 403);
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(users, 1, "no account was created");
    let settings: Value = client
        .get("/api/v1/company/get")
        .await
        .json()
        .await
        .unwrap();
    let ada = settings["admins"][0]["user_id"].clone();
    let res = client
        .post("/api/v1/company/remove_admin", json!({"user_id": ada}))
        .await;
    assert_eq!(error_of(res).await.0, 403);
    // Renaming is still what company:write is for.
    let res = client
        .post("/api/v1/company/rename", json!({"name": "Acme Ltd"}))
        .await;
    assert_eq!(res.status(), 200);
}

#[sqlx::test(migrations = "../migrations")]
async fn custom_header_values_are_sealed_at_rest_and_redacted_in_the_log(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    let receiver = Receiver::start().await;
    let token = "Bearer tok_9f8e7d6c5b4a39281726";
    let res = admin
        .post(
            "/api/v1/webhooks/create",
            json!({"url": receiver.url("/hook"), "event_types": ["*"],
                   "headers": {"Authorization": token, "X-Team": "support"}}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let created: Value = res.json().await.unwrap();
    let id = created["endpoint"]["id"].as_str().unwrap().to_string();
    assert_eq!(
        created["endpoint"]["header_names"],
        json!(["Authorization", "X-Team"])
    );
    admin.publish("message.sent", json!({"text": "hi"})).await;
    let got = receiver.wait_for(1, Duration::from_secs(15)).await;
    assert_eq!(
        got[0].header("authorization"),
        token,
        "the receiver gets the real value"
    );

    // The log shows the name, never the value.
    let mut logged = Value::Null;
    for _ in 0..100 {
        let page = admin
            .get_json(&format!("/api/v1/webhooks/deliveries?endpoint_id={id}"))
            .await;
        logged = page["deliveries"][0]["attempt_log"][0]["request_headers"].clone();
        if !logged.is_null() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(logged["authorization"], "[redacted]");
    assert_eq!(logged["x-team"], "[redacted]");
    assert!(logged["webhook-signature"]
        .as_str()
        .unwrap()
        .starts_with("v1,"));

    // Reading the endpoint shows names only; the values come with webhooks:write.
    let view = admin.get(&format!("/api/v1/webhooks/get?id={id}")).await;
    assert!(!view.text().await.unwrap().contains("tok_9f8e7d6c"));
    let secrets = admin
        .get_json(&format!("/api/v1/webhooks/secrets?id={id}"))
        .await;
    assert_eq!(secrets["headers"]["Authorization"], token);
    let dump = dump_database(&app.pool).await;
    assert!(
        !dump.contains("tok_9f8e7d6c"),
        "a header value is in the dump"
    );

    // An update without `headers` keeps them.
    let res = admin
        .post(
            "/api/v1/webhooks/update",
            json!({"id": id, "url": receiver.url("/hook"), "event_types": ["*"], "enabled": false}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let secrets = admin
        .get_json(&format!("/api/v1/webhooks/secrets?id={id}"))
        .await;
    assert_eq!(secrets["headers"]["X-Team"], "support");
}

#[sqlx::test(migrations = "../migrations")]
async fn reading_webhooks_does_not_reveal_their_signing_secrets(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    let created = admin.add_webhook("https://93.184.216.34/hook").await;
    let secret = created["secret"].as_str().unwrap().to_string();
    let id = created["endpoint"]["id"].as_str().unwrap().to_string();
    let (_, reader) = create_key(&admin, "reader", &["webhooks:read"]).await;
    let reader = KeyClient::new(&app, &reader);
    for path in [
        format!("/api/v1/webhooks/get?id={id}"),
        "/api/v1/webhooks/list".to_string(),
    ] {
        let res = reader.get(&path).await;
        assert_eq!(res.status(), 200, "{path}");
        assert!(
            !res.text().await.unwrap().contains(&secret),
            "{path} shows the secret"
        );
    }
    let res = reader
        .get(&format!("/api/v1/webhooks/secrets?id={id}"))
        .await;
    assert_eq!(error_of(res).await.0, 403);
    let (_, writer) = create_key(&admin, "writer", &["webhooks:write"]).await;
    let res = KeyClient::new(&app, &writer)
        .get(&format!("/api/v1/webhooks/secrets?id={id}"))
        .await;
    assert_eq!(res.headers()["cache-control"], "no-store");
    assert_eq!(
        res.json::<Value>().await.unwrap()["secret"],
        secret.as_str()
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn nul_bytes_and_impossible_dates_are_refused_naming_the_field(pool: PgPool) {
    let app = TestApp::builder(pool)
        .config(|c| {
            c.rate_limits.anonymous_per_ip_per_minute = 1000.try_into().unwrap();
        })
        .await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    let endpoint = admin.add_webhook("https://93.184.216.34/hook").await["endpoint"]["id"].clone();
    let nul = "x\u{0}y";
    let posts = [
        (
            "/api/v1/events/publish",
            json!({"event_type": "message.sent", "data": {"note": nul}}),
            "data.note",
        ),
        (
            "/api/v1/events/publish",
            json!({"event_type": "message.sent", "data": {"list": [1, {"a\u{0}": 1}]}}),
            "data.list[1]",
        ),
        (
            "/api/v1/events/publish",
            json!({"event_type": "message.sent", "data": {}, "idempotency_key": nul}),
            "idempotency_key",
        ),
        (
            "/api/v1/events/publish",
            json!({"event_type": nul, "data": {}}),
            "event_type",
        ),
        (
            "/api/v1/events/create_type",
            json!({"name": "custom.x", "description": nul}),
            "description",
        ),
        (
            "/api/v1/events/create_type",
            json!({"name": "custom.y", "description": "d", "example": {"k": nul}}),
            "example.k",
        ),
        (
            "/api/v1/api_keys/create",
            json!({"name": nul, "scopes": ["*"]}),
            "name",
        ),
        ("/api/v1/company/rename", json!({"name": nul}), "name"),
        (
            "/api/v1/company/add_admin",
            json!({"email": "a@b.test", "name": nul, "password": PASSWORD}),
            "name",
        ),
        (
            "/api/v1/webhooks/update",
            json!({"id": endpoint, "url": "https://93.184.216.34/hook", "event_types": ["*"], "description": nul}),
            "description",
        ),
    ];
    for (path, body, field) in posts {
        let res = admin.post(path, body.clone()).await;
        assert_eq!(
            error_of(res).await,
            (400, "bad_request".into(), Some(field.into())),
            "{path} {body}"
        );
    }
    let res = app
        .browser()
        .post_form(
            "/api/v1/auth/sign_in",
            json!({"email": nul, "password": "x"}),
        )
        .await;
    assert_eq!(
        error_of(res).await,
        (400, "bad_request".into(), Some("email".into()))
    );
    let gets = [
        (
            format!(
                "/api/v1/webhooks/deliveries?endpoint_id={}&event_type=a%00b",
                endpoint.as_str().unwrap()
            ),
            "event_type",
        ),
        (
            format!(
                "/api/v1/webhooks/deliveries?endpoint_id={}&before=-5000-01-01T00:00:00Z",
                endpoint.as_str().unwrap()
            ),
            "before",
        ),
    ];
    for (path, field) in gets {
        let res = admin.get(&path).await;
        assert_eq!(
            error_of(res).await,
            (400, "bad_request".into(), Some(field.into())),
            "{path}"
        );
    }
    let res = admin
        .post(
            "/api/v1/webhooks/retry_failed",
            json!({"endpoint_id": endpoint, "since": "-5000-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(
        error_of(res).await,
        (400, "bad_request".into(), Some("since".into()))
    );
    // The error names the field and never echoes the value.
    let res = admin
        .post(
            "/api/v1/api_keys/create",
            json!({"name": "secret\u{0}value", "scopes": ["*"]}),
        )
        .await;
    assert!(!res.text().await.unwrap().contains("secret"));
}

#[sqlx::test(migrations = "../migrations")]
async fn two_admins_removing_each_other_at_once_leave_one(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let ada = app.setup("Acme", "ada@acme.test").await;
    for round in 0..8 {
        let email = format!("bob{round}@acme.test");
        let res = ada
            .post(
                "/api/v1/company/add_admin",
                json!({"email": email, "name": "Bob", "password": PASSWORD}),
            )
            .await;
        let bob_id = res.json::<Value>().await.unwrap()["user_id"].clone();
        let bob = app.browser();
        assert_eq!(bob.sign_in(&email, PASSWORD).await.status(), 200);
        let ada_id = ada.get_json("/api/v1/auth/me").await["user_id"].clone();
        let (a, b) = tokio::join!(
            ada.post("/api/v1/company/remove_admin", json!({"user_id": bob_id})),
            bob.post("/api/v1/company/remove_admin", json!({"user_id": ada_id})),
        );
        let statuses = [a.status().as_u16(), b.status().as_u16()];
        let admins: i64 = sqlx::query_scalar("SELECT count(*) FROM memberships")
            .fetch_one(&app.pool)
            .await
            .unwrap();
        assert_eq!(admins, 1, "round {round}: {statuses:?}");
        if statuses[0] != 200 {
            // Bob won this round; the test goes on with Ada, so stop here.
            return;
        }
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn adding_an_admin_reveals_nothing_about_other_companies(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let acme = app.setup("Acme", "ada@acme.test").await;
    app.other_company("Globex", "sam@shared.test").await;
    // The same address in another company: the same answer as a new one.
    let res = acme
        .post(
            "/api/v1/company/add_admin",
            json!({"email": "sam@shared.test", "name": "Sam", "password": "acme's own password"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    // Within the company, a duplicate is a conflict.
    let res = acme
        .post(
            "/api/v1/company/add_admin",
            json!({"email": "SAM@shared.test", "name": "Sam", "password": "acme's own password"}),
        )
        .await;
    assert_eq!(
        error_of(res).await,
        (409, "conflict".into(), Some("email".into()))
    );
    // Each account signs in to its own company with its own password.
    for (password, company) in [("acme's own password", "Acme"), (PASSWORD, "Globex")] {
        let browser = app.browser();
        assert_eq!(
            browser.sign_in("sam@shared.test", password).await.status(),
            200
        );
        let me = browser.get_json("/api/v1/auth/me").await;
        assert_eq!(me["company_name"], company);
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn a_foreign_session_cannot_burn_an_oauth_state(pool: PgPool) {
    let provider = OAuthProvider::start();
    let app = app_with(pool, &provider, &["SALESFORCE"]).await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    let attacker = app.other_company("Evil", "eve@evil.test").await;
    let callback_url = authorize(&admin, "salesforce").await;
    let landed = callback(&attacker, &callback_url).await;
    assert!(landed.contains("oauth_error=invalid_state"), "{landed}");
    // The admin's own callback still completes.
    let landed = callback(&admin, &callback_url).await;
    connected_id(&landed);
}

/// Collects what the server logs while a test runs on this thread.
#[derive(Clone, Default)]
struct CapturedLog(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for CapturedLog {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn provider_text_cannot_forge_a_log_line(pool: PgPool) {
    let log = CapturedLog::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::INFO)
        .finish();
    // The test's runtime runs the server's tasks on this thread.
    let _guard = tracing::subscriber::set_default(subscriber);
    let provider = OAuthProvider::start();
    let app = app_with(pool, &provider, &["SALESFORCE"]).await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    let callback_url = authorize(&admin, "salesforce").await;
    let state = callback_url
        .split_once("state=")
        .map(|(_, s)| s.split('&').next().unwrap_or_default().to_string())
        .unwrap();
    let forged = format!(
        "{}integrations/oauth/callback?state={state}&error=access_denied&error_description=Denied%0A2026-12-01T00:00:00Z%20ERROR%20forged%3A%20admin%20password%20reset",
        app.base
    );
    let landed = callback(&admin, &forged).await;
    assert!(landed.contains("oauth_error=access_denied"), "{landed}");
    let text = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    assert!(
        text.contains("OAuth connection failed"),
        "the failure is logged: {text}"
    );
    assert!(
        !text
            .lines()
            .any(|line| line.contains("ERROR forged") && !line.contains("OAuth connection failed")),
        "a provider's newline started a log line of its own:\n{text}"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn one_row_the_database_refuses_does_not_lose_the_rest_of_its_batch(pool: PgPool) {
    let (app, admin, _receiver) = without_worker(pool).await;
    for n in 0..3 {
        admin.publish("message.sent", json!({"n": n})).await;
    }
    let jobs = claim_batch(&app).await;
    let mut results = dispatch::deliver(&app.state, jobs, false).await.unwrap();
    assert_eq!(results.len(), 3);
    // Whatever slipped past sanitising: the database refuses this row outright.
    if let Some(sent) = results[1].sent.as_mut() {
        sent.response_body = Some("refused \0 by PostgreSQL".into());
    }
    let poisoned = results[1].claimed.delivery_id;
    record_batch(&app, &results)
        .await
        .expect("recorded one by one");
    let pending: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM deliveries WHERE status = 'pending' OR claim_id IS NOT NULL",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        pending, 0,
        "every outcome is recorded, none left to be sent again"
    );
    let (body, error): (Option<String>, Option<String>) =
        sqlx::query_as("SELECT response_body, error FROM delivery_attempts WHERE delivery_id = $1")
            .bind(poisoned)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(body, None);
    assert!(error.unwrap().contains("could not be stored"));
}

#[sqlx::test(migrations = "../migrations")]
async fn the_sign_in_form_posts_and_works_without_javascript(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.setup("Acme", "ada@acme.test").await;
    let browser = app.browser();
    let page = browser
        .get("/signin?next=%2Fsettings")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(r#"action="/api/v1/auth/sign_in""#) && page.contains(r#"method="post""#),
        "the form posts to its server function"
    );
    // What a browser does before the wasm has loaded: a plain form post that asks for HTML.
    let referer = format!("{}signin?next=%2Fsettings", app.base);
    let post = |password: &'static str| {
        browser
            .client
            .post(browser.url("/api/v1/auth/sign_in"))
            .header("accept", "text/html,application/xhtml+xml")
            .header("referer", referer.clone())
            .header("origin", app.base.as_str().trim_end_matches('/'))
            .form(&[("email", "ada@acme.test"), ("password", password)])
            .send()
    };
    let res = post("wrong password").await.unwrap();
    assert_eq!(res.status(), 302, "errors go back to the form");
    let location = res.headers()["location"].to_str().unwrap().to_string();
    assert!(
        location.starts_with(&referer) && location.contains("__err="),
        "{location}"
    );
    assert!(
        !location.contains("wrong"),
        "the password is not in the URL: {location}"
    );
    let res = post(PASSWORD).await.unwrap();
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()["location"].to_str().unwrap(), referer);
    // Back on the sign-in page, signed in: on to `next`.
    let res = browser.get("/signin?next=%2Fsettings").await;
    assert_eq!(res.headers()["location"].to_str().unwrap(), "/settings");
    let res = browser.get("/signin?next=%2F%09%2Fevil.example%2F").await;
    assert_eq!(res.headers()["location"].to_str().unwrap(), "/dashboard");
}

#[sqlx::test(migrations = "../migrations")]
async fn pages_carry_a_content_security_policy_and_answers_are_not_cached(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    let res = admin.get("/settings").await;
    assert_eq!(res.status(), 200);
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(res.headers()["cache-control"], "no-store");
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("a nonce in the policy")
        .to_string();
    assert!(
        csp.contains("frame-ancestors 'none'") && csp.contains("object-src 'none'"),
        "{csp}"
    );
    let page = res.text().await.unwrap();
    assert!(
        page.contains(&format!("nonce=\"{nonce}\"")),
        "hydration scripts carry the nonce"
    );
    let again = admin.get("/settings").await;
    assert_ne!(
        again.headers()["content-security-policy"].to_str().unwrap(),
        csp,
        "a fresh nonce per response"
    );
    // Not to be framed (clickjacking), no full URL sent to other sites, no type sniffing.
    for (name, value) in [
        ("x-frame-options", "DENY"),
        ("referrer-policy", "strict-origin-when-cross-origin"),
        ("x-content-type-options", "nosniff"),
    ] {
        assert_eq!(again.headers()[name], value, "a page's {name}");
    }
    let res = admin.get("/api/v1/api_keys/list").await;
    assert_eq!(res.headers()["cache-control"], "no-store");
    assert_eq!(res.headers()["x-frame-options"], "DENY");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    // The sign-in page, which is no less a page for having no session.
    let res = reqwest::get(app.base.join("/signin").unwrap())
        .await
        .unwrap();
    assert_eq!(res.headers()["x-frame-options"], "DENY");
    assert_eq!(
        res.headers()["referrer-policy"],
        "strict-origin-when-cross-origin"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn security_relevant_changes_are_in_the_audit_log(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    let (key_id, _) = create_key(&admin, "deploys", &["events:write"]).await;
    admin
        .post("/api/v1/api_keys/regenerate", json!({"id": key_id}))
        .await;
    admin
        .post("/api/v1/api_keys/delete", json!({"id": key_id}))
        .await;
    let res = admin
        .post(
            "/api/v1/company/add_admin",
            json!({"email": "bob@acme.test", "name": "Bob", "password": PASSWORD}),
        )
        .await;
    let bob = res.json::<Value>().await.unwrap()["user_id"].clone();
    admin
        .post("/api/v1/company/remove_admin", json!({"user_id": bob}))
        .await;
    let endpoint = admin.add_webhook("https://93.184.216.34/hook").await["endpoint"]["id"].clone();
    admin
        .post("/api/v1/webhooks/delete", json!({"id": endpoint}))
        .await;
    admin
        .post_ok(
            "/api/v1/integrations/connect_webhook",
            json!({"slug": "zapier", "url": "https://hooks.zapier.com/hooks/catch/1/abc/"}),
        )
        .await;

    let (_, auditor) = create_key(&admin, "auditor", &["audit:read"]).await;
    let log: Value = KeyClient::new(&app, &auditor)
        .get("/api/v1/audit/list")
        .await
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        vec![
            "admin.added",
            "api_key.created",
            "api_key.regenerated",
            "api_key.deleted",
            "admin.added",
            "admin.removed",
            "webhook.created",
            "webhook.deleted",
            "integration.connected",
            "api_key.created",
        ]
    );
    let entries = log["entries"].as_array().unwrap();
    let key_created = &entries[entries.len() - 2];
    assert_eq!(key_created["actor"], "ada@acme.test");
    assert_eq!(key_created["actor_kind"], "admin");
    assert_eq!(key_created["target"], "deploys");
    assert_eq!(key_created["ip"], "127.0.0.1");
    assert_eq!(key_created["details"]["scopes"], json!(["events:write"]));
    // Another company sees none of it: only its own admin, added from the command line.
    let other = app.other_company("Globex", "gus@globex.test").await;
    let theirs = other.get_json("/api/v1/audit/list").await;
    let theirs = theirs["entries"].as_array().unwrap();
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0]["action"], "admin.added");
    assert_eq!(theirs[0]["actor_kind"], "command_line");
}

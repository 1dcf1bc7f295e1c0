//! Sign-in, sessions, CSRF and first-run setup, through HTTP against a real server and database.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::common::{error_of, TestApp, PASSWORD};
use serde_json::{json, Value};
use sqlx::postgres::PgPoolOptions;
use sqlx::PgPool;

#[sqlx::test(migrations = "../migrations")]
async fn first_run_setup_creates_company_and_admin_once(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let visitor = app.browser();
    let status: Value = visitor.get_json("/api/v1/auth/setup_status").await;
    assert_eq!(status["needs_setup"], true);

    let admin = app.setup("Acme", "ada@acme.test").await;
    let me: Value = admin.get_json("/api/v1/auth/me").await;
    assert_eq!(me["email"], "ada@acme.test");
    assert_eq!(me["company_name"], "Acme");

    let status: Value = visitor.get_json("/api/v1/auth/setup_status").await;
    assert_eq!(status["needs_setup"], false);
    // A second setup is refused and creates nothing.
    let res = visitor
        .post_form(
            "/api/v1/auth/setup",
            json!({"company_name": "Evil", "name": "", "email": "eve@evil.test", "password": PASSWORD}),
        )
        .await;
    assert_eq!(
        error_of(res).await,
        (409, "conflict".into(), Some("company_name".into()))
    );
    let companies: i64 = sqlx::query_scalar("SELECT count(*) FROM companies")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(companies, 1);
}

#[sqlx::test(migrations = "../migrations")]
async fn racing_setups_create_exactly_one_company(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let attempts = (0..4).map(|i| {
        let b = app.browser();
        async move {
            b.post_form(
                "/api/v1/auth/setup",
                json!({"company_name": format!("Co {i}"), "name": "", "email": format!("a{i}@x.test"), "password": PASSWORD}),
            )
            .await
            .status()
            .as_u16()
        }
    });
    let mut statuses = futures::future::join_all(attempts).await;
    statuses.sort();
    assert_eq!(statuses, vec![200, 409, 409, 409]);
}

#[sqlx::test(migrations = "../migrations")]
async fn sign_in_with_right_and_wrong_password(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.setup("Acme", "ada@acme.test").await;

    let browser = app.browser();
    let res = browser.sign_in("ada@acme.test", "wrong password").await;
    assert_eq!(
        error_of(res).await,
        (401, "invalid_credentials".into(), None)
    );
    assert!(browser.cookie("pb_session").is_none());

    // Unknown accounts get the same answer as wrong passwords.
    let res = browser.sign_in("nobody@acme.test", PASSWORD).await;
    assert_eq!(
        error_of(res).await,
        (401, "invalid_credentials".into(), None)
    );

    // Email matching ignores case and surrounding spaces.
    let res = browser.sign_in("  ADA@acme.test ", PASSWORD).await;
    assert_eq!(res.status(), 200);
    let set_cookies: Vec<String> = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    let session = set_cookies
        .iter()
        .find(|c| c.starts_with("pb_session="))
        .expect("session cookie");
    assert!(session.contains("HttpOnly"), "{session}");
    assert!(session.contains("SameSite=Lax"), "{session}");
    assert!(
        !session.contains("Secure"),
        "plain http must not set Secure: {session}"
    );
    let csrf = set_cookies
        .iter()
        .find(|c| c.starts_with("pb_csrf="))
        .expect("csrf cookie");
    assert!(
        !csrf.contains("HttpOnly"),
        "the page script must read it: {csrf}"
    );

    let me: Value = browser.get_json("/api/v1/auth/me").await;
    assert_eq!(me["email"], "ada@acme.test");
}

#[sqlx::test(migrations = "../migrations")]
async fn session_cookie_is_secure_behind_https(pool: PgPool) {
    let app = TestApp::builder(pool)
        .config(|c| c.public_url = "https://plugboard.example".parse().unwrap())
        .await;
    let browser = app.browser();
    let res = browser
        .client
        .post(browser.url("/api/v1/auth/setup"))
        .form(&[
            ("company_name", "Acme"),
            ("email", "ada@acme.test"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let cookie = res
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(cookie.contains("Secure"), "{cookie}");
}

#[sqlx::test(migrations = "../migrations")]
async fn failed_sign_ins_are_throttled_per_account(pool: PgPool) {
    let app = TestApp::builder(pool)
        .config(|c| c.sign_in_throttle.per_account = 3)
        .await;
    app.setup("Acme", "ada@acme.test").await;
    let browser = app.browser();
    for _ in 0..3 {
        assert_eq!(
            browser.sign_in("ada@acme.test", "nope nope").await.status(),
            401
        );
    }
    // Now even the right password waits, and the answer says how long.
    let res = browser.sign_in("ada@acme.test", PASSWORD).await;
    assert_eq!(res.status(), 429);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited");
    let wait = body["error"]["retry_after_secs"].as_u64().unwrap();
    assert!((1..=15 * 60).contains(&wait), "{wait}");

    // Once the window has passed, the right password works again and clears the failures.
    sqlx::query("UPDATE sign_in_attempts SET attempted_at = now() - interval '1 hour'")
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        browser.sign_in("ada@acme.test", PASSWORD).await.status(),
        200
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn failed_sign_ins_are_throttled_per_ip(pool: PgPool) {
    let app = TestApp::builder(pool)
        .config(|c| {
            c.sign_in_throttle.per_ip = 4;
            c.sign_in_throttle.per_account = 100;
        })
        .await;
    app.setup("Acme", "ada@acme.test").await;
    let browser = app.browser();
    // Spraying many accounts from one address trips the address limit.
    for i in 0..4 {
        assert_eq!(
            browser
                .sign_in(&format!("user{i}@acme.test"), "guess")
                .await
                .status(),
            401
        );
    }
    let res = browser.sign_in("ada@acme.test", PASSWORD).await;
    assert_eq!(res.status(), 429);
}

#[sqlx::test(migrations = "../migrations")]
async fn pages_redirect_to_sign_in_and_back(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let visitor = app.browser();
    let res = visitor.get("/integrations/api?x=1").await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()["location"],
        "/signin?next=%2Fintegrations%2Fapi%3Fx%3D1"
    );
    assert_eq!(visitor.get("/signin").await.status(), 200);
    assert_eq!(visitor.get("/healthz").await.status(), 200);

    let admin = app.setup("Acme", "ada@acme.test").await;
    let page = admin.get("/integrations/api").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("API Access"), "the tab renders server-side");
    // Signed-in admins skip the sign-in page.
    assert_eq!(admin.get("/signin").await.status(), 303);
}

/// Servers start in a process that already serves pages (every test here starts its own): a start
/// must not stall a page being rendered. Generating the pages' routes switches resource loading
/// off for the whole process, so `serve` takes routes generated once; a server that generated its
/// own left a page rendered meanwhile waiting forever on its data.
#[sqlx::test(migrations = "../migrations")]
async fn pages_render_while_other_servers_start(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    let options = (*app.pool.connect_options()).clone();
    let done = Arc::new(AtomicBool::new(false));
    // Servers started back to back on a thread of their own, as another test's would be.
    let starter = {
        let done = done.clone();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                let pool = PgPoolOptions::new()
                    .max_connections(4)
                    .connect_with(options)
                    .await
                    .expect("pool");
                let mut started = 0;
                while !done.load(Ordering::Relaxed) {
                    let other = TestApp::spawn(pool.clone()).await;
                    assert_eq!(other.browser().get("/healthz").await.status(), 200);
                    started += 1;
                }
                started
            })
        })
    };
    // Stops the starts however the rounds end.
    struct Done(Arc<AtomicBool>);
    impl Drop for Done {
        fn drop(&mut self) {
            self.0.store(true, Ordering::Relaxed);
        }
    }
    let rounds_over = Done(done);
    for round in 0..100 {
        let rendered = tokio::time::timeout(Duration::from_secs(15), async {
            let page = admin.get("/integrations/api").await;
            assert_eq!(page.status(), 200);
            page.text().await.unwrap()
        })
        .await
        .unwrap_or_else(|_| panic!("page {round} stalled while other servers started"));
        assert!(rendered.contains("API Access"), "page {round} is whole");
    }
    drop(rounds_over);
    let started = starter.join().expect("the other servers started");
    assert!(
        started > 1,
        "only {started} other servers started meanwhile"
    );
}

//! Sessions after sign-in: sign-out, idle and absolute expiry, and CSRF on state changes.

use crate::common::{error_of, TestApp, PASSWORD};
use serde_json::json;
use sqlx::PgPool;

#[sqlx::test(migrations = "../migrations")]
async fn sign_out_ends_the_session(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    let stolen_cookie = admin.cookie("pb_session").unwrap();

    assert_eq!(
        admin
            .post("/api/v1/auth/sign_out", json!({}))
            .await
            .status(),
        200
    );
    assert_eq!(error_of(admin.get("/api/v1/auth/me").await).await.0, 401);

    // The old cookie value is dead on the server, not just removed from the browser.
    let replay = app
        .browser()
        .client
        .get(admin.url("/api/v1/auth/me"))
        .header("cookie", format!("pb_session={stolen_cookie}"))
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), 401);
}

#[sqlx::test(migrations = "../migrations")]
async fn idle_and_old_sessions_expire(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    assert_eq!(admin.get("/api/v1/auth/me").await.status(), 200);

    // Idle longer than the timeout (2 h in the test config).
    sqlx::query("UPDATE sessions SET last_seen_at = now() - interval '3 hours'")
        .execute(&app.pool)
        .await
        .unwrap();
    let (status, code, _) = error_of(admin.get("/api/v1/auth/me").await).await;
    assert_eq!((status, code.as_str()), (401, "unauthenticated"));

    // Active but past its maximum age.
    assert_eq!(admin.sign_in("ada@acme.test", PASSWORD).await.status(), 200);
    assert_eq!(admin.get("/api/v1/auth/me").await.status(), 200);
    sqlx::query("UPDATE sessions SET expires_at = now() - interval '1 second'")
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(admin.get("/api/v1/auth/me").await.status(), 401);
}

#[sqlx::test(migrations = "../migrations")]
async fn state_changing_calls_need_the_csrf_token(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.setup("Acme", "ada@acme.test").await;

    let res = admin
        .post_without_csrf("/api/v1/company/rename", json!({"name": "Hijacked"}))
        .await;
    assert_eq!(error_of(res).await, (403, "forbidden".into(), None));
    let res = admin
        .client
        .post(admin.url("/api/v1/company/rename"))
        .header("x-csrf-token", "not-the-token")
        .json(&json!({"name": "Hijacked"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let name: String = sqlx::query_scalar("SELECT name FROM companies")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(name, "Acme");

    // A POST from another site's page is refused outright, even with a token.
    let res = admin
        .client
        .post(admin.url("/api/v1/company/rename"))
        .header("origin", "https://evil.example")
        .header("x-csrf-token", admin.cookie("pb_csrf").unwrap())
        .json(&json!({"name": "Hijacked"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);

    // The app's own request goes through.
    let res = admin
        .post("/api/v1/company/rename", json!({"name": "Acme Labs"}))
        .await;
    assert_eq!(res.status(), 200);
    let name: String = sqlx::query_scalar("SELECT name FROM companies")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(name, "Acme Labs");
}

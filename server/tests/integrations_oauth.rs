//! The OAuth connection flow end to end against a real OAuth 2.0 server on 127.0.0.1
//! (oauth2-mock-server): PKCE, state checks, denial, failed exchange, refresh with rotation,
//! one refresh for concurrent callers, and revocation on disconnect.

mod common;

use std::collections::HashMap;

use app::integrations::credentials::Credentials;
use app::integrations::oauth::{self, REFRESH_AHEAD};
use common::oauth_provider::OAuthProvider;
use common::{error_of, Browser, TestApp};
use serde_json::{json, Value};
use sqlx::PgPool;
use uuid::Uuid;

async fn app_with(pool: PgPool, provider: &OAuthProvider, prefixes: &[&str]) -> TestApp {
    let env: HashMap<String, String> = prefixes.iter().flat_map(|p| provider.env_for(p)).collect();
    TestApp::spawn_with_env(pool, env).await
}

/// Starts a connection and follows the provider's redirect; returns the callback URL the
/// provider sent the browser to.
async fn authorize(admin: &Browser, slug: &str) -> String {
    let res = admin
        .post("/api/v1/integrations/start_oauth", json!({"slug": slug}))
        .await;
    assert_eq!(
        res.status(),
        200,
        "{}",
        res.text().await.unwrap_or_default()
    );
    let start: Value = res.json().await.unwrap();
    let at_provider = admin
        .get_url(start["authorize_url"].as_str().unwrap())
        .await;
    assert_eq!(at_provider.status(), 302, "the provider redirects back");
    at_provider.headers()["location"]
        .to_str()
        .unwrap()
        .to_string()
}

/// Follows the callback and returns where we were sent next.
async fn callback(admin: &Browser, url: &str) -> String {
    let res = admin.get_url(url).await;
    assert_eq!(res.status(), 303);
    res.headers()["location"].to_str().unwrap().to_string()
}

async fn connection_count(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM connections")
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

async fn credentials_of(app: &TestApp, id: Uuid) -> Credentials {
    let (company, blob): (Uuid, Vec<u8>) =
        sqlx::query_as("SELECT company_id, credentials FROM connections WHERE id = $1")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    Credentials::open(&blob, &app.state.cipher, company, id).unwrap()
}

fn connected_id(location: &str) -> Uuid {
    let query = location.split_once('?').expect("query").1;
    let id = query
        .split('&')
        .find_map(|kv| kv.strip_prefix("connected="))
        .expect("connected=");
    id.parse().unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn full_flow_with_pkce_stores_encrypted_tokens(pool: PgPool) {
    let provider = OAuthProvider::start();
    let app = app_with(pool, &provider, &["SALESFORCE"]).await;
    let admin = app.setup("Acme", "ada@acme.test").await;

    let callback_url = authorize(&admin, "salesforce").await;
    let log = provider.log().await;
    let request = &log["authorize"][0];
    assert_eq!(request["code_challenge_method"], "S256");
    assert_eq!(request["code_challenge"].as_str().unwrap().len(), 43);
    assert_eq!(request["scope"], "api refresh_token");
    assert_eq!(
        request["redirect_uri"],
        format!("{}integrations/oauth/callback", app.base)
    );

    let landed = callback(&admin, &callback_url).await;
    assert!(
        landed.starts_with("/integrations/connected?connected="),
        "{landed}"
    );
    let id = connected_id(&landed);
    // The provider checked our code_verifier against the challenge (a mismatch is a 400).
    let log = provider.log().await;
    assert_eq!(log["token"][0]["grant_type"], "authorization_code");
    assert_eq!(log["token"][0]["has_code_verifier"], true);

    let list: Value = admin
        .get("/api/v1/integrations/list")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list[0]["provider"], "salesforce");
    assert_eq!(list[0]["status"], "active");
    assert_eq!(list[0]["connected_by"], "ada@acme.test");
    assert!(list[0].get("credentials").is_none());

    let Credentials::OAuth {
        access_token,
        refresh_token,
    } = credentials_of(&app, id).await
    else {
        panic!("oauth")
    };
    assert!(access_token.len() > 20 && refresh_token.is_some());
    let raw: Vec<u8> = sqlx::query_scalar("SELECT credentials FROM connections")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(
        !raw.windows(16)
            .any(|w| access_token.as_bytes().starts_with(w)),
        "stored encrypted"
    );

    // The same callback again (a replay) is refused and stores nothing more.
    let replay = callback(&admin, &callback_url).await;
    assert!(replay.contains("oauth_error=invalid_state"), "{replay}");
    assert_eq!(connection_count(&app).await, 1);

    // One Salesforce account per company.
    let res = admin
        .post(
            "/api/v1/integrations/start_oauth",
            json!({"slug": "salesforce"}),
        )
        .await;
    assert_eq!(error_of(res).await.0, 409);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_state_from_another_session_or_too_old_is_refused(pool: PgPool) {
    let provider = OAuthProvider::start();
    let app = app_with(pool, &provider, &["SALESFORCE"]).await;
    let admin = app.setup("Acme", "ada@acme.test").await;

    // Another browser of the same admin cannot finish this browser's flow.
    let callback_url = authorize(&admin, "salesforce").await;
    let other_tab = app.browser();
    other_tab.sign_in("ada@acme.test", common::PASSWORD).await;
    let landed = callback(&other_tab, &callback_url).await;
    assert!(landed.contains("oauth_error=invalid_state"), "{landed}");

    // A made-up state.
    let landed = callback(
        &admin,
        &format!(
            "{}integrations/oauth/callback?code=x&state=forged",
            app.base
        ),
    )
    .await;
    assert!(landed.contains("oauth_error=invalid_state"), "{landed}");

    // Older than ten minutes.
    let callback_url = authorize(&admin, "salesforce").await;
    sqlx::query("UPDATE oauth_states SET expires_at = now() - interval '1 second'")
        .execute(&app.pool)
        .await
        .unwrap();
    let landed = callback(&admin, &callback_url).await;
    assert!(landed.contains("oauth_error=expired_state"), "{landed}");
    assert_eq!(connection_count(&app).await, 0);
}

#[sqlx::test(migrations = "../migrations")]
async fn denied_consent_and_failed_exchange_store_nothing(pool: PgPool) {
    let provider = OAuthProvider::start();
    let app = app_with(pool, &provider, &["SALESFORCE"]).await;
    let admin = app.setup("Acme", "ada@acme.test").await;

    provider.control("/deny-next-authorize").await;
    let callback_url = authorize(&admin, "salesforce").await;
    let landed = callback(&admin, &callback_url).await;
    assert!(landed.contains("oauth_error=access_denied"), "{landed}");
    assert!(
        landed.contains("oauth_provider=salesforce&provider_name=Salesforce"),
        "{landed}"
    );

    provider
        .control("/fail-next-token?error=invalid_client&description=Bad+client+secret")
        .await;
    let callback_url = authorize(&admin, "salesforce").await;
    let landed = callback(&admin, &callback_url).await;
    assert!(landed.contains("oauth_error=exchange_failed"), "{landed}");
    assert!(landed.contains("Bad+client+secret"), "{landed}");
    assert_eq!(connection_count(&app).await, 0);
}

async fn connect_salesforce(app: &TestApp, admin: &Browser) -> (Uuid, Uuid) {
    let callback_url = authorize(admin, "salesforce").await;
    let id = connected_id(&callback(admin, &callback_url).await);
    let company: Uuid = sqlx::query_scalar("SELECT company_id FROM connections WHERE id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    (company, id)
}

async fn expire_soon(app: &TestApp, id: Uuid) {
    sqlx::query(
        "UPDATE connections SET token_expires_at = now() + interval '1 minute' WHERE id = $1",
    )
    .bind(id)
    .execute(&app.pool)
    .await
    .unwrap();
}

#[sqlx::test(migrations = "../migrations")]
async fn expiring_tokens_are_refreshed_once_keeping_the_rotated_refresh_token(pool: PgPool) {
    let provider = OAuthProvider::start();
    let app = app_with(pool, &provider, &["SALESFORCE"]).await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    let (company, id) = connect_salesforce(&app, &admin).await;
    let Credentials::OAuth {
        access_token: first_access,
        refresh_token: first_refresh,
    } = credentials_of(&app, id).await
    else {
        panic!()
    };

    // Not due: no provider call.
    let token = oauth::access_token(&app.state, company, id, REFRESH_AHEAD)
        .await
        .unwrap();
    assert_eq!(token, first_access);

    // Due, with five callers at once: one refresh reaches the provider. (The provider's tokens
    // are JWTs with one-second timestamps: wait so the new one differs.)
    expire_soon(&app, id).await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let calls = (0..5).map(|_| oauth::access_token(&app.state, company, id, REFRESH_AHEAD));
    let tokens: Vec<String> = futures::future::join_all(calls)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert!(
        tokens.iter().all(|t| *t == tokens[0] && *t != first_access),
        "everyone gets the new token"
    );
    let log = provider.log().await;
    let refreshes: Vec<&Value> = log["token"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["grant_type"] == "refresh_token")
        .collect();
    assert_eq!(refreshes.len(), 1, "{log}");
    assert_eq!(
        refreshes[0]["refresh_token"].as_str(),
        first_refresh.as_deref()
    );

    let Credentials::OAuth {
        refresh_token: rotated,
        ..
    } = credentials_of(&app, id).await
    else {
        panic!()
    };
    assert!(
        rotated.is_some() && rotated != first_refresh,
        "the rotated refresh token is kept"
    );
    let expires_in: f64 = sqlx::query_scalar(
        "SELECT extract(epoch FROM token_expires_at - now())::float8 FROM connections",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(
        expires_in > 3000.0,
        "new expiry from the provider: {expires_in}"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_refused_refresh_marks_the_connection_and_notifies(pool: PgPool) {
    let provider = OAuthProvider::start();
    let app = app_with(pool, &provider, &["SALESFORCE"]).await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    let (company, id) = connect_salesforce(&app, &admin).await;

    expire_soon(&app, id).await;
    provider
        .control("/fail-next-token?error=invalid_grant&description=Token+has+been+revoked")
        .await;
    let err = oauth::access_token(&app.state, company, id, REFRESH_AHEAD)
        .await
        .unwrap_err();
    assert_eq!(err.status_code(), 409);

    let list: Value = admin
        .get("/api/v1/integrations/list")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list[0]["status"], "error");
    assert!(list[0]["error_message"]
        .as_str()
        .unwrap()
        .contains("Token has been revoked"));
    let feed: Value = admin
        .get("/api/v1/notifications/list")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(feed["unread"], 1);
    assert_eq!(
        feed["items"][0]["title"],
        "Salesforce needs to be reconnected"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn disconnect_revokes_at_the_provider_and_deletes_everything(pool: PgPool) {
    let provider = OAuthProvider::start();
    let app = app_with(pool, &provider, &["SALESFORCE"]).await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    let (_, id) = connect_salesforce(&app, &admin).await;
    let Credentials::OAuth { refresh_token, .. } = credentials_of(&app, id).await else {
        panic!()
    };

    let res = admin
        .post("/api/v1/integrations/disconnect", json!({"id": id}))
        .await;
    assert_eq!(res.status(), 200);
    let log = provider.log().await;
    assert_eq!(
        log["revoke"][0]["token"].as_str(),
        refresh_token.as_deref(),
        "{log}"
    );
    assert_eq!(connection_count(&app).await, 0);
    // Connecting again works after a disconnect.
    connect_salesforce(&app, &admin).await;
}

#[sqlx::test(migrations = "../migrations")]
async fn unconfigured_providers_say_what_to_set_and_never_connect(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    let hubspot: Value = admin
        .get("/api/v1/integrations/provider?slug=hubspot")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(hubspot["configured"], false);
    assert_eq!(
        hubspot["missing_env"],
        json!(["HUBSPOT_CLIENT_ID", "HUBSPOT_CLIENT_SECRET"])
    );
    assert_eq!(
        hubspot["redirect_uri"],
        format!("{}integrations/oauth/callback", app.base)
    );
    let res = admin
        .post(
            "/api/v1/integrations/start_oauth",
            json!({"slug": "hubspot"}),
        )
        .await;
    let (status, _, field) = error_of(res).await;
    assert_eq!((status, field.as_deref()), (409, Some("provider")));
    assert_eq!(connection_count(&app).await, 0);
}

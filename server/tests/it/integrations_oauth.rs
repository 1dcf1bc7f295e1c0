//! The OAuth connection flow end to end against a real OAuth 2.0 server on 127.0.0.1
//! (oauth2-mock-server): PKCE, state checks, denial, failed exchange, and revocation on
//! disconnect.

use crate::common::oauth_flow::*;
use crate::common::oauth_provider::OAuthProvider;
use crate::common::{error_of, TestApp};
use app::integrations::credentials::Credentials;
use serde_json::{json, Value};
use sqlx::PgPool;

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

    let list: Value = admin.get_json("/api/v1/integrations/list").await;
    assert_eq!(list[0]["provider"], "salesforce");
    assert_eq!(list[0]["status"], "active");
    assert_eq!(list[0]["connected_by"], "ada@acme.test");
    assert!(list[0].get("credentials").is_none());

    let Credentials::OAuth {
        access_token,
        refresh_token,
        ..
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
    other_tab
        .sign_in("ada@acme.test", crate::common::PASSWORD)
        .await;
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
        .get_json("/api/v1/integrations/provider?slug=hubspot")
        .await;
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

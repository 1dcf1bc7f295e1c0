//! Token refresh against the real OAuth server: ahead of expiry, once for concurrent callers,
//! keeping rotated refresh tokens; a refused refresh marks the connection and notifies.

use crate::common::oauth_flow::*;
use crate::common::oauth_provider::OAuthProvider;
use app::integrations::credentials::Credentials;
use app::integrations::oauth::{self, REFRESH_AHEAD};
use serde_json::Value;
use sqlx::PgPool;

#[sqlx::test(migrations = "../migrations")]
async fn expiring_tokens_are_refreshed_once_keeping_the_rotated_refresh_token(pool: PgPool) {
    let provider = OAuthProvider::start();
    let app = app_with(pool, &provider, &["SALESFORCE"]).await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    let (company, id) = connect_salesforce(&app, &admin).await;
    let Credentials::OAuth {
        access_token: first_access,
        refresh_token: first_refresh,
        ..
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

    let list: Value = admin.get_json("/api/v1/integrations/list").await;
    assert_eq!(list[0]["status"], "error");
    assert!(list[0]["error_message"]
        .as_str()
        .unwrap()
        .contains("Token has been revoked"));
    let feed: Value = admin.get_json("/api/v1/notifications/list").await;
    assert_eq!(feed["unread"], 1);
    assert_eq!(
        feed["items"][0]["title"],
        "Salesforce needs to be reconnected"
    );
}

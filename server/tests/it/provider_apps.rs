//! Provider OAuth apps set up in the UI: checked with the provider before they are saved,
//! sealed at rest, used by the OAuth flow, managed only by installation operators, and never
//! in force over the environment.

use std::collections::HashMap;

use crate::common::contracts::Contract;
use crate::common::oauth_flow::{callback, connected_id};
use crate::common::oauth_provider::OAuthProvider;
use crate::common::{dump_database, error_of, TestApp};
use serde_json::{json, Value};
use sqlx::PgPool;

const APP: &str = "/api/v1/integrations/app?slug=salesforce";
const SAVE: &str = "/api/v1/integrations/save_app";

/// Salesforce pointed at the OAuth contract server, without client credentials in the
/// environment.
fn salesforce_endpoints(provider: &OAuthProvider) -> HashMap<String, String> {
    provider
        .env_for("SALESFORCE")
        .into_iter()
        .filter(|(name, _)| !name.ends_with("_CLIENT_ID") && !name.ends_with("_CLIENT_SECRET"))
        .collect()
}

async fn salesforce_in_catalogue(admin: &crate::common::Browser) -> Value {
    admin
        .get_json("/api/v1/integrations/provider?slug=salesforce")
        .await
}

#[sqlx::test(migrations = "../migrations")]
async fn an_operator_registers_a_provider_app_that_the_oauth_flow_then_uses(pool: PgPool) {
    let provider = OAuthProvider::start();
    let app = TestApp::builder(pool)
        .env(salesforce_endpoints(&provider))
        .await;
    let admin = app.setup("Acme", "ada@acme.test").await;

    let before = admin.get_json(APP).await;
    assert_eq!(before["source"], "none");
    assert_eq!(before["may_manage"], true, "the first company's admins may");
    assert_eq!(
        before["redirect_uri"],
        format!("{}integrations/oauth/callback", app.base)
    );
    assert_eq!(
        before["console_url"],
        "https://login.salesforce.com/lightning/setup/ConnectedApplication/home"
    );
    assert_eq!(
        before["env_vars"],
        json!(["SALESFORCE_CLIENT_ID", "SALESFORCE_CLIENT_SECRET"])
    );
    assert_eq!(salesforce_in_catalogue(&admin).await["configured"], false);
    let res = admin
        .post(
            "/api/v1/integrations/start_oauth",
            json!({"slug": "salesforce"}),
        )
        .await;
    assert_eq!(
        error_of(res).await.0,
        409,
        "not set up: nothing to connect with"
    );

    // The provider refuses a wrong secret (401 invalid_client): nothing is saved.
    let res = admin
        .post(
            SAVE,
            json!({"slug": "salesforce", "client_id": "plugboard-test-client", "client_secret": "wrong"}),
        )
        .await;
    let (status, _, field) = error_of(res).await;
    assert_eq!((status, field.as_deref()), (400, Some("client_secret")));
    assert_eq!(admin.get_json(APP).await["source"], "none");
    // Malformed values are refused by name before the provider is asked.
    for (body, named) in [
        (
            json!({"slug": "salesforce", "client_id": "two words", "client_secret": "s"}),
            "client_id",
        ),
        (
            json!({"slug": "salesforce", "client_id": "id", "client_secret": ""}),
            "client_secret",
        ),
        (
            json!({"slug": "stripe", "client_id": "id", "client_secret": "s"}),
            "slug",
        ),
    ] {
        let (status, _, field) = error_of(admin.post(SAVE, body).await).await;
        assert_eq!((status, field.as_deref()), (400, Some(named)));
    }

    let saved = admin
        .post_ok(
            SAVE,
            json!({"slug": "salesforce", "client_id": "plugboard-test-client", "client_secret": "plugboard-test-secret"}),
        )
        .await;
    assert_eq!(saved["source"], "plugboard");
    assert_eq!(saved["client_id"], "plugboard-test-client");
    assert_eq!(saved["updated_by"], "ada@acme.test");
    assert_eq!(
        saved["check_note"],
        "Salesforce accepted these credentials."
    );
    let listed = salesforce_in_catalogue(&admin).await;
    assert_eq!(listed["configured"], true);
    assert_eq!(listed["missing_env"], json!([]));

    // The secret is sealed at rest, and the audit log says who set it up.
    assert!(!dump_database(&app.pool)
        .await
        .contains("plugboard-test-secret"));
    let audit = admin.get_json("/api/v1/audit/list").await;
    assert_eq!(
        audit["entries"][0]["action"], "integration.app_saved",
        "{audit}"
    );

    // The OAuth flow uses it: the provider authenticates the client on the token exchange.
    let start = admin
        .post_ok(
            "/api/v1/integrations/start_oauth",
            json!({"slug": "salesforce"}),
        )
        .await;
    let authorize_url = start["authorize_url"].as_str().unwrap();
    assert!(
        authorize_url.contains("client_id=plugboard-test-client"),
        "{authorize_url}"
    );
    let at_provider = admin.get_url(authorize_url).await;
    let back = at_provider.headers()["location"]
        .to_str()
        .unwrap()
        .to_string();
    let landed = callback(&admin, &back).await;
    connected_id(&landed);
    let log = provider.log().await;
    let exchanges: Vec<&Value> = log["token"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["refused"].is_null())
        .collect();
    assert_eq!(
        exchanges.last().unwrap()["client_id"],
        "plugboard-test-client"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn only_installation_operators_manage_provider_apps(pool: PgPool) {
    let provider = OAuthProvider::start();
    let app = TestApp::builder(pool)
        .env(salesforce_endpoints(&provider))
        .await;
    let acme = app.setup("Acme", "ada@acme.test").await;
    let globex = app.other_company("Globex", "hank@globex.test").await;
    let body = json!({"slug": "salesforce", "client_id": "plugboard-test-client", "client_secret": "plugboard-test-secret"});

    let theirs = globex.get_json(APP).await;
    assert_eq!(theirs["may_manage"], false);
    assert!(theirs["who_may"]
        .as_str()
        .unwrap()
        .contains("plugboard admin operator"));
    assert_eq!(error_of(globex.post(SAVE, body.clone()).await).await.0, 403);
    acme.post_ok(SAVE, body.clone()).await;
    let remove = json!({"slug": "salesforce"});
    assert_eq!(
        error_of(
            globex
                .post("/api/v1/integrations/remove_app", remove.clone())
                .await
        )
        .await
        .0,
        403
    );
    // Every company can connect with the installation's app.
    assert_eq!(salesforce_in_catalogue(&globex).await["configured"], true);

    // An operator marks Hank (`plugboard admin operator`); now he may remove it.
    app::company::admins::set_installation_operator(&app.pool, "globex", "HANK@globex.test", true)
        .await
        .unwrap();
    assert_eq!(globex.get_json(APP).await["may_manage"], true);
    let removed = globex
        .post_ok("/api/v1/integrations/remove_app", remove.clone())
        .await;
    assert_eq!(removed["source"], "none");
    assert_eq!(salesforce_in_catalogue(&acme).await["configured"], false);
    assert_eq!(
        error_of(globex.post("/api/v1/integrations/remove_app", remove).await)
            .await
            .0,
        404
    );
    // API keys never manage provider apps.
    let (_, key) = crate::common::create_key(&acme, "All", &["*"]).await;
    let res = crate::common::KeyClient::new(&app, &key)
        .post(SAVE, body)
        .await;
    assert_eq!(error_of(res).await.0, 403);
}

#[sqlx::test(migrations = "../migrations")]
async fn the_environment_takes_precedence(pool: PgPool) {
    let provider = OAuthProvider::start();
    let env: HashMap<String, String> = provider.env_for("SALESFORCE").into_iter().collect();
    let app = TestApp::builder(pool).env(env).await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    let view = admin.get_json(APP).await;
    assert_eq!(view["source"], "environment");
    assert_eq!(view["client_id"], "plugboard-test-client");
    let res = admin
        .post(
            SAVE,
            json!({"slug": "salesforce", "client_id": "other", "client_secret": "other-secret"}),
        )
        .await;
    let (status, _, field) = error_of(res).await;
    assert_eq!((status, field.as_deref()), (409, Some("slug")));
}

#[sqlx::test(migrations = "../migrations")]
async fn slack_style_answers_are_read_when_checking(pool: PgPool) {
    let slack = Contract::slack();
    let env: HashMap<String, String> = slack
        .slack_env()
        .into_iter()
        .filter(|(name, _)| !name.ends_with("_CLIENT_ID") && !name.ends_with("_CLIENT_SECRET"))
        .collect();
    let app = TestApp::builder(pool).env(env).await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    // Slack answers HTTP 200 {"ok": false, "error": "invalid_client_id"}.
    let res = admin
        .post(
            SAVE,
            json!({"slug": "slack", "client_id": "someone-else", "client_secret": "plugboard-test-secret"}),
        )
        .await;
    let (status, _, field) = error_of(res).await;
    assert_eq!((status, field.as_deref()), (400, Some("client_id")));
    // ... and to the right client with a code it never issued, invalid_code.
    let saved = admin
        .post_ok(
            SAVE,
            json!({"slug": "slack", "client_id": "plugboard-test-client", "client_secret": "plugboard-test-secret"}),
        )
        .await;
    assert_eq!(saved["check_note"], "Slack accepted these credentials.");
}

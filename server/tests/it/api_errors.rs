//! The REST surface's error rules: bad input is a 400 naming the field, never a 500; unknown
//! endpoints and methods get the same JSON error shape.

use crate::common::{error_of, TestApp, PASSWORD};
use serde_json::json;
use sqlx::PgPool;

#[sqlx::test(migrations = "../migrations")]
async fn bad_or_missing_arguments_are_400_naming_the_field(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let visitor = app.browser();

    let cases = [
        (json!({"password": PASSWORD}), "email"),
        (json!({"email": "ada@acme.test"}), "password"),
        (
            json!({"email": "not-an-email", "password": PASSWORD}),
            "email",
        ),
        (
            json!({"email": "ada@acme.test", "password": ""}),
            "password",
        ),
    ];
    for (body, field) in cases {
        let res = visitor
            .post_form("/api/v1/auth/sign_in", body.clone())
            .await;
        let (status, code, got_field) = error_of(res).await;
        assert_eq!((status, code.as_str()), (400, "bad_request"), "{body}");
        if field != "body" {
            assert_eq!(got_field.as_deref(), Some(field), "{body}");
        } else {
            assert!(got_field.is_some(), "{body}");
        }
    }

    // Not a form at all.
    let res = visitor
        .client
        .post(visitor.url("/api/v1/auth/sign_in"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);

    let setup_cases = [
        (
            json!({"company_name": "  ", "name": "", "email": "a@b.test", "password": PASSWORD}),
            "company_name",
        ),
        (
            json!({"company_name": "Acme", "name": "", "email": "a@b", "password": PASSWORD}),
            "email",
        ),
        (
            json!({"company_name": "Acme", "name": "", "email": "a@b.test", "password": "short"}),
            "password",
        ),
        (
            json!({"company_name": "x".repeat(201), "name": "", "email": "a@b.test", "password": PASSWORD}),
            "company_name",
        ),
    ];
    for (body, field) in setup_cases {
        let res = visitor.post_form("/api/v1/auth/setup", body.clone()).await;
        assert_eq!(
            error_of(res).await,
            (400, "bad_request".into(), Some(field.into())),
            "{body}"
        );
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn signed_in_calls_validate_too(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.setup("Acme", "ada@acme.test").await;

    let res = admin
        .post(
            "/api/v1/company/add_admin",
            json!({"email": "bob@acme.test", "name": "Bob"}),
        )
        .await;
    assert_eq!(
        error_of(res).await,
        (400, "bad_request".into(), Some("password".into()))
    );
    let res = admin
        .post(
            "/api/v1/company/remove_admin",
            json!({"user_id": "not-a-uuid"}),
        )
        .await;
    assert_eq!(error_of(res).await.0, 400);
    let res = admin
        .post(
            "/api/v1/company/change_password",
            json!({"current_password": "wrong", "new_password": "long enough pw"}),
        )
        .await;
    assert_eq!(
        error_of(res).await,
        (400, "bad_request".into(), Some("current_password".into()))
    );

    // A duplicate email is a conflict on the email field.
    let res = admin
        .post(
            "/api/v1/company/add_admin",
            json!({"email": "ADA@acme.test", "name": "", "password": PASSWORD}),
        )
        .await;
    assert_eq!(
        error_of(res).await,
        (409, "conflict".into(), Some("email".into()))
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn unknown_endpoints_and_methods_get_json_errors(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let visitor = app.browser();
    let res = visitor
        .post_without_csrf("/api/v1/nothing/here", json!({}))
        .await;
    assert_eq!(error_of(res).await.0, 404);
    let res = visitor.get("/api/v1/auth/sign_in").await;
    assert_eq!(error_of(res).await.0, 405);
    // Unauthenticated server functions answer 401 JSON, not a redirect.
    let res = visitor.get("/api/v1/company/get").await;
    assert_eq!(error_of(res).await, (401, "unauthenticated".into(), None));
}

//! Rate limits: per API key (hourly and per minute, reported in `X-RateLimit-*` headers, 429 with
//! `Retry-After` past them), a separate quota for publishing, and per address for anonymous calls.

use std::num::NonZeroU32;

use crate::common::{create_key, error_of, KeyClient, TestApp};
use serde_json::json;
use sqlx::PgPool;

fn header(res: &reqwest::Response, name: &str) -> u64 {
    res.headers()
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header"))
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn a_key_gets_its_quota_then_429_with_retry_after(pool: PgPool) {
    let app = TestApp::builder(pool)
        .config(|c| {
            c.rate_limits.per_key_per_minute = NonZeroU32::new(3).unwrap();
            c.rate_limits.publish_per_key_per_second = NonZeroU32::new(2).unwrap();
        })
        .await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    let (_, secret) = create_key(&admin, "busy", &["*"]).await;
    let client = KeyClient::new(&app, &secret);
    let mut remaining = Vec::new();
    for _ in 0..3 {
        let res = client.get("/api/v1/events/types").await;
        assert_eq!(res.status(), 200);
        assert_eq!(header(&res, "x-ratelimit-limit"), 3);
        assert!(header(&res, "x-ratelimit-reset") <= 60);
        remaining.push(header(&res, "x-ratelimit-remaining"));
    }
    assert_eq!(remaining, [2, 1, 0]);
    let refused = client.get("/api/v1/events/types").await;
    assert_eq!(refused.status(), 429);
    let retry_after = header(&refused, "retry-after");
    assert!((1..=20).contains(&retry_after), "Retry-After {retry_after}");
    assert_eq!(header(&refused, "x-ratelimit-remaining"), 0);
    assert_eq!(error_of(refused).await.1, "rate_limited");

    // Publishing has its own quota, untouched by the general one.
    let publish = || {
        client.post(
            "/api/v1/events/publish",
            json!({"event_type": "message.sent", "data": {}}),
        )
    };
    let res = publish().await;
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, "x-ratelimit-limit"), 2);
    // Another key is not affected by this one's use.
    let (_, other) = create_key(&admin, "quiet", &["*"]).await;
    assert_eq!(
        KeyClient::new(&app, &other)
            .get("/api/v1/events/types")
            .await
            .status(),
        200
    );
    // Nor are admins in the browser.
    assert_eq!(admin.get("/api/v1/events/types").await.status(), 200);
}

#[sqlx::test(migrations = "../migrations")]
async fn anonymous_calls_and_bad_keys_are_limited_per_address(pool: PgPool) {
    let app = TestApp::builder(pool)
        .config(|c| {
            c.rate_limits.anonymous_per_ip_per_minute = NonZeroU32::new(4).unwrap();
        })
        .await;
    let anonymous = app.browser();
    for _ in 0..2 {
        let res = anonymous.get("/api/v1/auth/setup_status").await;
        assert_eq!(res.status(), 200);
        assert_eq!(header(&res, "x-ratelimit-limit"), 4);
    }
    // Guessing keys spends the same allowance.
    let guesser = KeyClient::new(&app, &format!("sk_live_{}", "g".repeat(48)));
    assert_eq!(guesser.get("/api/v1/api_keys/list").await.status(), 401);
    assert_eq!(
        anonymous
            .sign_in("nobody@acme.test", "wrong")
            .await
            .status(),
        401
    );
    let refused = anonymous.get("/api/v1/auth/setup_status").await;
    assert_eq!(refused.status(), 429);
    assert!(refused.headers().contains_key("retry-after"));
    assert_eq!(guesser.get("/api/v1/api_keys/list").await.status(), 429);
}

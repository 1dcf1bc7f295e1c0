//! The benchmark's client: a company's API key calling Plugboard's REST API.

use std::time::{Duration, Instant};

use futures::StreamExt;
use serde_json::{json, Value};

/// A new company with an admin (`email`, password "bench password 1") and an API key that may
/// do anything, and a client calling as that key.
pub async fn company_api(
    pool: &sqlx::PgPool,
    api: &Api,
    name: &str,
    email: &str,
) -> Result<Api, Box<dyn std::error::Error>> {
    let (company_id, _) = app::company::service::create_admin_in_company(
        pool,
        name,
        email,
        "bench password 1".into(),
    )
    .await?;
    let new_key = app::api_keys::service::NewKey::validate(
        "bench",
        vec![app::auth::scope::Scope::All],
        None,
    )?;
    let key = app::api_keys::service::create(
        pool,
        company_id,
        &app::audit::service::Actor::command_line(),
        new_key,
    )
    .await?
    .secret;
    Ok(Api {
        http: api.http.clone(),
        base: api.base.clone(),
        key,
    })
}

#[derive(Clone)]
pub struct Api {
    pub http: reqwest::Client,
    pub base: String,
    pub key: String,
}

impl Api {
    /// Publishes `events`, event `n` of batch `b` being `event(b, n)`, in batches of 500 with
    /// four requests in flight; returns how long publishing took.
    pub async fn publish_batches(
        &self,
        events: usize,
        event: impl Fn(usize, usize) -> Value,
    ) -> Result<Duration, Box<dyn std::error::Error>> {
        let started = Instant::now();
        let batches: Vec<Value> = (0..events.div_ceil(500))
            .map(|b| {
                let batch: Vec<Value> = (0..500.min(events - b * 500))
                    .map(|n| event(b, n))
                    .collect();
                json!({ "events": batch })
            })
            .collect();
        let results = futures::stream::iter(batches)
            .map(|batch| self.post("/api/v1/events/publish_batch", batch))
            .buffer_unordered(4)
            .collect::<Vec<_>>()
            .await;
        for result in results {
            result?;
        }
        Ok(started.elapsed())
    }

    pub async fn post(&self, path: &str, body: Value) -> Result<Value, Box<dyn std::error::Error>> {
        let res = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.key)
            .json(&body)
            .send()
            .await?;
        if !res.status().is_success() {
            return Err(format!("{path}: {} {}", res.status(), res.text().await?).into());
        }
        Ok(res.json().await?)
    }

    pub async fn add_endpoints(
        &self,
        url: &str,
        n: usize,
    ) -> Result<Vec<String>, Box<dyn std::error::Error>> {
        let mut ids = Vec::new();
        for i in 0..n {
            let created = self.post("/api/v1/webhooks/create", json!({"url": format!("{url}/{i}"), "event_types": ["*"], "headers": {"X-Endpoint": i.to_string()}})).await?;
            ids.push(
                created["endpoint"]["id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            );
        }
        Ok(ids)
    }

    pub async fn delete_endpoints(&self, ids: &[String]) -> Result<(), Box<dyn std::error::Error>> {
        for id in ids {
            self.post("/api/v1/webhooks/delete", json!({"id": id}))
                .await?;
        }
        Ok(())
    }
}

//! A real Plugboard server on 127.0.0.1 over the test's own database, and browser-like clients
//! (cookie jar, CSRF header) to drive it through HTTP as the UI and REST clients do.
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use app::integrations::catalogue::{self, Catalogue};
use app::runtime::crypto::Cipher;
use app::runtime::{AppState, Config};
use leptos::config::LeptosOptions;
use reqwest::cookie::{CookieStore, Jar};
use reqwest::{redirect, Response, Url};
use serde_json::{json, Value};
use sqlx::PgPool;
use tokio::net::TcpListener;
use tokio::sync::watch;

pub const PASSWORD: &str = "correct horse battery";

/// The pages' routes, generated once for every server this test process starts, as `main` does
/// for its one server: a generation while another test's page renders would stall that page.
pub static PAGE_ROUTES: LazyLock<server::PageRoutes> = LazyLock::new(server::PageRoutes::generate);

/// Longer than any request of the suite takes, so that a stalled answer fails its test (naming
/// the request) instead of holding the run until CI's limit.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

pub mod binary;
pub mod contracts;
pub mod oauth_flow;
pub mod oauth_provider;
pub mod receiver;

pub struct TestApp {
    pub base: Url,
    pub pool: PgPool,
    pub state: AppState,
    stop: watch::Sender<bool>,
}

type ConfigTweak = Box<dyn FnOnce(&mut Config)>;

/// How a test's server is set up: configuration tweaks, provider variables as the catalogue
/// would read them from the environment (`SLACK_CLIENT_ID`, `SLACK_TOKEN_URL`, ...), and the
/// master key (shared when a second process runs beside the first).
pub struct TestAppBuilder {
    pool: PgPool,
    env: HashMap<String, String>,
    tweaks: Vec<ConfigTweak>,
    cipher: Option<Arc<Cipher>>,
    /// The built site's folder and whether its `pkg/` names carry content hashes.
    site: Option<(String, bool)>,
}

impl TestAppBuilder {
    pub fn config(mut self, tweak: impl FnOnce(&mut Config) + 'static) -> Self {
        self.tweaks.push(Box::new(tweak));
        self
    }

    /// Serves the static files under `root` (`pkg/` hashed or not), as a release build does.
    pub fn site(mut self, root: &std::path::Path, hashed: bool) -> Self {
        self.site = Some((root.display().to_string(), hashed));
        self
    }

    pub fn env(mut self, env: HashMap<String, String>) -> Self {
        self.env.extend(env);
        self
    }

    pub async fn start(self) -> TestApp {
        // TEST_LOG=warn (or any filter) shows the server's logs.
        if let Ok(filter) = std::env::var("TEST_LOG") {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(filter)
                .with_test_writer()
                .try_init();
        }
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let mut config = Config::for_tests(&format!("http://{addr}"));
        for tweak in self.tweaks {
            tweak(&mut config);
        }
        let (site_root, hash_files) = self
            .site
            .unwrap_or_else(|| ("target/site".to_string(), false));
        let options = LeptosOptions::builder()
            .output_name("plugboard")
            .site_addr(addr)
            .site_root(site_root)
            .hash_files(hash_files)
            .build();
        let env = self.env;
        let lookup = move |name: &str| env.get(name).cloned();
        let catalogue =
            Catalogue::load(catalogue::BUILTIN, &lookup, &config.public_url).expect("catalogue");
        let cipher = self
            .cipher
            .unwrap_or_else(|| Arc::new(Cipher::new(&Cipher::random_key(), &[])));
        let state =
            AppState::new(self.pool.clone(), config, options, catalogue, cipher).expect("state");
        let served = state.clone();
        let (stop, stopped) = watch::channel(false);
        tokio::spawn(async move {
            if let Err(e) = server::serve(listener, served, &PAGE_ROUTES, stopped).await {
                eprintln!("test server failed: {e}");
            }
        });
        TestApp {
            base: Url::parse(&format!("http://{addr}")).expect("url"),
            pool: self.pool,
            state,
            stop,
        }
    }
}

/// `TestApp::builder(pool).config(...).await` starts it.
impl std::future::IntoFuture for TestAppBuilder {
    type Output = TestApp;
    type IntoFuture = std::pin::Pin<Box<dyn std::future::Future<Output = TestApp>>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.start())
    }
}

impl TestApp {
    pub fn builder(pool: PgPool) -> TestAppBuilder {
        TestAppBuilder {
            pool,
            env: HashMap::new(),
            tweaks: Vec::new(),
            cipher: None,
            site: None,
        }
    }

    pub async fn spawn(pool: PgPool) -> Self {
        Self::builder(pool).start().await
    }

    /// A second server process on the same database and master key (its own worker pool).
    pub async fn beside(&self) -> Self {
        let mut builder = Self::builder(self.pool.clone());
        builder.cipher = Some(self.state.cipher.clone());
        builder.start().await
    }

    /// As [`TestApp::beside`], with this environment and configuration.
    pub async fn beside_with(
        &self,
        env: HashMap<String, String>,
        tweak: impl FnOnce(&mut Config) + 'static,
    ) -> Self {
        let mut builder = Self::builder(self.pool.clone()).env(env).config(tweak);
        builder.cipher = Some(self.state.cipher.clone());
        builder.start().await
    }

    /// A fresh browser: its own cookie jar, no session.
    pub fn browser(&self) -> Browser {
        let jar = Arc::new(Jar::default());
        let client = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(redirect::Policy::none())
            .timeout(REQUEST_TIMEOUT)
            .build()
            .expect("client");
        Browser {
            base: self.base.clone(),
            client,
            jar,
        }
    }

    /// Runs first-run setup and returns the signed-in browser of the first admin.
    pub async fn setup(&self, company: &str, email: &str) -> Browser {
        let browser = self.browser();
        let res = browser
            .post_form(
                "/api/v1/auth/setup",
                json!({"company_name": company, "name": "First Admin", "email": email, "password": PASSWORD}),
            )
            .await;
        assert_eq!(
            res.status(),
            200,
            "setup failed: {}",
            res.text().await.unwrap_or_default()
        );
        browser
    }

    /// A second company with its admin, created the way `plugboard admin create` does.
    pub async fn other_company(&self, company: &str, email: &str) -> Browser {
        app::company::service::create_admin_in_company(&self.pool, company, email, PASSWORD.into())
            .await
            .expect("create company");
        let browser = self.browser();
        let res = browser.sign_in(email, PASSWORD).await;
        assert_eq!(res.status(), 200);
        browser
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

pub struct Browser {
    pub base: Url,
    pub client: reqwest::Client,
    pub jar: Arc<Jar>,
}

impl Browser {
    pub fn url(&self, path: &str) -> Url {
        self.base.join(path).expect("path")
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        let header = self.jar.cookies(&self.base)?;
        let header = header.to_str().ok()?.to_string();
        header
            .split(';')
            .map(str::trim)
            .filter_map(|pair| pair.split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> Response {
        self.post_form(
            "/api/v1/auth/sign_in",
            json!({"email": email, "password": password}),
        )
        .await
    }

    /// A form post (sign-in and setup take form bodies) as the app's script sends it: it asks
    /// for JSON back.
    pub async fn post_form(&self, path: &str, fields: Value) -> Response {
        self.client
            .post(self.url(path))
            .header("accept", "application/json")
            .form(&form_pairs(&fields))
            .send()
            .await
            .expect("request")
    }

    /// A POST as the app's own page sends it: JSON body plus the session's CSRF token.
    pub async fn post(&self, path: &str, body: Value) -> Response {
        let mut req = self.client.post(self.url(path)).json(&body);
        if let Some(token) = self.cookie("pb_csrf") {
            req = req.header("x-csrf-token", token);
        }
        req.send().await.expect("request")
    }

    /// A POST that must succeed; returns its JSON answer.
    pub async fn post_ok(&self, path: &str, body: Value) -> Value {
        let res = self.post(path, body).await;
        let status = res.status();
        let text = res.text().await.unwrap_or_default();
        assert_eq!(status, 200, "{path}: {text}");
        serde_json::from_str(&text).expect("json")
    }

    /// Registers a webhook endpoint for every event; returns what `create` answered (the
    /// endpoint and its signing secret).
    pub async fn add_webhook(&self, url: &str) -> Value {
        let body = json!({"url": url, "event_types": ["*"]});
        self.post_ok("/api/v1/webhooks/create", body).await
    }

    /// Publishes an event; returns its id.
    pub async fn publish(&self, event_type: &str, data: Value) -> String {
        let body = json!({"event_type": event_type, "data": data});
        let published = self.post_ok("/api/v1/events/publish", body).await;
        published["id"].as_str().expect("id").to_string()
    }

    /// Publishes `n` `message.sent` events (`{"n": i}`), 500 a request.
    pub async fn publish_numbered(&self, n: usize) {
        for start in (0..n).step_by(500) {
            let events: Vec<Value> = (start..n.min(start + 500))
                .map(|i| json!({"event_type": "message.sent", "data": {"n": i}}))
                .collect();
            self.post_ok("/api/v1/events/publish_batch", json!({ "events": events }))
                .await;
        }
    }

    /// A GET that must answer with JSON.
    pub async fn get_json(&self, path: &str) -> Value {
        self.get(path).await.json().await.expect("json body")
    }

    /// Polls `GET path` until `done` holds for its JSON (for up to 15 s) and returns it.
    pub async fn poll_json(&self, path: &str, done: impl Fn(&Value) -> bool) -> Value {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
        loop {
            let got = self.get_json(path).await;
            if done(&got) {
                return got;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{path} never got there: {got:#}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// Waits until the newest delivery to connection `id` satisfies `done`, and returns it.
    pub async fn newest_action(
        &self,
        id: impl std::fmt::Display,
        done: impl Fn(&Value) -> bool,
    ) -> Value {
        let path = format!("/api/v1/integrations/deliveries?id={id}");
        let page = self
            .poll_json(&path, |p| p["deliveries"].get(0).is_some_and(&done))
            .await;
        page["deliveries"][0].clone()
    }

    /// Waits until connection `id` has `status` (e.g. `error`), and returns it.
    pub async fn connection_with_status(&self, id: impl std::fmt::Display, status: &str) -> Value {
        let path = format!("/api/v1/integrations/get?id={id}");
        self.poll_json(&path, |c| c["status"] == status).await
    }

    /// A GET to an absolute URL (a provider's page, or our callback) with this browser's cookies.
    pub async fn get_url(&self, url: &str) -> Response {
        self.client.get(url).send().await.expect("request")
    }

    pub async fn post_without_csrf(&self, path: &str, body: Value) -> Response {
        self.client
            .post(self.url(path))
            .json(&body)
            .send()
            .await
            .expect("request")
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request")
    }
}

/// Waits until `done` holds, checking every 20 ms; fails the test, saying `what` did not
/// happen, after 30 seconds.
pub async fn eventually<F: std::future::Future<Output = bool>>(
    what: &str,
    mut done: impl FnMut() -> F,
) {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    while !done().await {
        assert!(tokio::time::Instant::now() < deadline, "{what}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// A server with no delivery worker of its own (the test claims, sends and records as a worker
/// would), its first admin, and a receiver with an endpoint for every event.
pub async fn without_worker(pool: PgPool) -> (TestApp, Browser, receiver::Receiver) {
    let app = TestApp::builder(pool)
        .config(|c| c.webhooks.workers = 0)
        .await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    let receiver = receiver::Receiver::start().await;
    admin.add_webhook(&receiver.url("/hook")).await;
    (app, admin, receiver)
}

/// One batch claimed as a worker claims it.
pub async fn claim_batch(app: &TestApp) -> Vec<app::delivery::queue::Claimed> {
    let config = &app.state.config.webhooks;
    app::delivery::queue::Claimer::new(&app.pool)
        .claim(app::delivery::queue::ClaimLimits::of(config, 10), &[])
        .await
        .expect("claim")
        .deliveries
}

/// Records a batch's outcomes as the worker does; the result says whether every one was recorded.
pub async fn record_batch(
    app: &TestApp,
    results: &[app::delivery::record::Recorded],
) -> Result<Vec<app::delivery::record::SwitchedOff>, sqlx::Error> {
    app::delivery::record::record(
        &mut app.pool.acquire().await.expect("a connection"),
        &app.state.config.webhooks,
        results,
    )
    .await
}

/// The names of the keys an API key lists.
pub async fn key_names(client: &KeyClient) -> Vec<String> {
    let listed: Value = client
        .get("/api/v1/api_keys/list")
        .await
        .json()
        .await
        .expect("json");
    listed["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .map(|k| k["name"].as_str().expect("name").to_string())
        .collect()
}

/// A JSON object's fields as form fields.
pub fn form_pairs(fields: &Value) -> Vec<(String, String)> {
    fields
        .as_object()
        .expect("form fields are an object")
        .iter()
        .map(|(k, v)| {
            let v = v
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| v.to_string());
            (k.clone(), v)
        })
        .collect()
}

/// The JSON error body every failure carries: (status, code, field).
pub async fn error_of(res: Response) -> (u16, String, Option<String>) {
    let status = res.status().as_u16();
    let body: Value = res.json().await.expect("json error body");
    let error = &body["error"];
    (
        status,
        error["code"].as_str().unwrap_or_default().to_string(),
        error["field"].as_str().map(str::to_string),
    )
}

/// A REST client holding an API key: no cookies, no CSRF token.
pub struct KeyClient {
    pub base: Url,
    pub client: reqwest::Client,
    pub key: String,
}

impl KeyClient {
    pub fn new(app: &TestApp, key: &str) -> Self {
        Self {
            base: app.base.clone(),
            client: reqwest::Client::builder()
                .timeout(REQUEST_TIMEOUT)
                .build()
                .expect("client"),
            key: key.to_string(),
        }
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client
            .get(self.base.join(path).expect("path"))
            .bearer_auth(&self.key)
            .send()
            .await
            .expect("request")
    }

    pub async fn post(&self, path: &str, body: Value) -> Response {
        self.client
            .post(self.base.join(path).expect("path"))
            .bearer_auth(&self.key)
            .json(&body)
            .send()
            .await
            .expect("request")
    }
}

/// Creates an API key through the admin's browser session; returns (id, full key).
pub async fn create_key(browser: &Browser, name: &str, scopes: &[&str]) -> (String, String) {
    let res = browser
        .post(
            "/api/v1/api_keys/create",
            json!({"name": name, "scopes": scopes}),
        )
        .await;
    assert_eq!(
        res.status(),
        200,
        "create key: {}",
        res.text().await.unwrap_or_default()
    );
    let body: Value = res.json().await.expect("json");
    (
        body["key"]["id"].as_str().expect("id").to_string(),
        body["secret"].as_str().expect("secret").to_string(),
    )
}

/// Another connection holding `table` locked `ACCESS EXCLUSIVE` in an open transaction (as
/// partition maintenance, or an operator's `VACUUM FULL`, holds a table); end it with `COMMIT`.
pub async fn hold_locked(pool: &PgPool, table: &str) -> sqlx::PgConnection {
    use sqlx::{Connection, Executor};
    let mut holder = sqlx::PgConnection::connect_with(&pool.connect_options())
        .await
        .expect("a connection of its own");
    holder
        .execute(sqlx::raw_sql(&format!(
            "BEGIN; LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE"
        )))
        .await
        .expect("the lock");
    holder
}

/// The URL of the test's own database (`#[sqlx::test]` makes one per test on DATABASE_URL's server).
pub async fn database_url(pool: &PgPool) -> String {
    let database: String = sqlx::query_scalar("SELECT current_database()")
        .fetch_one(pool)
        .await
        .expect("current_database");
    let base = std::env::var("DATABASE_URL").expect("DATABASE_URL");
    match base.split_once('?') {
        Some((before, query)) => {
            format!(
                "{}/{database}?{query}",
                before.rsplit_once('/').expect("url path").0
            )
        }
        None => format!("{}/{database}", base.rsplit_once('/').expect("url path").0),
    }
}

/// A data-only pg_dump of the test's database, as text.
pub async fn dump_database(pool: &PgPool) -> String {
    let url = database_url(pool).await;
    let pg_dump = std::fs::read_dir("/usr/lib/postgresql")
        .ok()
        .and_then(|dirs| {
            dirs.flatten()
                .map(|d| d.path().join("bin/pg_dump"))
                .find(|p| p.exists())
        })
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "pg_dump".into());
    let out = std::process::Command::new(pg_dump)
        .args(["--data-only", "--no-owner", &url])
        .output()
        .expect("pg_dump");
    assert!(
        out.status.success(),
        "pg_dump failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

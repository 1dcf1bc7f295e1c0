use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use leptos::prelude::use_context;
use sqlx::PgPool;

use super::crypto::Cipher;
use super::Config;
use crate::actions::email::Mailer;
use crate::auth::key_cache::KeyCache;
use crate::auth::key_usage::KeyUsage;
use crate::auth::rate_limit::RateLimits;
use crate::delivery::statistics::QueueGrowth;
use crate::error::AppError;
use crate::events::admission::Admission;
use crate::events::group_commit::GroupCommit;
use crate::integrations::catalogue::Catalogue;
use crate::webhooks::url_guard::GuardedResolver;

/// Everything a request or background task needs, built once at start-up (or per test) and
/// handed to the router. There are no globals: each test builds its own over its own database.
/// A handle: every request clones it several times (the router's extractors, the server
/// functions' context), so a clone is one reference count, not one per part.
#[derive(Clone)]
pub struct AppState(Arc<SharedState>);

impl std::ops::Deref for AppState {
    type Target = SharedState;

    fn deref(&self) -> &SharedState {
        &self.0
    }
}

/// What an [`AppState`] holds.
pub struct SharedState {
    pub pool: PgPool,
    pub config: Arc<Config>,
    /// For provider APIs.
    pub http: reqwest::Client,
    /// For OAuth token, refresh and revocation requests: never follows redirects, so a token
    /// endpoint cannot bounce our client secret elsewhere.
    pub oauth_http: reqwest::Client,
    pub leptos_options: LeptosOptions,
    pub catalogue: Arc<Catalogue>,
    /// Encrypts credentials at rest.
    pub cipher: Arc<Cipher>,
    pub access: Arc<AccessControl>,
    /// For webhook deliveries: no redirects, and a resolver that refuses internal addresses.
    pub webhook_http: reqwest::Client,
    /// Wakes an idle delivery worker of this process when deliveries are queued.
    pub deliveries_ready: Arc<tokio::sync::Notify>,
    /// Asks this process's announcer to NOTIFY other processes of queued deliveries.
    pub announce_deliveries: Arc<tokio::sync::Notify>,
    /// The other processes on this database, as their notifications tell.
    pub peers: Arc<crate::delivery::peers::Peers>,
    /// Where publishes wait to be stored, several to a transaction.
    pub publishing: Arc<GroupCommit>,
    /// Bounds the publishes in flight; the rest are refused before anything is done with them.
    pub publish_admission: Admission,
    /// Deliveries queued by publishes, for keeping the queue's statistics current.
    pub queue_growth: Arc<QueueGrowth>,
    /// The SMTP relay email forwards go through, when `PLUGBOARD_SMTP_URL` is set.
    pub mailer: Option<Arc<Mailer>>,
}

/// API-key lookups, rate limits and key usage: per process, shared by all requests.
pub struct AccessControl {
    pub keys: KeyCache,
    pub limits: RateLimits,
    pub usage: KeyUsage,
}

impl AppState {
    pub fn new(
        pool: PgPool,
        config: Config,
        leptos_options: LeptosOptions,
        catalogue: Catalogue,
        cipher: Arc<Cipher>,
    ) -> Result<Self, reqwest::Error> {
        let user_agent = concat!("Plugboard/", env!("CARGO_PKG_VERSION"));
        let http = reqwest::Client::builder()
            .user_agent(user_agent)
            .timeout(std::time::Duration::from_secs(30))
            .build()?;
        let oauth_http = reqwest::Client::builder()
            .user_agent(user_agent)
            .timeout(std::time::Duration::from_secs(15))
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        let webhook_http = reqwest::Client::builder()
            .user_agent(concat!("Plugboard-Webhooks/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(Arc::new(GuardedResolver {
                allow_private: config.webhooks.allow_private,
            }))
            .connect_timeout(std::time::Duration::from_secs(10))
            .pool_max_idle_per_host(256)
            .build()?;
        let access = AccessControl {
            keys: KeyCache::new(config.api_key_cache_ttl),
            limits: RateLimits::new(config.rate_limits),
            usage: KeyUsage::default(),
        };
        // The server's configuration checked the relay's URL and the sender already.
        let mailer = config.email.smtp_url.as_deref().and_then(|url| {
            Mailer::new(url, &config.email.from)
                .inspect_err(|e| tracing::error!("email forwarding is off: {e}"))
                .ok()
                .map(Arc::new)
        });
        let deliveries_ready = Arc::new(tokio::sync::Notify::new());
        let announce_deliveries = Arc::new(tokio::sync::Notify::new());
        let queue_growth = Arc::new(QueueGrowth::default());
        let publishing = GroupCommit::new(
            pool.clone(),
            config.publishing,
            vec![deliveries_ready.clone(), announce_deliveries.clone()],
            queue_growth.clone(),
        );
        Ok(Self(Arc::new(SharedState {
            mailer,
            publishing: Arc::new(publishing),
            publish_admission: Admission::new(config.publishing.max_in_flight),
            queue_growth,
            access: Arc::new(access),
            webhook_http,
            deliveries_ready,
            announce_deliveries,
            peers: Arc::default(),
            pool,
            config: Arc::new(config),
            http,
            oauth_http,
            leptos_options,
            catalogue: Arc::new(catalogue),
            cipher,
        })))
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// The one way server functions reach the state: the router provides it as context.
pub fn app_state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from the request context");
        AppError::Internal
    })
}

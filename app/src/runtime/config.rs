use std::time::Duration;

use crate::auth::rate_limit::RateLimitConfig;

/// Runtime settings, read from the environment by the `server` crate at start-up (see
/// `server::config`) and validated there. Tests build one with [`Config::for_tests`].
#[derive(Debug, Clone)]
pub struct Config {
    /// Where users reach Plugboard; used for links, cookie security and OAuth redirects.
    pub public_url: reqwest::Url,
    /// A session unused for this long is over.
    pub session_idle_timeout: Duration,
    /// A session is over this long after sign-in, however active.
    pub session_max_age: Duration,
    pub sign_in_throttle: SignInThrottle,
    /// Take the client address from `X-Forwarded-For` (only behind a trusted reverse proxy).
    pub trust_proxy_headers: bool,
    pub rate_limits: RateLimitConfig,
    /// How long an API-key lookup is reused. Changes made through this process apply at once;
    /// other processes sharing the database see them within this time.
    pub api_key_cache_ttl: Duration,
    /// How often API keys' "last used" times are written.
    pub key_usage_flush_every: Duration,
    pub webhooks: WebhookConfig,
    pub publishing: PublishConfig,
    /// `PLUGBOARD_CONVERSATION_URL`: the host product's page for a conversation, with
    /// `{conversation_id}` in it; notifications link there ("View conversation").
    pub conversation_url: Option<String>,
    /// How often due daily summaries are looked for.
    pub daily_summary_every: Duration,
    pub email: EmailConfig,
}

/// Email forwarding, both ways.
#[derive(Debug, Clone, Default)]
pub struct EmailConfig {
    /// `PLUGBOARD_SMTP_URL`: the relay forwards are sent through; none sends nothing.
    pub smtp_url: Option<String>,
    /// `PLUGBOARD_EMAIL_FROM`: the mailbox forwards come from.
    pub from: String,
    /// `PLUGBOARD_INBOUND_EMAIL_DOMAIN`: each company receives mail at `<slug>@` this domain.
    pub inbound_domain: Option<String>,
    pub inbound: InboundEmailSecrets,
}

/// What each inbound-mail provider's requests are checked with; a provider without one is
/// refused.
#[derive(Debug, Clone, Default)]
pub struct InboundEmailSecrets {
    /// `POSTMARK_INBOUND_USERNAME` and `POSTMARK_INBOUND_PASSWORD`: the Basic auth Postmark
    /// sends (they are in the inbound webhook URL set in Postmark).
    pub postmark_basic_auth: Option<(String, String)>,
    /// `MAILGUN_WEBHOOK_SIGNING_KEY`: signs each request's timestamp and token.
    pub mailgun_signing_key: Option<String>,
    /// `SENDGRID_INBOUND_VERIFICATION_KEY`: the public key (base64 DER) of the Inbound Parse
    /// security policy that signs each request.
    pub sendgrid_verification_key: Option<String>,
    /// `SENDGRID_INBOUND_USERNAME` and `SENDGRID_INBOUND_PASSWORD`: the Basic auth in the
    /// Inbound Parse URL, without a signing policy.
    pub sendgrid_basic_auth: Option<(String, String)>,
}

/// Webhook delivery settings.
#[derive(Debug, Clone)]
pub struct WebhookConfig {
    /// `PLUGBOARD_ALLOW_HTTP_WEBHOOKS`: accept http:// endpoints (https only otherwise).
    pub allow_http: bool,
    /// `PLUGBOARD_ALLOW_PRIVATE_WEBHOOKS`: accept loopback and private addresses.
    pub allow_private: bool,
    /// Worker tasks per process; each sends one claimed batch at a time, concurrently.
    pub workers: usize,
    /// Deliveries one worker claims at once; `workers` x `batch_size` may be in flight.
    pub batch_size: usize,
    /// `PLUGBOARD_DESTINATION_MAX_IN_FLIGHT`: deliveries of one destination in flight at once
    /// (an endpoint may set its own), so a slow or flooded one cannot hold every worker.
    pub max_in_flight: usize,
    /// Wait before attempt n+1 is `retry_schedule[n]`; its length is the number of attempts.
    pub retry_schedule: Vec<Duration>,
    /// Disable an endpoint after this many failed deliveries in a row.
    pub auto_disable_after: u32,
    /// How long a claim lasts before another worker may take the delivery over.
    pub lease: Duration,
    /// Delivery logs (and delivered events) older than this are pruned.
    pub retention: Duration,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        let secs = Duration::from_secs;
        Self {
            allow_http: false,
            allow_private: false,
            workers: 4,
            batch_size: 200,
            max_in_flight: 200,
            retry_schedule: vec![secs(0), secs(30), secs(120), secs(600), secs(1800)],
            auto_disable_after: 5,
            lease: secs(120),
            retention: secs(30 * 24 * 60 * 60),
        }
    }
}

/// How publishes are stored: concurrent ones share a transaction ([`crate::events::group_commit`]).
#[derive(Debug, Clone, Copy)]
pub struct PublishConfig {
    /// `PLUGBOARD_PUBLISH_COMMITTERS`: groups of publishes stored at once, each on a database
    /// connection of its own, outside the pool.
    pub committers: usize,
    /// `PLUGBOARD_PUBLISH_QUEUE_LIMIT`: publish requests that may wait to be stored; past it a
    /// publish is refused at once (503 with `Retry-After`) instead of queueing for seconds.
    pub queue_limit: usize,
    /// `PLUGBOARD_PUBLISH_MAX_WAIT_MS`: once the oldest waiting publish has waited this long,
    /// the database is not keeping up, and new publishes are refused the same way until the
    /// queue catches up. Bounds an acknowledged publish's wait past capacity. Above a commit's
    /// ordinary hiccups (a checkpoint, a first connection: 200-300 ms were seen at 200
    /// publishes a second), so a publisher well below capacity is never refused.
    pub max_wait: Duration,
    /// `PLUGBOARD_PUBLISH_MAX_IN_FLIGHT`: publish requests this process works on at once, from
    /// arrival to answer; past it a publish is refused before its body is read
    /// ([`crate::events::admission`]). Bounds an admitted publish's wait at about this many
    /// over the commit rate.
    pub max_in_flight: usize,
}

impl Default for PublishConfig {
    fn default() -> Self {
        Self {
            committers: 2,
            queue_limit: 4_096,
            max_wait: Duration::from_millis(500),
            max_in_flight: 128,
        }
    }
}

/// Failed sign-ins allowed per account and per client address within `window`.
#[derive(Debug, Clone)]
pub struct SignInThrottle {
    pub per_account: i64,
    pub per_ip: i64,
    pub window: Duration,
}

impl Default for SignInThrottle {
    fn default() -> Self {
        Self {
            per_account: 5,
            per_ip: 20,
            window: Duration::from_secs(15 * 60),
        }
    }
}

impl Config {
    /// Cookies get `Secure` when users reach us over https.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.scheme() == "https"
    }

    pub fn for_tests(public_url: &str) -> Self {
        Self {
            public_url: reqwest::Url::parse(public_url).unwrap_or_else(|_| {
                reqwest::Url::parse("http://127.0.0.1:3000").expect("literal URL parses")
            }),
            session_idle_timeout: Duration::from_secs(2 * 60 * 60),
            session_max_age: Duration::from_secs(7 * 24 * 60 * 60),
            sign_in_throttle: SignInThrottle::default(),
            trust_proxy_headers: false,
            rate_limits: RateLimitConfig::default(),
            api_key_cache_ttl: Duration::from_secs(5),
            key_usage_flush_every: Duration::from_secs(1),
            webhooks: WebhookConfig {
                allow_http: true,
                allow_private: true,
                ..WebhookConfig::default()
            },
            publishing: PublishConfig::default(),
            conversation_url: None,
            daily_summary_every: Duration::from_secs(60),
            email: EmailConfig {
                from: "Plugboard <notifications@plugboard.test>".into(),
                ..EmailConfig::default()
            },
        }
    }
}

//! What the UI and REST clients see of the catalogue and of a company's connections.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Crm,
    Communication,
    Analytics,
    Ecommerce,
    Support,
    Marketing,
    Messaging,
    Payments,
    Calendar,
    Automation,
}

impl Category {
    pub const ALL: [Category; 10] = [
        Category::Crm,
        Category::Communication,
        Category::Analytics,
        Category::Ecommerce,
        Category::Support,
        Category::Marketing,
        Category::Messaging,
        Category::Payments,
        Category::Calendar,
        Category::Automation,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Category::Crm => "crm",
            Category::Communication => "communication",
            Category::Analytics => "analytics",
            Category::Ecommerce => "ecommerce",
            Category::Support => "support",
            Category::Marketing => "marketing",
            Category::Messaging => "messaging",
            Category::Payments => "payments",
            Category::Calendar => "calendar",
            Category::Automation => "automation",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Category::Crm => "CRM",
            Category::Communication => "Communication",
            Category::Analytics => "Analytics",
            Category::Ecommerce => "E-commerce",
            Category::Support => "Support",
            Category::Marketing => "Marketing",
            Category::Messaging => "Messaging",
            Category::Payments => "Payments",
            Category::Calendar => "Calendar",
            Category::Automation => "Automation",
        }
    }

    pub fn from_id(id: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.id() == id)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AuthType {
    Oauth2,
    ApiKey,
    Webhook,
}

/// One input of an `api_key` provider's credential form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CredentialField {
    pub name: String,
    pub label: String,
    pub secret: bool,
    pub required: bool,
    #[serde(default)]
    pub placeholder: Option<String>,
    #[serde(default)]
    pub help: Option<String>,
    /// text | url | email | password
    pub kind: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookSpec {
    pub url_example: String,
    /// Host suffixes a pasted URL must match; empty allows any https host.
    pub allowed_hosts: Vec<String>,
}

/// A catalogue entry as shown to an admin, with this company's connection status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProviderView {
    pub slug: String,
    pub name: String,
    pub category: Category,
    pub short_description: String,
    pub description: String,
    pub logo: String,
    pub features: Vec<String>,
    pub permissions: Vec<String>,
    pub auth_type: AuthType,
    pub docs_url: Option<String>,
    pub allow_multiple: bool,
    pub disconnect_effects: Vec<String>,
    /// False when an OAuth provider's client credentials are not set: it cannot connect.
    pub configured: bool,
    /// The variables to set when not configured.
    pub missing_env: Vec<String>,
    /// The redirect URI to register with an OAuth provider.
    pub redirect_uri: Option<String>,
    pub fields: Vec<CredentialField>,
    pub webhook: Option<WebhookSpec>,
    pub config_schema: serde_json::Value,
    /// Whether its connections send the company's events to it (and so retry failed sends).
    pub sends_events: bool,
    /// How many connections this company has to the provider.
    pub connections: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionStatus {
    Active,
    Error,
    Pending,
}

impl ConnectionStatus {
    pub fn label(self) -> &'static str {
        match self {
            ConnectionStatus::Active => "Connected",
            ConnectionStatus::Error => "Error",
            ConnectionStatus::Pending => "Pending",
        }
    }

    pub fn id(self) -> &'static str {
        match self {
            ConnectionStatus::Active => "active",
            ConnectionStatus::Error => "error",
            ConnectionStatus::Pending => "pending",
        }
    }
}

/// A company's connection to a provider. Credentials never leave the server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ConnectionView {
    pub id: Uuid,
    pub provider: String,
    pub provider_name: String,
    /// The name an admin gave it ("Support alerts"); empty when it goes by the provider's.
    pub label: String,
    pub logo: String,
    pub short_description: String,
    pub status: ConnectionStatus,
    /// The connected workspace or account, when the provider names it.
    pub account_label: String,
    /// One line about where it points: a channel, an instance, a webhook host.
    pub connection_info: String,
    pub error_message: Option<String>,
    pub connected_by: String,
    pub connected_at: DateTime<Utc>,
    pub config: serde_json::Value,
    pub disconnect_effects: Vec<String>,
    pub auth_type: AuthType,
    /// The events its settings send to the provider (none for providers that only hold settings).
    pub event_types: Vec<String>,
    /// Its latest action (a message posted, a hook called), if any.
    pub last_action: Option<LastAction>,
    /// Deliveries to it that failed in the last 24 hours.
    pub failures_24h: u32,
    /// Set when a Zap subscribed through REST Hooks (`/api/v1/hooks/subscribe`): the one event
    /// type it receives. Zapier manages such a connection; its settings are not edited here.
    pub rest_hook_event: Option<String>,
    /// Its own retry policy; null retries on the installation's schedule.
    pub retry_policy: Option<crate::delivery::RetryPolicy>,
    /// The waits before each retry of a failed action, in seconds, under the policy in force.
    pub retry_waits_secs: Vec<u64>,
    /// Email forwarding: the company's address; mail sent to it becomes `message.received`.
    pub inbound_address: Option<String>,
}

impl ConnectionView {
    /// What the card and dialogs call it: its name, else the provider's.
    pub fn display_name(&self) -> &str {
        match self.label.is_empty() {
            true => &self.provider_name,
            false => &self.label,
        }
    }

    /// What a connection that could notify still needs before it sends anything.
    pub fn setup_hint(&self) -> Option<&'static str> {
        let missing = |name: &str| {
            self.config
                .get(name)
                .and_then(serde_json::Value::as_str)
                .is_none_or(|v| v.trim().is_empty())
        };
        match self.provider.as_str() {
            "slack" | "microsoft-teams" if missing("channel") => {
                Some("Pick a channel to start notifications.")
            }
            "telegram" if missing("alert_chat_id") => {
                Some("Set the alert chat ID to start notifications.")
            }
            _ => None,
        }
    }
}

/// When a connection last acted, and whether the provider accepted it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LastAction {
    pub at: DateTime<Utc>,
    pub ok: bool,
}

/// Where to send the browser to start an OAuth connection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OAuthStart {
    pub authorize_url: String,
}

/// An option for a setting whose choices come from the provider's API (e.g. Slack channels).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RemoteOption {
    pub value: String,
    pub label: String,
}

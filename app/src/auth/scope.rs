//! What an API key may do. Each scope is independent (`write` does not imply `read`); `*`
//! grants everything an API key can do.

use serde::{Deserialize, Serialize};

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
pub enum Scope {
    #[serde(rename = "*")]
    All,
    #[serde(rename = "integrations:read")]
    IntegrationsRead,
    #[serde(rename = "integrations:write")]
    IntegrationsWrite,
    #[serde(rename = "events:read")]
    EventsRead,
    #[serde(rename = "events:write")]
    EventsWrite,
    #[serde(rename = "webhooks:read")]
    WebhooksRead,
    #[serde(rename = "webhooks:write")]
    WebhooksWrite,
    #[serde(rename = "api_keys:read")]
    ApiKeysRead,
    #[serde(rename = "api_keys:write")]
    ApiKeysWrite,
    #[serde(rename = "company:read")]
    CompanyRead,
    #[serde(rename = "company:write")]
    CompanyWrite,
    #[serde(rename = "audit:read")]
    AuditRead,
}

impl Scope {
    /// Every scope, in the order the UI lists them.
    pub const EVERY: [Scope; 12] = [
        Scope::All,
        Scope::EventsWrite,
        Scope::EventsRead,
        Scope::WebhooksRead,
        Scope::WebhooksWrite,
        Scope::IntegrationsRead,
        Scope::IntegrationsWrite,
        Scope::ApiKeysRead,
        Scope::ApiKeysWrite,
        Scope::CompanyRead,
        Scope::CompanyWrite,
        Scope::AuditRead,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::All => "*",
            Scope::IntegrationsRead => "integrations:read",
            Scope::IntegrationsWrite => "integrations:write",
            Scope::EventsRead => "events:read",
            Scope::EventsWrite => "events:write",
            Scope::WebhooksRead => "webhooks:read",
            Scope::WebhooksWrite => "webhooks:write",
            Scope::ApiKeysRead => "api_keys:read",
            Scope::ApiKeysWrite => "api_keys:write",
            Scope::CompanyRead => "company:read",
            Scope::CompanyWrite => "company:write",
            Scope::AuditRead => "audit:read",
        }
    }

    pub fn parse(text: &str) -> Option<Scope> {
        Scope::EVERY.into_iter().find(|s| s.as_str() == text)
    }

    /// What the scope allows, for the key form and the docs.
    pub fn description(self) -> &'static str {
        match self {
            Scope::All => "Everything below",
            Scope::IntegrationsRead => "List the catalogue and connections",
            Scope::IntegrationsWrite => "Connect, configure and disconnect integrations",
            Scope::EventsRead => "Read the event registry",
            Scope::EventsWrite => "Publish events and manage event types",
            Scope::WebhooksRead => "List webhook endpoints and deliveries",
            Scope::WebhooksWrite => "Manage webhook endpoints",
            Scope::ApiKeysRead => "List API keys",
            Scope::ApiKeysWrite => "Create, regenerate, disable and delete API keys",
            Scope::CompanyRead => "Read company settings and admins",
            Scope::CompanyWrite => {
                "Rename the company (admins are managed only by signed-in admins)"
            }
            Scope::AuditRead => "Read the audit log of security-relevant changes",
        }
    }
}

/// Whether a key holding `held` may act with `needed`.
pub fn grants(held: &[Scope], needed: Scope) -> bool {
    held.contains(&Scope::All) || held.contains(&needed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_serde_and_parse() {
        for scope in Scope::EVERY {
            let json = serde_json::to_value(scope).unwrap();
            assert_eq!(json, scope.as_str());
            assert_eq!(Scope::parse(scope.as_str()), Some(scope));
        }
        assert_eq!(Scope::parse("events:delete"), None);
    }

    #[test]
    fn star_grants_all_and_write_does_not_imply_read() {
        assert!(grants(&[Scope::All], Scope::CompanyWrite));
        assert!(grants(&[Scope::EventsWrite], Scope::EventsWrite));
        assert!(!grants(&[Scope::EventsWrite], Scope::EventsRead));
        assert!(!grants(&[], Scope::EventsRead));
    }
}

//! The destinations of claimed deliveries: what each adapter needs to send (an endpoint's URL and
//! sealed secret, a connection's settings and sealed credentials). The worker keeps the ones it
//! loaded and reuses each while its row is unchanged: the claim reads every destination row's
//! version (`xmin`, new with every update of the row), so a first attempt skips a query, and an
//! edited, rotated or switched-off destination is loaded again by the next claim that reaches it.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::claimed::{Claimed, DestinationKind};
use crate::actions::adapter as connection_adapter;
use crate::webhooks::adapter as endpoint_adapter;

/// A destination as loaded, with its row's version and, when the row holds something that
/// expires on its own (a rotated secret's grace period), when the loaded copy stops being true.
#[derive(sqlx::FromRow)]
pub struct Versioned<T> {
    pub version: i64,
    pub stale_after: Option<DateTime<Utc>>,
    #[sqlx(flatten)]
    pub target: T,
}

impl<T> Versioned<T> {
    fn shared(self) -> Versioned<Arc<T>> {
        Versioned {
            version: self.version,
            stale_after: self.stale_after,
            target: Arc::new(self.target),
        }
    }

    fn holds_for(&self, version: Option<i64>, now: DateTime<Utc>) -> bool {
        version == Some(self.version) && self.stale_after.is_none_or(|until| now < until)
    }
}

/// The destinations of a claim's deliveries.
#[derive(Default)]
pub struct Targets {
    endpoints: HashMap<Uuid, Arc<endpoint_adapter::Target>>,
    connections: HashMap<Uuid, Arc<connection_adapter::Target>>,
}

impl Targets {
    /// Loads the destinations of `claimed`, all of them (a test send).
    pub async fn load(pool: &PgPool, claimed: &[Claimed]) -> Result<Self, sqlx::Error> {
        TargetCache::default().targets(pool, claimed).await
    }

    pub fn endpoint(&self, id: &Uuid) -> Option<&endpoint_adapter::Target> {
        self.endpoints.get(id).map(|t| t.as_ref())
    }

    pub fn connection(&self, id: &Uuid) -> Option<&connection_adapter::Target> {
        self.connections.get(id).map(|t| t.as_ref())
    }
}

/// Destinations this many at most are kept; past it the worker starts afresh.
const KEPT_AT_MOST: usize = 10_000;

/// The destinations the worker loaded, each kept with its row's version.
#[derive(Default)]
pub struct TargetCache {
    endpoints: HashMap<Uuid, Versioned<Arc<endpoint_adapter::Target>>>,
    connections: HashMap<Uuid, Versioned<Arc<connection_adapter::Target>>>,
}

impl TargetCache {
    /// The destinations of `claimed`: those kept whose version the claim saw, and the others
    /// loaded (one query per kind) and kept.
    #[tracing::instrument(level = "debug", name = "load_destinations", skip_all, fields(loaded))]
    pub async fn targets(
        &mut self,
        pool: &PgPool,
        claimed: &[Claimed],
    ) -> Result<Targets, sqlx::Error> {
        let now = Utc::now();
        let mut targets = Targets::default();
        let (mut endpoints, mut connections) = (Vec::new(), Vec::new());
        for c in claimed {
            let id = c.destination.id;
            let version = c.destination_version;
            match c.destination.kind {
                DestinationKind::Webhook => match self.endpoints.get(&id) {
                    Some(kept) if kept.holds_for(version, now) => {
                        targets.endpoints.insert(id, kept.target.clone());
                    }
                    _ => endpoints.push(id),
                },
                DestinationKind::Connection => match self.connections.get(&id) {
                    Some(kept) if kept.holds_for(version, now) => {
                        targets.connections.insert(id, kept.target.clone());
                    }
                    _ => connections.push(id),
                },
            }
        }
        endpoints.sort_unstable();
        endpoints.dedup();
        connections.sort_unstable();
        connections.dedup();
        tracing::Span::current().record("loaded", endpoints.len() + connections.len());
        if self.endpoints.len() + self.connections.len() + endpoints.len() + connections.len()
            > KEPT_AT_MOST
        {
            *self = TargetCache::default();
        }
        for loaded in endpoint_adapter::load(pool, &endpoints).await? {
            let loaded = loaded.shared();
            targets
                .endpoints
                .insert(loaded.target.id, loaded.target.clone());
            self.endpoints.insert(loaded.target.id, loaded);
        }
        for loaded in connection_adapter::load(pool, &connections).await? {
            let loaded = loaded.shared();
            targets
                .connections
                .insert(loaded.target.id, loaded.target.clone());
            self.connections.insert(loaded.target.id, loaded);
        }
        Ok(targets)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn kept(version: i64, stale_after: Option<DateTime<Utc>>) -> Versioned<()> {
        Versioned {
            version,
            stale_after,
            target: (),
        }
    }

    #[test]
    fn a_kept_destination_holds_only_for_the_version_the_claim_saw_and_until_it_expires() {
        let now = Utc::now();
        assert!(kept(7, None).holds_for(Some(7), now));
        assert!(!kept(7, None).holds_for(Some(8), now), "the row changed");
        assert!(!kept(7, None).holds_for(None, now), "a version not known");
        let grace_ends = now + Duration::seconds(1);
        assert!(kept(7, Some(grace_ends)).holds_for(Some(7), now));
        assert!(
            !kept(7, Some(grace_ends)).holds_for(Some(7), grace_ends),
            "the previous secret's grace period ended"
        );
    }
}

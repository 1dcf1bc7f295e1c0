//! The SQL that stores published events: a group of publishes (one request or many, of any
//! companies) with their deliveries in one statement, and with their idempotency keys, when
//! they have any, in one transaction.

use std::collections::HashMap;

use sqlx::{Connection, PgConnection};
use uuid::Uuid;

use super::publish::NewEvent;
use crate::delivery::queue;

/// One publish request: its events, all of one company.
pub struct Publish {
    pub company_id: Uuid,
    /// The API key that published them; None for Plugboard itself (a reply from Slack).
    pub api_key_id: Option<Uuid>,
    /// The connection the events came in through; they are not sent back to it.
    pub origin: Option<Uuid>,
    pub events: Vec<NewEvent>,
    /// The id each event gets when it is new, chosen once so a retry stores the same ids.
    pub fresh_ids: Vec<Uuid>,
}

impl Publish {
    pub fn new(
        company_id: Uuid,
        api_key_id: Option<Uuid>,
        origin: Option<Uuid>,
        events: Vec<NewEvent>,
    ) -> Self {
        // Time-ordered, so new events' index entries land together (see the migration
        // `time_ordered_ids`).
        let fresh_ids = events.iter().map(|_| Uuid::now_v7()).collect();
        Self {
            company_id,
            api_key_id,
            origin,
            events,
            fresh_ids,
        }
    }
}

/// What storing a group did: each request's event ids, in order, and how many deliveries it
/// queued.
pub struct Stored {
    pub ids: Vec<Vec<Uuid>>,
    pub queued: u64,
}

#[derive(sqlx::FromRow)]
struct KeyRow {
    company_id: Uuid,
    key: String,
    event_id: Uuid,
}

/// Stores and commits `group`; `conn` runs its statements on their generic plans (see
/// [`crate::runtime::db::begin_on_generic_plans_with`]) and is not in a transaction. Without
/// idempotency keys that is one statement, so one round trip. An idempotency key names one
/// event per company: repeated within the group, every request gets the first one's id; seen
/// in the last 24 hours, the earlier event's id, and nothing new is stored.
pub async fn store(conn: &mut PgConnection, group: &[Publish]) -> Result<Stored, sqlx::Error> {
    let keyed = group
        .iter()
        .any(|p| p.events.iter().any(|e| e.idempotency_key.is_some()));
    if !keyed {
        let mut fresh = FreshEvents::default();
        for publish in group {
            for (event, id) in publish.events.iter().zip(&publish.fresh_ids) {
                fresh.push(publish, *id, event);
            }
        }
        let queued = fresh.insert(conn).await?;
        let ids = group.iter().map(|p| p.fresh_ids.clone()).collect();
        return Ok(Stored { ids, queued });
    }
    let mut tx = conn.begin().await?;
    let stored = store_keyed(&mut tx, group).await?;
    tx.commit().await?;
    Ok(stored)
}

/// [`store`] for a group with idempotency keys, in the caller's transaction.
async fn store_keyed(tx: &mut PgConnection, group: &[Publish]) -> Result<Stored, sqlx::Error> {
    let mut ids: Vec<Vec<Uuid>> = group.iter().map(|p| p.fresh_ids.clone()).collect();
    let mut is_new: Vec<Vec<bool>> = group.iter().map(|p| vec![true; p.events.len()]).collect();
    let mut first_with_key: HashMap<(Uuid, &str), (usize, usize)> = HashMap::new();
    for (r, publish) in group.iter().enumerate() {
        for (e, event) in publish.events.iter().enumerate() {
            let Some(key) = event.idempotency_key.as_deref() else {
                continue;
            };
            match first_with_key.get(&(publish.company_id, key)) {
                Some(&(fr, fe)) => {
                    ids[r][e] = ids[fr][fe];
                    is_new[r][e] = false;
                }
                None => {
                    first_with_key.insert((publish.company_id, key), (r, e));
                }
            }
        }
    }
    if !first_with_key.is_empty() {
        // Sorted, so two groups that share keys lock them in the same order (no deadlock).
        let mut keyed: Vec<(Uuid, &str, Uuid)> = first_with_key
            .iter()
            .map(|(&(company, key), &(r, e))| (company, key, ids[r][e]))
            .collect();
        keyed.sort_unstable();
        let companies: Vec<Uuid> = keyed.iter().map(|k| k.0).collect();
        let keys: Vec<&str> = keyed.iter().map(|k| k.1).collect();
        let key_ids: Vec<Uuid> = keyed.iter().map(|k| k.2).collect();
        // Keys seen in the last 24 hours keep their event; older ones are taken over. A
        // concurrent group with the same key waits here for the other to commit.
        let claimed: Vec<KeyRow> = sqlx::query_as(
            "INSERT INTO event_idempotency_keys (company_id, key, event_id)
             SELECT c, k, id FROM unnest($1::uuid[], $2::text[], $3::uuid[]) WITH ORDINALITY AS t(c, k, id, n)
              ORDER BY n
             ON CONFLICT (company_id, key) DO UPDATE SET event_id = EXCLUDED.event_id, created_at = now()
               WHERE event_idempotency_keys.created_at < now() - interval '24 hours'
             RETURNING company_id, key, event_id",
        )
        .bind(&companies)
        .bind(&keys)
        .bind(&key_ids)
        .fetch_all(&mut *tx)
        .await?;
        if claimed.len() < keyed.len() {
            let earlier: Vec<KeyRow> = sqlx::query_as(
                "SELECT i.company_id, i.key, i.event_id
                   FROM event_idempotency_keys i
                   JOIN unnest($1::uuid[], $2::text[]) AS t(c, k) ON i.company_id = t.c AND i.key = t.k",
            )
            .bind(&companies)
            .bind(&keys)
            .fetch_all(&mut *tx)
            .await?;
            let earlier: HashMap<(Uuid, &str), Uuid> = earlier
                .iter()
                .filter(|row| {
                    !claimed
                        .iter()
                        .any(|c| c.company_id == row.company_id && c.key == row.key)
                })
                .map(|row| ((row.company_id, row.key.as_str()), row.event_id))
                .collect();
            for (r, publish) in group.iter().enumerate() {
                for (e, event) in publish.events.iter().enumerate() {
                    let found = event
                        .idempotency_key
                        .as_deref()
                        .and_then(|k| earlier.get(&(publish.company_id, k)));
                    if let Some(id) = found {
                        ids[r][e] = *id;
                        is_new[r][e] = false;
                    }
                }
            }
        }
    }
    let mut fresh = FreshEvents::default();
    for (r, publish) in group.iter().enumerate() {
        for (e, event) in publish.events.iter().enumerate() {
            if is_new[r][e] {
                fresh.push(publish, ids[r][e], event);
            }
        }
    }
    let queued = fresh.insert(tx).await?;
    Ok(Stored { ids, queued })
}

/// The group's new events, as columns.
#[derive(Default)]
struct FreshEvents<'a> {
    ids: Vec<Uuid>,
    companies: Vec<Uuid>,
    types: Vec<&'a str>,
    data: Vec<&'a serde_json::Value>,
    keys: Vec<Option<&'a str>>,
    api_keys: Vec<Option<Uuid>>,
    channels: Vec<Option<&'a str>>,
    origins: Vec<Option<Uuid>>,
}

impl<'a> FreshEvents<'a> {
    fn push(&mut self, publish: &'a Publish, id: Uuid, event: &'a NewEvent) {
        self.ids.push(id);
        self.companies.push(publish.company_id);
        self.types.push(&event.event_type);
        self.data.push(&event.data);
        self.keys.push(event.idempotency_key.as_deref());
        self.api_keys.push(publish.api_key_id);
        self.channels.push(
            event
                .data
                .get("channel")
                .and_then(serde_json::Value::as_str),
        );
        self.origins.push(publish.origin);
    }

    /// Inserts the events and queues their deliveries, in one statement; returns how many
    /// deliveries were queued.
    async fn insert(&self, conn: &mut PgConnection) -> Result<u64, sqlx::Error> {
        if self.ids.is_empty() {
            return Ok(0);
        }
        let queued = sqlx::query(concat!(
            "WITH stored_events AS (
                INSERT INTO events (id, company_id, event_type, data, idempotency_key, api_key_id)
                SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $6::jsonb[], $7::text[], $8::uuid[]))\n",
            queue::enqueue_published_sql!()
        ))
        .bind(&self.ids)
        .bind(&self.companies)
        .bind(&self.types)
        .bind(&self.channels)
        .bind(&self.origins)
        .bind(&self.data)
        .bind(&self.keys)
        .bind(&self.api_keys)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        Ok(queued)
    }
}

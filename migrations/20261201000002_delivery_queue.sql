-- One delivery queue for every destination kind: webhook endpoints now, connections next. The
-- tables lose their webhook names; `destination_kind` says what a delivery goes to.
ALTER TABLE webhook_deliveries RENAME TO deliveries;
ALTER TABLE webhook_attempts RENAME TO delivery_attempts;
ALTER INDEX webhook_deliveries_due_idx RENAME TO deliveries_due_idx;
ALTER INDEX webhook_deliveries_endpoint_idx RENAME TO deliveries_endpoint_idx;
ALTER INDEX webhook_deliveries_event_idx RENAME TO deliveries_event_idx;
ALTER INDEX webhook_attempts_delivery_idx RENAME TO delivery_attempts_delivery_idx;
ALTER INDEX webhook_attempts_started_idx RENAME TO delivery_attempts_started_idx;
ALTER TABLE deliveries ADD COLUMN destination_kind text NOT NULL DEFAULT 'webhook'
    CONSTRAINT deliveries_destination_kind_check CHECK (destination_kind IN ('webhook'));

-- A destination that is switched off parks its pending deliveries (kept, not sent, out of the
-- due index that every claim reads); switching it on again makes them due at once.
ALTER TABLE deliveries DROP CONSTRAINT webhook_deliveries_status_check;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_status_check
    CHECK (status IN ('pending', 'parked', 'succeeded', 'failed'));
UPDATE deliveries d SET status = 'parked', claim_id = NULL
  FROM webhook_endpoints e
 WHERE e.id = d.endpoint_id AND NOT e.enabled AND d.status = 'pending';
DROP INDEX webhook_deliveries_completed_idx;
CREATE INDEX deliveries_completed_idx ON deliveries (completed_at) WHERE status IN ('succeeded', 'failed');

-- A delivery's company is always its endpoint's and its event's.
ALTER TABLE webhook_endpoints ADD CONSTRAINT webhook_endpoints_id_company_key UNIQUE (id, company_id);
ALTER TABLE events ADD CONSTRAINT events_id_company_key UNIQUE (id, company_id);
ALTER TABLE deliveries DROP CONSTRAINT webhook_deliveries_endpoint_id_fkey;
ALTER TABLE deliveries DROP CONSTRAINT webhook_deliveries_event_id_fkey;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_endpoint_fkey
    FOREIGN KEY (endpoint_id, company_id) REFERENCES webhook_endpoints (id, company_id) ON DELETE CASCADE;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_event_fkey
    FOREIGN KEY (event_id, company_id) REFERENCES events (id, company_id) ON DELETE CASCADE;

-- Deleting an API key sets its events' `api_key_id` to NULL: without an index that scans the
-- largest table. Nothing reads events by (company, time); retention pruning reads by time.
CREATE INDEX events_api_key_idx ON events (api_key_id) WHERE api_key_id IS NOT NULL;
DROP INDEX events_company_created_idx;
CREATE INDEX events_created_idx ON events (created_at);

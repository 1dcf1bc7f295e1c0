-- Webhook endpoints. Signing secrets are AES-256-GCM sealed like other credentials; while a
-- rotation's 24 hours run, the previous secret signs alongside the new one.
CREATE TABLE webhook_endpoints (
    id                          uuid PRIMARY KEY,
    company_id                  uuid NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    url                         text NOT NULL,
    description                 text NOT NULL DEFAULT '',
    -- Subscribed event types; '*' subscribes to all.
    event_types                 text[] NOT NULL,
    headers                     jsonb NOT NULL DEFAULT '{}',
    timeout_secs                integer NOT NULL DEFAULT 15 CHECK (timeout_secs BETWEEN 1 AND 30),
    enabled                     boolean NOT NULL DEFAULT true,
    disabled_reason             text,
    secret                      bytea NOT NULL,
    previous_secret             bytea,
    previous_secret_until       timestamptz,
    -- Attempts that failed since the last success (Failing when > 0).
    failed_attempts_in_row      integer NOT NULL DEFAULT 0,
    -- Deliveries that exhausted their attempts since the last success (auto-disable).
    failed_deliveries_in_row    integer NOT NULL DEFAULT 0,
    last_attempt_at             timestamptz,
    last_status_code            integer,
    created_at                  timestamptz NOT NULL DEFAULT now(),
    updated_at                  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_endpoints_company_idx ON webhook_endpoints (company_id, created_at);

-- One delivery per (event, endpoint). `next_attempt_at` is also the lease: a claimed delivery's
-- is pushed past the lease, so a crashed worker's claims come due again on their own.
CREATE TABLE webhook_deliveries (
    id                uuid PRIMARY KEY,
    company_id        uuid NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    endpoint_id       uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_id          uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    status            text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
    attempts          integer NOT NULL DEFAULT 0,
    next_attempt_at   timestamptz NOT NULL DEFAULT now(),
    -- Set when claimed; an outcome is recorded only by the claim that holds it.
    claim_id          uuid,
    last_status_code  integer,
    last_error        text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    completed_at      timestamptz
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id, created_at DESC);
CREATE INDEX webhook_deliveries_event_idx ON webhook_deliveries (event_id);
CREATE INDEX webhook_deliveries_completed_idx ON webhook_deliveries (completed_at) WHERE status <> 'pending';

-- Every attempt, as sent and as answered (bodies truncated at 64 KB).
CREATE TABLE webhook_attempts (
    id                bigserial PRIMARY KEY,
    delivery_id       uuid NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempt           integer NOT NULL,
    started_at        timestamptz NOT NULL,
    duration_ms       integer NOT NULL,
    request_headers   jsonb NOT NULL,
    request_body      text NOT NULL,
    response_status   integer,
    response_headers  jsonb,
    response_body     text,
    error             text
);
CREATE INDEX webhook_attempts_delivery_idx ON webhook_attempts (delivery_id, attempt);
CREATE INDEX webhook_attempts_started_idx ON webhook_attempts (started_at);

-- API keys: only a SHA-256 digest of each key is stored (keys are 256-bit random, so a fast hash
-- is safe), with a short preview for the UI. A regenerated key's previous digest keeps working
-- until `previous_valid_until` (the grace period the admin picked).
CREATE TABLE api_keys (
    id                    uuid PRIMARY KEY,
    company_id            uuid NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    name                  text NOT NULL,
    scopes                text[] NOT NULL,
    key_hash              bytea NOT NULL UNIQUE,
    preview               text NOT NULL,
    previous_key_hash     bytea UNIQUE,
    previous_valid_until  timestamptz,
    enabled               boolean NOT NULL DEFAULT true,
    expires_at            timestamptz,
    created_by            uuid REFERENCES users (id) ON DELETE SET NULL,
    created_by_label      text NOT NULL,
    created_at            timestamptz NOT NULL DEFAULT now(),
    regenerated_at        timestamptz,
    last_used_at          timestamptz,
    UNIQUE (company_id, name)
);

-- A company's own event types; the built-in ones live in code.
CREATE TABLE event_types (
    company_id   uuid NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    name         text NOT NULL,
    description  text NOT NULL DEFAULT '',
    example      jsonb NOT NULL DEFAULT '{}',
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (company_id, name)
);

-- Published events, stored before the publish call returns.
CREATE TABLE events (
    id               uuid PRIMARY KEY,
    company_id       uuid NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    event_type       text NOT NULL,
    data             jsonb NOT NULL,
    idempotency_key  text,
    api_key_id       uuid REFERENCES api_keys (id) ON DELETE SET NULL,
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_company_created_idx ON events (company_id, created_at DESC);

-- Idempotency keys seen in the last 24 hours (older rows are pruned, and may be reused).
CREATE TABLE event_idempotency_keys (
    company_id  uuid NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    key         text NOT NULL,
    event_id    uuid NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (company_id, key)
);
CREATE INDEX event_idempotency_keys_created_idx ON event_idempotency_keys (created_at);

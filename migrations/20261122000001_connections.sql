-- A company's connections to catalogue providers. Credentials (tokens, API keys, catch-hook
-- URLs) are one AES-256-GCM blob; nothing secret is stored in plain text.
CREATE TABLE connections (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    company_id          uuid NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    provider            text NOT NULL,
    -- false when the provider allows one account per company (enforced by the index below)
    allow_multiple      boolean NOT NULL,
    status              text NOT NULL CHECK (status IN ('active', 'error', 'pending')),
    account_label       text NOT NULL DEFAULT '',
    connection_info     text NOT NULL DEFAULT '',
    config              jsonb NOT NULL DEFAULT '{}',
    credentials         bytea NOT NULL,
    token_expires_at    timestamptz,
    provider_data       jsonb NOT NULL DEFAULT '{}',
    error_message       text,
    connected_by        uuid REFERENCES users (id) ON DELETE SET NULL,
    connected_by_email  text NOT NULL,
    connected_at        timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    last_refreshed_at   timestamptz
);
CREATE INDEX connections_company_idx ON connections (company_id, connected_at);
CREATE UNIQUE INDEX connections_one_per_provider ON connections (company_id, provider) WHERE NOT allow_multiple;
CREATE INDEX connections_expiring_idx ON connections (token_expires_at) WHERE token_expires_at IS NOT NULL;

-- OAuth authorization requests in flight: single use, bound to the admin's session, short-lived.
CREATE TABLE oauth_states (
    state_hash     bytea PRIMARY KEY,
    company_id     uuid NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    session_id     uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    user_id        uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider       text NOT NULL,
    pkce_verifier  bytea,
    created_at     timestamptz NOT NULL DEFAULT now(),
    expires_at     timestamptz NOT NULL
);
CREATE INDEX oauth_states_expires_idx ON oauth_states (expires_at);

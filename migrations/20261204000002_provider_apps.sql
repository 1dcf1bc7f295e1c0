-- OAuth apps registered in the UI by an installation operator, for providers whose
-- <SLUG>_CLIENT_ID / <SLUG>_CLIENT_SECRET are not set (the environment takes precedence). One
-- per provider for the whole installation: the redirect URI is the installation's.
CREATE TABLE provider_apps (
    provider          text PRIMARY KEY,
    client_id         text NOT NULL,
    -- AES-256-GCM sealed like other credentials, bound to the provider's slug.
    client_secret     bytea NOT NULL,
    -- What the provider said when the credentials were checked on saving.
    check_note        text NOT NULL,
    updated_by_email  text NOT NULL,
    updated_at        timestamptz NOT NULL DEFAULT now()
);

-- Besides the admins of the installation's first company, admins an operator marked with
-- `plugboard admin operator` may register provider apps.
ALTER TABLE users ADD COLUMN installation_operator boolean NOT NULL DEFAULT false;

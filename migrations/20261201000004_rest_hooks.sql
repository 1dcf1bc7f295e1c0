-- Zapier's REST Hooks: a Zap subscribes through the API (POST /api/v1/hooks/subscribe) to one
-- event type. Each subscription is a Zapier connection whose routing is that event type rather
-- than its settings. The target URL stays sealed with the credentials; its SHA-256 lets Zapier
-- unsubscribe by URL.
ALTER TABLE connections ADD COLUMN rest_hook_event text;
ALTER TABLE connections ADD COLUMN rest_hook_target_sha256 bytea;
ALTER TABLE connections ADD CONSTRAINT connections_rest_hook_check
    CHECK ((rest_hook_event IS NULL) = (rest_hook_target_sha256 IS NULL));
CREATE INDEX connections_rest_hooks_idx ON connections (company_id, rest_hook_target_sha256)
    WHERE rest_hook_event IS NOT NULL;

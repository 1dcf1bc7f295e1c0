-- Accounts belong to one company, and an email is unique within its company only: adding an
-- admin must not reveal whether the address has an account elsewhere. (Nothing ever gave an
-- account a second company; any stray extra membership is dropped.)
ALTER TABLE users ADD COLUMN company_id uuid REFERENCES companies (id) ON DELETE CASCADE;
UPDATE users u SET company_id = (
    SELECT m.company_id FROM memberships m WHERE m.user_id = u.id ORDER BY m.created_at LIMIT 1);
DELETE FROM users WHERE company_id IS NULL;
ALTER TABLE users ALTER COLUMN company_id SET NOT NULL;
DELETE FROM memberships m USING users u WHERE u.id = m.user_id AND m.company_id <> u.company_id;
DROP INDEX users_email_key;
CREATE UNIQUE INDEX users_company_email_key ON users (company_id, lower(email));
CREATE INDEX users_email_idx ON users (lower(email));
ALTER TABLE users ADD CONSTRAINT users_id_company_key UNIQUE (id, company_id);
ALTER TABLE memberships ADD CONSTRAINT memberships_user_company_fkey
    FOREIGN KEY (user_id, company_id) REFERENCES users (id, company_id) ON DELETE CASCADE;

-- Custom webhook headers often carry credentials: their values are sealed like the signing
-- secret (one AES-256-GCM blob per endpoint), only the names stay readable. Existing plain
-- values are sealed by the server at start-up (it holds the key), then cleared.
ALTER TABLE webhook_endpoints RENAME COLUMN headers TO legacy_plain_headers;
ALTER TABLE webhook_endpoints ALTER COLUMN legacy_plain_headers DROP NOT NULL;
ALTER TABLE webhook_endpoints ALTER COLUMN legacy_plain_headers DROP DEFAULT;
ALTER TABLE webhook_endpoints ADD COLUMN header_names text[] NOT NULL DEFAULT '{}';
ALTER TABLE webhook_endpoints ADD COLUMN sealed_headers bytea;
UPDATE webhook_endpoints
   SET header_names = ARRAY(SELECT jsonb_object_keys(legacy_plain_headers) ORDER BY 1);
UPDATE webhook_endpoints SET legacy_plain_headers = NULL WHERE legacy_plain_headers = '{}';

-- The attempt log shows custom headers by name only.
UPDATE webhook_attempts a
   SET request_headers = (
       SELECT jsonb_object_agg(h.name, CASE
                  WHEN lower(h.name) IN (SELECT lower(n) FROM unnest(e.header_names) AS n)
                  THEN to_jsonb('[redacted]'::text) ELSE h.value END)
         FROM jsonb_each(a.request_headers) AS h(name, value))
  FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
 WHERE d.id = a.delivery_id AND cardinality(e.header_names) > 0 AND a.request_headers <> '{}';

-- Security-relevant changes, per company, kept with who made them and from where.
CREATE TABLE audit_log (
    id            bigserial PRIMARY KEY,
    company_id    uuid NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    occurred_at   timestamptz NOT NULL DEFAULT now(),
    actor_kind    text NOT NULL CHECK (actor_kind IN ('admin', 'api_key', 'command_line', 'system')),
    -- The admin's or the key's id; no foreign key, the record outlives them.
    actor_id      uuid,
    actor_label   text NOT NULL,
    ip            text,
    action        text NOT NULL,
    target_id     text,
    target_label  text NOT NULL DEFAULT '',
    details       jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_company_idx ON audit_log (company_id, occurred_at DESC, id DESC);

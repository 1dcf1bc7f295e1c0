-- Email forwarding, inbound: each company's address is `<inbound_email_slug>@` the installation's
-- inbound domain (given on first use), and each received mail is remembered by its Message-ID:
-- a provider's retry publishes nothing new, and an answer joins the conversation it answers.
ALTER TABLE companies ADD COLUMN inbound_email_slug text UNIQUE
    CHECK (inbound_email_slug ~ '^[a-z0-9][a-z0-9-]{0,62}$');

CREATE TABLE inbound_emails (
    company_id      uuid NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    message_id      text NOT NULL,
    conversation_id text NOT NULL,
    event_id        uuid NOT NULL,
    provider        text NOT NULL,
    received_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (company_id, message_id)
);
CREATE INDEX inbound_emails_received_idx ON inbound_emails (received_at);

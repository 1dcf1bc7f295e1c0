-- Connections that act: a connection whose settings subscribe to events is a delivery
-- destination like a webhook endpoint, through the same queue.

-- Which event types a connection receives, derived from its settings whenever they are saved.
ALTER TABLE connections ADD COLUMN event_types text[] NOT NULL DEFAULT '{}';
-- Health, as for endpoints: the latest attempt, and failures since the last success.
ALTER TABLE connections ADD COLUMN failed_attempts_in_row integer NOT NULL DEFAULT 0;
ALTER TABLE connections ADD COLUMN last_attempt_at timestamptz;
ALTER TABLE connections ADD COLUMN last_attempt_ok boolean;
ALTER TABLE connections ADD CONSTRAINT connections_id_company_key UNIQUE (id, company_id);
CREATE INDEX connections_subscribed_idx ON connections (company_id) WHERE status = 'active' AND event_types <> '{}';

ALTER TABLE deliveries ALTER COLUMN endpoint_id DROP NOT NULL;
ALTER TABLE deliveries ADD COLUMN connection_id uuid;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_connection_fkey
    FOREIGN KEY (connection_id, company_id) REFERENCES connections (id, company_id) ON DELETE CASCADE;
ALTER TABLE deliveries DROP CONSTRAINT deliveries_destination_kind_check;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_destination_check CHECK (
    (destination_kind = 'webhook' AND endpoint_id IS NOT NULL AND connection_id IS NULL)
    OR (destination_kind = 'connection' AND connection_id IS NOT NULL AND endpoint_id IS NULL));
CREATE INDEX deliveries_connection_idx ON deliveries (connection_id, created_at DESC) WHERE connection_id IS NOT NULL;

-- Existing connections subscribe as their saved settings say (the rules of
-- app::actions::subscriptions when this migration was written).
UPDATE connections c SET event_types = coalesce((
    SELECT array_agg(DISTINCT r.event_type ORDER BY r.event_type)
      FROM (VALUES
            ('slack', 'channel', 'notify_new_conversations', 'conversation.created'),
            ('slack', 'channel', 'notify_escalations', 'escalation.triggered'),
            ('slack', 'channel', 'notify_all_messages', 'message.received'),
            ('slack', 'channel', 'notify_all_messages', 'message.sent'),
            ('telegram', 'alert_chat_id', 'notify_new_conversations', 'conversation.created'),
            ('telegram', 'alert_chat_id', 'notify_escalations', 'escalation.triggered'),
            ('zapier', NULL, 'send_new_conversations', 'conversation.created'),
            ('zapier', NULL, 'send_escalations', 'escalation.triggered'),
            ('zapier', NULL, 'send_conversation_closed', 'conversation.closed'),
            ('zapier', NULL, 'send_contact_created', 'contact.created'),
            ('make', NULL, 'send_new_conversations', 'conversation.created'),
            ('make', NULL, 'send_escalations', 'escalation.triggered'),
            ('make', NULL, 'send_conversation_closed', 'conversation.closed'),
            ('make', NULL, 'send_contact_created', 'contact.created'),
            ('n8n', NULL, 'send_new_conversations', 'conversation.created'),
            ('n8n', NULL, 'send_escalations', 'escalation.triggered'),
            ('n8n', NULL, 'send_conversation_closed', 'conversation.closed'),
            ('n8n', NULL, 'send_contact_created', 'contact.created'))
           AS r(provider, needs, setting, event_type)
     WHERE r.provider = c.provider
       AND (r.needs IS NULL OR btrim(coalesce(c.config ->> r.needs, '')) <> '')
       AND c.config ->> r.setting = 'true'), '{}');

-- Reconnecting an existing connection (its credentials refused): the OAuth flow updates it in
-- place instead of creating another, and its parked deliveries resume.
ALTER TABLE oauth_states ADD COLUMN reconnect_id uuid;

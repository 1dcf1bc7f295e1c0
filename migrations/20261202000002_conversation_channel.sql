-- Connections that act on one channel's conversations only (WhatsApp answers WhatsApp
-- conversations): an event reaches them when its data's `channel` is this. NULL: every event.
ALTER TABLE connections ADD COLUMN conversation_channel text;
UPDATE connections SET conversation_channel = 'whatsapp' WHERE provider = 'whatsapp-business';

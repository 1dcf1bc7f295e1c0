-- Newcomer polish: deliveries made by "Send test" are marked, and connections get names.

-- An event made by a "Send test" (its type's example), so the delivery logs can say so.
ALTER TABLE events ADD COLUMN is_test boolean NOT NULL DEFAULT false;

-- The name an admin gives a connection, so several of one provider tell apart ('' = by the
-- provider's name).
ALTER TABLE connections ADD COLUMN label text NOT NULL DEFAULT '';

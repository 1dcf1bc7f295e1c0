-- An event keeps the id of the API key that published it as a record only: no key and no index
-- on it. Nothing reads events by their key; the key (ON DELETE SET NULL) and its index existed
-- for deleting an API key, and cost every event published with a key an index entry, a lookup
-- of the key's row and a key-share lock on it (a multixact whenever both publishing committers
-- held it at once). After a key is deleted, its events keep the id of a key that no longer
-- exists, which is what they record.

ALTER TABLE events DROP CONSTRAINT events_api_key_id_fkey;
DROP INDEX events_api_key_idx;

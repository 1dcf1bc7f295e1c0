-- Events partitioned by the day (UTC) in their id: ids are time-ordered (UUID version 7, whose
-- first 48 bits are Unix milliseconds), so a range of ids is a range of time and the primary key
-- stays the id alone. Retention drops a day whole (app/src/delivery/partitions.rs); an event a
-- delivery still refers to (one still to send, or finished within the retention) is kept: it
-- moves into `events_default` as its day is dropped. Older events with random ids (UUID version
-- 4) fall in no day and live in the default partition, pruned row by row as before.
--
-- Deliveries lose their key to their event: a partition of a table that other rows refer to
-- cannot be dropped without checking every referring row, and the key cost a lookup and a lock
-- on the event for every delivery queued and finished. Each delivery is queued with its event,
-- in the event's transaction or from another delivery of it; an event goes with its company
-- (whose endpoints and connections take the deliveries), or by retention once no delivery
-- refers to it.

ALTER TABLE deliveries DROP CONSTRAINT deliveries_event_fkey;

CREATE TABLE events_partitioned (LIKE events INCLUDING DEFAULTS INCLUDING CONSTRAINTS)
    PARTITION BY RANGE (id);
CREATE TABLE events_default PARTITION OF events_partitioned DEFAULT;

-- The first id of a UTC day: its Unix milliseconds, then zeros.
CREATE FUNCTION uuid_v7_floor(day date) RETURNS uuid
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT encode(substring(int8send((extract(epoch FROM day) * 1000)::bigint) FROM 3)
                  || '\x00000000000000000000'::bytea, 'hex')::uuid
$$;

-- One partition per day from today to a week ahead.
DO $$
DECLARE
    day date := (now() AT TIME ZONE 'UTC')::date;
    last_day date := (now() AT TIME ZONE 'UTC')::date + 7;
BEGIN
    WHILE day <= last_day LOOP
        EXECUTE format(
            'CREATE TABLE %I PARTITION OF events_partitioned FOR VALUES FROM (%L) TO (%L)',
            'events_p' || to_char(day, 'YYYYMMDD'), uuid_v7_floor(day), uuid_v7_floor(day + 1));
        day := day + 1;
    END LOOP;
END $$;

INSERT INTO events_partitioned SELECT * FROM events;
DROP TABLE events;
ALTER TABLE events_partitioned RENAME TO events;

ALTER TABLE events ADD CONSTRAINT events_pkey PRIMARY KEY (id);
CREATE INDEX events_api_key_idx ON events (api_key_id) WHERE api_key_id IS NOT NULL;
CREATE INDEX events_created_idx ON events (created_at);
ALTER TABLE events ADD CONSTRAINT events_company_id_fkey
    FOREIGN KEY (company_id) REFERENCES companies (id) ON DELETE CASCADE;
ALTER TABLE events ADD CONSTRAINT events_api_key_id_fkey
    FOREIGN KEY (api_key_id) REFERENCES api_keys (id) ON DELETE SET NULL;

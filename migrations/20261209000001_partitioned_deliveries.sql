-- Finished deliveries partitioned by the day (UTC) they finished, beside one partition of the
-- deliveries still to send. Retention keeps a finished delivery 30 days after it finished; at
-- thousands a second, deleting them row by row wrote each row to the WAL again and left the
-- table to vacuum. Now a day past the retention is dropped whole (app/src/delivery/partitions.rs,
-- as for the attempts). The deliveries being sent live in `deliveries_live`, so claiming and
-- recording (which name `finished_on = 'infinity'`) read only it and its small indexes, however
-- long the log grows. A delivery finishes in place, and is filed into its day shortly after, in
-- batches, off the path from publish to first attempt (moving a row between partitions is a
-- delete, an insert and its key checks: done as each outcome was recorded, it made first
-- attempts at 1,000-2,000 events a second 1-2 ms slower).
--
-- `finished_on` is the partition key: a range partition cannot hold NULL, and a partitioned
-- table's primary key must hold its key, so it is a date: 'infinity' while the delivery is live,
-- then the UTC day of `completed_at` (a check allows nothing else). The key becomes
-- (id, finished_on).
--
-- Attempts no longer have a foreign key to their delivery (it would need the delivery's
-- `finished_on`, which changes). Their delivery is only ever deleted with its endpoint or
-- connection (a trigger below deletes their attempts), or by retention, after its attempts. The
-- key check it did on every recorded attempt goes with it.

ALTER TABLE delivery_attempts DROP CONSTRAINT delivery_attempts_delivery_id_fkey;

CREATE TABLE deliveries_partitioned (
    LIKE deliveries INCLUDING DEFAULTS INCLUDING CONSTRAINTS,
    finished_on date NOT NULL DEFAULT 'infinity'
) PARTITION BY RANGE (finished_on);
ALTER TABLE deliveries_partitioned ADD CONSTRAINT deliveries_finished_on_check
    CHECK (finished_on = 'infinity'
           OR (completed_at IS NOT NULL AND finished_on = (completed_at AT TIME ZONE 'UTC')::date));
CREATE TABLE deliveries_live PARTITION OF deliveries_partitioned
    FOR VALUES FROM ('infinity') TO (MAXVALUE);
CREATE TABLE deliveries_default PARTITION OF deliveries_partitioned DEFAULT;

-- One partition per day from the oldest finished delivery kept to a week ahead.
DO $$
DECLARE
    day date := least(
        (SELECT min(completed_at AT TIME ZONE 'UTC')::date FROM deliveries),
        (now() AT TIME ZONE 'UTC')::date);
    last_day date := (now() AT TIME ZONE 'UTC')::date + 7;
BEGIN
    day := coalesce(day, (now() AT TIME ZONE 'UTC')::date);
    WHILE day <= last_day LOOP
        EXECUTE format(
            'CREATE TABLE %I PARTITION OF deliveries_partitioned FOR VALUES FROM (%L) TO (%L)',
            'deliveries_p' || to_char(day, 'YYYYMMDD'), day, day + 1);
        day := day + 1;
    END LOOP;
END $$;

INSERT INTO deliveries_partitioned
SELECT d.*, coalesce((d.completed_at AT TIME ZONE 'UTC')::date, 'infinity'::date) FROM deliveries d;
DROP TABLE deliveries;
ALTER TABLE deliveries_partitioned RENAME TO deliveries;

ALTER TABLE deliveries ADD CONSTRAINT deliveries_pkey PRIMARY KEY (id, finished_on);
CREATE INDEX deliveries_completed_idx ON deliveries (completed_at) WHERE status IN ('succeeded', 'failed');
CREATE INDEX deliveries_connection_idx ON deliveries (connection_id, created_at DESC) WHERE connection_id IS NOT NULL;
CREATE INDEX deliveries_endpoint_idx ON deliveries (endpoint_id, created_at DESC);
CREATE INDEX deliveries_event_idx ON deliveries (event_id);
CREATE INDEX deliveries_due_by_destination_idx
    ON deliveries ((coalesce(endpoint_id, connection_id)), next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_in_flight_idx
    ON deliveries ((coalesce(endpoint_id, connection_id))) WHERE status = 'pending' AND claim_id IS NOT NULL;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_connection_fkey
    FOREIGN KEY (connection_id, company_id) REFERENCES connections (id, company_id) ON DELETE CASCADE;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_endpoint_fkey
    FOREIGN KEY (endpoint_id, company_id) REFERENCES webhook_endpoints (id, company_id) ON DELETE CASCADE;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_event_fkey
    FOREIGN KEY (event_id, company_id) REFERENCES events (id, company_id) ON DELETE CASCADE;

-- A destination deleted (alone or with its company) takes its deliveries (the keys above) and
-- their attempts (here, before the deliveries go, while they can still be found).
CREATE FUNCTION delete_destination_attempts() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'webhook_endpoints' THEN
        DELETE FROM delivery_attempts a USING deliveries d
         WHERE d.endpoint_id = OLD.id AND a.delivery_id = d.id;
    ELSE
        DELETE FROM delivery_attempts a USING deliveries d
         WHERE d.connection_id = OLD.id AND a.delivery_id = d.id;
    END IF;
    RETURN OLD;
END $$;
CREATE TRIGGER webhook_endpoints_delete_attempts BEFORE DELETE ON webhook_endpoints
    FOR EACH ROW EXECUTE FUNCTION delete_destination_attempts();
CREATE TRIGGER connections_delete_attempts BEFORE DELETE ON connections
    FOR EACH ROW EXECUTE FUNCTION delete_destination_attempts();

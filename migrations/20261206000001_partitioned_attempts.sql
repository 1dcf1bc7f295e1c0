-- Delivery attempts partitioned by day (UTC) of `started_at`: at thousands of deliveries a second
-- the log grows by hundreds of millions of rows a day, and deleting them row by row cannot keep
-- up. Retention drops whole days instead (app/src/delivery/partitions.rs creates the days ahead
-- and drops the expired ones). A default partition catches an attempt whose day has no partition
-- yet, so recording an outcome never fails for want of one; the next run moves such rows into
-- their day when it creates it.
--
-- The `id` column goes: nothing reads it, and its index (and the one on `started_at`, which the
-- partitioning replaces) were two of the three indexes every recorded attempt had to update.

ALTER TABLE delivery_attempts RENAME TO delivery_attempts_unpartitioned;
ALTER INDEX delivery_attempts_delivery_idx RENAME TO delivery_attempts_unpartitioned_delivery_idx;

CREATE TABLE delivery_attempts (
    delivery_id       uuid NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
    attempt           integer NOT NULL,
    started_at        timestamptz NOT NULL,
    duration_ms       integer NOT NULL,
    request_headers   jsonb NOT NULL,
    request_body      text NOT NULL,
    response_status   integer,
    response_headers  jsonb,
    response_body     text,
    error             text
) PARTITION BY RANGE (started_at);
CREATE INDEX delivery_attempts_delivery_idx ON delivery_attempts (delivery_id, attempt);
CREATE TABLE delivery_attempts_default PARTITION OF delivery_attempts DEFAULT;

-- One partition per day from the oldest attempt kept to a week ahead.
DO $$
DECLARE
    day date := least(
        (SELECT min(started_at) AT TIME ZONE 'UTC' FROM delivery_attempts_unpartitioned)::date,
        (now() AT TIME ZONE 'UTC')::date);
    last_day date := (now() AT TIME ZONE 'UTC')::date + 7;
BEGIN
    day := coalesce(day, (now() AT TIME ZONE 'UTC')::date);
    WHILE day <= last_day LOOP
        EXECUTE format(
            'CREATE TABLE %I PARTITION OF delivery_attempts FOR VALUES FROM (%L) TO (%L)',
            'delivery_attempts_p' || to_char(day, 'YYYYMMDD'),
            (day::timestamp AT TIME ZONE 'UTC'),
            ((day + 1)::timestamp AT TIME ZONE 'UTC'));
        day := day + 1;
    END LOOP;
END $$;

INSERT INTO delivery_attempts (delivery_id, attempt, started_at, duration_ms, request_headers,
                               request_body, response_status, response_headers, response_body, error)
SELECT delivery_id, attempt, started_at, duration_ms, request_headers, request_body,
       response_status, response_headers, response_body, error
  FROM delivery_attempts_unpartitioned;
DROP TABLE delivery_attempts_unpartitioned;

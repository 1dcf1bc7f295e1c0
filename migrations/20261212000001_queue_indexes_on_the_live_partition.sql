-- The indexes only the queue reads live on `deliveries_live` alone, no longer on every day of
-- finished deliveries. What reads them names `finished_on = 'infinity'` (the claim, parking,
-- the filer), so it only ever scanned the live partition's; the days' copies cost without
-- being read:
-- - `completed_at` (finished deliveries, oldest first: the filer's order) took an entry for
--   every delivery moved into its day, one of the six WAL records of a move (5,000 moves:
--   30,127 records and 3.6 MB of WAL with it, 25,091 and 3.3 MB without), and kept one for
--   every finished delivery of the 30 days on disk;
-- - the due and in-flight indexes (pending deliveries) never held an entry in a day, but every
--   statement moving rows into a day opened them and checked their predicates.
-- The default partition keeps its own `completed_at` index: pruning deletes its legacy rows
-- by it.

DROP INDEX deliveries_completed_idx;
DROP INDEX deliveries_due_by_destination_idx;
DROP INDEX deliveries_in_flight_idx;

CREATE INDEX deliveries_live_completed_idx
    ON deliveries_live (completed_at) WHERE status IN ('succeeded', 'failed');
CREATE INDEX deliveries_default_completed_idx
    ON deliveries_default (completed_at) WHERE status IN ('succeeded', 'failed');
CREATE INDEX deliveries_live_due_idx
    ON deliveries_live ((coalesce(endpoint_id, connection_id)), next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_live_in_flight_idx
    ON deliveries_live ((coalesce(endpoint_id, connection_id))) WHERE status = 'pending' AND claim_id IS NOT NULL;

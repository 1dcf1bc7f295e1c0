-- Fair delivery: the claim walks the destinations that have pending deliveries and takes from
-- each only what its room allows (deliveries in flight below its limit, and its rate limit's
-- share of the current second), so one flooded or slow destination cannot hold every worker.

-- Per endpoint: how many of its deliveries may be in flight at once (NULL: the installation's
-- default), and how many may start per second (NULL: no limit).
ALTER TABLE webhook_endpoints
    ADD COLUMN max_in_flight integer CHECK (max_in_flight BETWEEN 1 AND 1000),
    ADD COLUMN rate_limit_per_second integer CHECK (rate_limit_per_second BETWEEN 1 AND 100000);

-- The claim's way in: pending deliveries by destination, oldest due first. It replaces the
-- index by due time alone (one index to maintain per publish, as before).
CREATE INDEX deliveries_due_by_destination_idx
    ON deliveries ((coalesce(endpoint_id, connection_id)), next_attempt_at) WHERE status = 'pending';
DROP INDEX deliveries_due_idx;

-- Deliveries being sent (claimed, lease running), counted per destination at each claim.
CREATE INDEX deliveries_in_flight_idx
    ON deliveries ((coalesce(endpoint_id, connection_id))) WHERE status = 'pending' AND claim_id IS NOT NULL;

-- How many deliveries of a rate-limited endpoint were claimed in the current second.
CREATE TABLE endpoint_rate_windows (
    endpoint_id  uuid PRIMARY KEY REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    second       timestamptz NOT NULL,
    claimed      integer NOT NULL
);

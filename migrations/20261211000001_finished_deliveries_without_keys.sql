-- A delivery's keys to its endpoint or connection are kept on `deliveries_live` only, where
-- deliveries are queued and sent; the days of finished deliveries no longer have them. The key
-- checks a delivery's move into its day did (a lookup and a key-share lock on the destination's
-- row for every delivery) were about a third of the move's cost, and a large batch of outcomes
-- now moves its deliveries as it records them (app/src/delivery/record.rs): every row reaching a
-- day comes from the live partition, where its keys were checked when it was queued.
--
-- What the keys did for the days, deleting a destination's deliveries with it, the trigger that
-- already deletes their attempts now does too. Whatever moves deliveries out of the live
-- partition takes a key-share lock on their destinations first (as the keys' checks did), so a
-- destination being deleted waits for the move to commit and then finds the moved rows.

ALTER TABLE deliveries DROP CONSTRAINT deliveries_endpoint_fkey;
ALTER TABLE deliveries DROP CONSTRAINT deliveries_connection_fkey;
ALTER TABLE deliveries_live ADD CONSTRAINT deliveries_live_endpoint_fkey
    FOREIGN KEY (endpoint_id, company_id) REFERENCES webhook_endpoints (id, company_id) ON DELETE CASCADE;
ALTER TABLE deliveries_live ADD CONSTRAINT deliveries_live_connection_fkey
    FOREIGN KEY (connection_id, company_id) REFERENCES connections (id, company_id) ON DELETE CASCADE;

-- Runs before the destination's row goes, and so before its key deletes its live deliveries.
CREATE OR REPLACE FUNCTION delete_destination_attempts() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'webhook_endpoints' THEN
        DELETE FROM delivery_attempts a USING deliveries d
         WHERE d.endpoint_id = OLD.id AND a.delivery_id = d.id;
        DELETE FROM deliveries WHERE endpoint_id = OLD.id AND finished_on <> 'infinity';
    ELSE
        DELETE FROM delivery_attempts a USING deliveries d
         WHERE d.connection_id = OLD.id AND a.delivery_id = d.id;
        DELETE FROM deliveries WHERE connection_id = OLD.id AND finished_on <> 'infinity';
    END IF;
    RETURN OLD;
END $$;

-- Events by id, read with a plan made for the ids given. The worker's claim runs on a cached
-- generic plan (planning its CTEs takes longer than running them), and PostgreSQL locks every
-- relation of a cached plan each time it runs it: joined to `events` there, every claim locked
-- each day's partition and its indexes (95 relation locks a claim with a month of days, most
-- past the backend's 16 fast-path slots), though it reads only the days of the events it
-- claimed. Called from the claim, this plans a statement of its own with the ids as a literal,
-- so planning prunes it to their days before anything is locked.
CREATE FUNCTION events_by_ids(ids uuid[])
RETURNS TABLE (id uuid, event_type text, data jsonb, created_at timestamptz)
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
BEGIN
    IF coalesce(cardinality(ids), 0) = 0 THEN
        RETURN;
    END IF;
    RETURN QUERY EXECUTE format(
        'SELECT e.id, e.event_type, e.data, e.created_at FROM events e WHERE e.id = ANY(%L::uuid[])', ids);
END
$$;

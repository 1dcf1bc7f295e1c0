-- Time-ordered ids (RFC 9562 version 7) for events and deliveries. A random id puts each new
-- row's index entry on a random leaf page: once the index outgrows memory every insert reads a
-- page, and the first change to each page after a checkpoint writes the whole page to the WAL.
-- `scripts/bench ids` measures it: 20,000 inserts into a 2-million-row table right after a
-- checkpoint wrote 8,409 full pages (53 MB of WAL) with random ids, 3 (3.1 MB) with these.
-- The application makes event ids itself (uuid's `now_v7`); this is for the deliveries a
-- publish queues in SQL.
--
-- PostgreSQL 18 has `uuidv7()` built in; this is its layout for the versions before it: 48 bits
-- of Unix milliseconds, the version (7), 12 bits of the fraction of the millisecond (so ids
-- made within one millisecond still ascend: with random bits there instead, inserts split
-- the newest index page in the middle and the index came out 40% larger), then the variant and
-- random bits of `gen_random_uuid()`. One expression, so PostgreSQL inlines it; the clock is
-- read twice for that, and an id made across a millisecond's edge may sort just before its
-- neighbour (164 of 200,000 in a test), which costs nothing but a little locality.
CREATE FUNCTION uuid_v7() RETURNS uuid
LANGUAGE sql VOLATILE PARALLEL SAFE
AS $$
    SELECT encode(
        overlay(uuid_send(gen_random_uuid())
                PLACING substring(int8send(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3)
                     || int2send((28672 + floor(extract(microseconds FROM clock_timestamp())::bigint % 1000 * 4.096))::int2)
                FROM 1 FOR 8),
        'hex')::uuid
$$;

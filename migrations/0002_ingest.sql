-- Time-ordered UUIDs (version 7) made in SQL, for the delivery rows that ingest's fan-out creates:
-- 48 bits of Unix milliseconds, then random bits, with the version and variant bits set.
CREATE FUNCTION uuid_v7() RETURNS uuid
LANGUAGE sql VOLATILE PARALLEL SAFE AS $$
    SELECT encode(
        set_bit(set_bit(set_bit(set_bit(
            overlay(uuid_send(gen_random_uuid())
                    PLACING substring(int8send(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3)
                    FROM 1 FOR 6),
            52, 1), 53, 1), 54, 1), 55, 0),
        'hex')::uuid
$$;

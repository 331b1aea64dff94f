-- The dashboard's and GET /api/v1/stats' figures come from hourly buckets that the StatsRollup job fills, plus
-- a scan of what came after the last rolled hour; nothing reads the whole attempts or events table any more.
CREATE TABLE attempt_stats_hourly (
    hour             timestamptz NOT NULL,
    subscription_id  uuid NOT NULL,
    succeeded        bigint NOT NULL,
    failed           bigint NOT NULL,
    duration_ms_sum  bigint NOT NULL,
    PRIMARY KEY (hour, subscription_id)
);

CREATE TABLE event_stats_hourly (
    hour    timestamptz PRIMARY KEY,
    events  bigint NOT NULL
);

-- Up to when the buckets are complete; readers scan the tables from there on.
CREATE TABLE stats_rollup (
    id            int PRIMARY KEY CHECK (id = 1),
    rolled_until  timestamptz NOT NULL
);

-- Rows arrive in time order, so block ranges find a time window for a few kilobytes of index.
CREATE INDEX attempts_at ON attempts USING brin (at);
CREATE INDEX events_created_at ON events USING brin (created_at);

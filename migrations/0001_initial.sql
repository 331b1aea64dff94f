-- The whole model. Hot paths: events and deliveries are written in batches by ingest,
-- deliveries are claimed through deliveries_due and completed by primary key.

CREATE TABLE event_types (
    name            text PRIMARY KEY,
    description     text,
    current_version int NOT NULL,
    archived_at     timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE event_type_versions (
    event_type  text NOT NULL REFERENCES event_types (name),
    version     int NOT NULL,
    schema      json NOT NULL,
    example     json,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (event_type, version)
);

CREATE TABLE partners (
    id          uuid PRIMARY KEY,
    name        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    deleted_at  timestamptz
);

CREATE TABLE api_keys (
    id           uuid PRIMARY KEY,
    name         text NOT NULL,
    prefix       text NOT NULL,
    hash         bytea NOT NULL UNIQUE,
    scopes       text[] NOT NULL,
    partner_id   uuid REFERENCES partners (id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz,
    CHECK (('partner' = ANY (scopes)) = (partner_id IS NOT NULL))
);
CREATE INDEX api_keys_partner ON api_keys (partner_id) WHERE partner_id IS NOT NULL;

CREATE TABLE subscriptions (
    id                    uuid PRIMARY KEY,
    partner_id            uuid NOT NULL REFERENCES partners (id),
    url                   text NOT NULL,
    event_types           text[] NOT NULL,
    description           text,
    headers               jsonb NOT NULL DEFAULT '{}',
    rate_limit_per_second int,
    enabled               boolean NOT NULL DEFAULT true,
    disabled_reason       text,
    disabled_at           timestamptz,
    failing_since         timestamptz,
    failure_streak        int NOT NULL DEFAULT 0,
    last_success_at       timestamptz,
    last_failure_at       timestamptz,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    deleted_at            timestamptz
);
CREATE INDEX subscriptions_partner ON subscriptions (partner_id, id) WHERE deleted_at IS NULL;
CREATE INDEX subscriptions_filters ON subscriptions USING gin (event_types) WHERE deleted_at IS NULL;

-- Secrets are Data Protection payloads; expires_at is set on the old secret when it is rotated.
CREATE TABLE subscription_secrets (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subscription_id  uuid NOT NULL REFERENCES subscriptions (id),
    protected_secret text NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    expires_at       timestamptz
);
CREATE INDEX subscription_secrets_subscription ON subscription_secrets (subscription_id);

CREATE TABLE events (
    id          uuid PRIMARY KEY,
    type        text NOT NULL,
    partner_id  uuid,
    payload     json NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_type ON events (type, id);
CREATE INDEX events_partner ON events (partner_id, id) WHERE partner_id IS NOT NULL;

CREATE TABLE idempotency_keys (
    api_key_id    uuid NOT NULL,
    key           text NOT NULL,
    request_hash  bytea NOT NULL,
    event_id      uuid NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    PRIMARY KEY (api_key_id, key)
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);

-- status: pending (due at next_attempt_at), succeeded, dead, paused (subscription disabled), discarded.
-- A claim moves next_attempt_at to the end of the lease and sets a new lease_token, so an expired
-- lease makes the row due again and every write-back is fenced on the token it took.
CREATE TABLE deliveries (
    id               uuid PRIMARY KEY,
    event_id         uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    subscription_id  uuid NOT NULL REFERENCES subscriptions (id),
    status           text NOT NULL CHECK (status IN ('pending', 'succeeded', 'dead', 'paused', 'discarded')),
    attempt_count    int NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    lease_token      uuid,
    locked_by        text,
    last_attempt_at  timestamptz,
    last_status_code int,
    last_error       text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
) WITH (fillfactor = 80);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_event ON deliveries (event_id);
CREATE INDEX deliveries_subscription ON deliveries (subscription_id, id);
CREATE INDEX deliveries_dead ON deliveries (id) WHERE status = 'dead';
CREATE INDEX deliveries_paused ON deliveries (subscription_id, id) WHERE status = 'paused';

CREATE TABLE attempts (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery_id       uuid NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
    number            int NOT NULL,
    at                timestamptz NOT NULL,
    status_code       int,
    duration_ms       int NOT NULL,
    error_kind        text,
    error             text,
    request_headers   jsonb,
    response_headers  jsonb,
    response_body     text,
    UNIQUE (delivery_id, number)
);

-- Who replayed what, one row per single or bulk replay.
CREATE TABLE replays (
    id            uuid PRIMARY KEY,
    requested_by  text NOT NULL,
    filter        jsonb NOT NULL,
    count         int NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ui_users (
    id               uuid PRIMARY KEY,
    username         text NOT NULL UNIQUE,
    password_hash    text NOT NULL,
    partner_id       uuid REFERENCES partners (id),
    failed_sign_ins  int NOT NULL DEFAULT 0,
    locked_until     timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE data_protection_keys (
    id            int GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    friendly_name text NOT NULL UNIQUE,
    xml           text NOT NULL
);

-- The filters that match an event type: the name itself, each 'prefix.*' above it, and '*'.
CREATE FUNCTION event_type_filters(type_name text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT array_agg(f) FROM (
        SELECT type_name AS f
        UNION ALL SELECT '*'
        UNION ALL SELECT array_to_string((string_to_array(type_name, '.'))[1:n], '.') || '.*'
        FROM generate_series(1, cardinality(string_to_array(type_name, '.')) - 1) AS n
    ) AS filters
$$;

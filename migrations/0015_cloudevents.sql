-- CloudEvents. An event that came in as a CloudEvent keeps its context attributes (everything but data, which is
-- its payload) as the CNCF SDK read them, one string a name; NULL for events posted in the native shape.
ALTER TABLE events ADD COLUMN cloud_event json;

-- A subscription's wire format, and the CloudEvents HTTP webhook handshake that proves its endpoint wants
-- deliveries: while verify_ownership is on and verified_at is NULL, its deliveries wait as paused.
-- allowed_rate_per_minute is the WebHook-Allowed-Rate the endpoint granted (NULL: none given, or '*').
ALTER TABLE subscriptions
    ADD COLUMN format text NOT NULL DEFAULT 'standard-webhooks'
        CHECK (format IN ('standard-webhooks', 'cloudevents-structured', 'cloudevents-binary')),
    ADD COLUMN verify_ownership boolean NOT NULL DEFAULT false,
    ADD COLUMN verified_at timestamptz,
    ADD COLUMN verification_attempted_at timestamptz,
    ADD COLUMN verification_error text,
    ADD COLUMN allowed_rate_per_minute int CHECK (allowed_rate_per_minute > 0);

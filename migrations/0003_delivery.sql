-- A replay gives a delivery a fresh retry budget while its attempt numbers keep counting:
-- the attempts that count against the schedule are those numbered above attempt_base.
ALTER TABLE deliveries ADD COLUMN attempt_base int NOT NULL DEFAULT 0;

-- rateLimitPerSecond across instances: a worker reserves the next send slots of a subscription here,
-- several at a time, and sends each delivery no earlier than its slot.
CREATE TABLE rate_limit_slots (
    subscription_id uuid PRIMARY KEY REFERENCES subscriptions (id) ON DELETE CASCADE,
    next_slot_at    timestamptz NOT NULL
);

CREATE INDEX deliveries_created ON deliveries (created_at, id);

-- The pending deliveries of one subscription: pushed back together while its endpoint's circuit is open.
CREATE INDEX deliveries_pending_subscription ON deliveries (subscription_id) WHERE status = 'pending';

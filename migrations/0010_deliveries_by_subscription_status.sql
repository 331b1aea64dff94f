-- One index for a subscription's deliveries by status, in id order: the pending ones pushed back while its
-- endpoint's circuit is open, the paused ones resumed or discarded, the dead ones listed and counted. It
-- replaces three, so every delivery row that ingest's fan-out writes costs one index entry less.
CREATE INDEX deliveries_subscription_status ON deliveries (subscription_id, status, id);
DROP INDEX deliveries_subscription;
DROP INDEX deliveries_pending_subscription;
DROP INDEX deliveries_paused;

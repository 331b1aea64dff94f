-- A claim holds a delivery until lease_until instead of moving next_attempt_at to the end of the lease. No indexed
-- column changes, so PostgreSQL updates the row in place (a HOT update) with no new entries in the deliveries indexes;
-- lease renewals likewise. A held row stays in deliveries_due, and claims pass over it while its lease lasts.
ALTER TABLE deliveries ADD COLUMN lease_until timestamptz;
-- Rows held by an instance of the previous version keep their lease: for them next_attempt_at is the lease's end.
UPDATE deliveries SET lease_until = next_attempt_at WHERE status = 'pending' AND lease_token IS NOT NULL;

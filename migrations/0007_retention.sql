-- Retention deletes a small share of these tables every few minutes. With the default scale factor (0.2)
-- autovacuum would wait until a fifth of a table is dead; at 0.02 it follows the purge closely, so the
-- freed space is reused by new rows instead of the tables growing.
-- deliveries is left to the delivery queue's own tuning: claims update it all day, so it is vacuumed often anyway.
-- The cascade from events is already indexed: deliveries_event (event_id) and attempts (delivery_id, number).
ALTER TABLE events SET (autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02);
ALTER TABLE attempts SET (autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02);
ALTER TABLE idempotency_keys SET (autovacuum_vacuum_scale_factor = 0.02);

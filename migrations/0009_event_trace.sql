-- The W3C trace context of the request that posted the event, so each delivery attempt joins its trace.
ALTER TABLE events ADD COLUMN trace_parent text;

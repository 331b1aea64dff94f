-- Long admin work (a bulk replay, deleting a partner) runs as a Hangfire job; this row is what the API and the UI
-- show of it, and where a job interrupted by a crash finds its place again: position is the last delivery id it
-- handled, written in the same transaction as the batch it handled.
CREATE TABLE admin_jobs (
    id            uuid PRIMARY KEY,
    kind          text NOT NULL,
    requested_by  text NOT NULL,
    partner_id    uuid,
    hangfire_id   text,
    arguments     jsonb NOT NULL,
    total         bigint NOT NULL,
    done          bigint NOT NULL DEFAULT 0,
    position      uuid,
    created_at    timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz
);

-- Browser sessions live on the server: the cookie carries only a session key, so signing out (deleting the
-- row) ends the session even for a copy of the cookie taken before.
CREATE TABLE ui_sessions (
    key         text PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES ui_users (id) ON DELETE CASCADE,
    ticket      bytea NOT NULL,
    expires_at  timestamptz NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ui_sessions_user ON ui_sessions (user_id);
CREATE INDEX ui_sessions_expiry ON ui_sessions (expires_at);

-- The replay audit also records discards of dead letters: who threw away which deliveries.
ALTER TABLE replays ADD COLUMN action text NOT NULL DEFAULT 'replay' CHECK (action IN ('replay', 'discard'));

-- Accounts: server-side sessions, failed sign-ins (rate limiting), forced password change.

ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0 CHECK (must_change_password IN (0, 1));
ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1));

-- A signed-in browser. The cookie carries a random token; only its SHA-256 is stored, so a copy
-- of the database does not let anyone sign in.
CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    expires_at  TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_user ON sessions(user_id);

-- Failed sign-ins, for rate limiting by user name and by client address.
CREATE TABLE login_failures (
    id        INTEGER PRIMARY KEY,
    username  TEXT NOT NULL,
    client    TEXT NOT NULL,
    at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX login_failures_username ON login_failures(username, at);
CREATE INDEX login_failures_client ON login_failures(client, at);

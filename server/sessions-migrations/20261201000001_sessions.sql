-- The sign-in state, in its own file beside the archive (kehu.db → kehu.sessions.db): SQLite has
-- one write lock per file, and signing in or out must not wait for a long import into the
-- archive. Users live in the archive; a session names its user by id and by the user's session
-- key (users.session_key), which every password change or reset replaces, so a session of an old
-- password is dead the moment the archive commits the new one.

-- A signed-in browser. The cookie carries a random token; only its SHA-256 is stored, so a copy
-- of the database does not let anyone sign in.
CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    user_id     INTEGER NOT NULL,
    user_key    TEXT NOT NULL,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    expires_at  TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_user ON sessions(user_id);
CREATE INDEX sessions_expiry ON sessions(expires_at);

-- Failed sign-ins (and wrong invite codes, and wrong current passwords), for throttling. `name`
-- is what was typed (at most 64 characters are kept), `client` the client's address, `device`
-- the SHA-256 of a known-device cookie that came with the attempt ('' without one).
CREATE TABLE login_failures (
    id      INTEGER PRIMARY KEY,
    name    TEXT NOT NULL,
    client  TEXT NOT NULL,
    device  TEXT NOT NULL DEFAULT '',
    at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX login_failures_name ON login_failures(name, at);
CREATE INDEX login_failures_client ON login_failures(client, at);
CREATE INDEX login_failures_at ON login_failures(at);

-- Browsers a user has signed in from before (a long-lived cookie, only its SHA-256 kept): their
-- sign-ins are not held back by failures that came from elsewhere.
CREATE TABLE known_devices (
    token_hash  TEXT NOT NULL,
    user_id     INTEGER NOT NULL,
    last_used   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    PRIMARY KEY (token_hash, user_id)
) WITHOUT ROWID;
CREATE INDEX known_devices_used ON known_devices(last_used);

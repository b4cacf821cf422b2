-- Customer managers' written reports (SPEC §10): daily log, weekly summary, monthly market
-- report; one per author, kind and period; a manager reviews each once.
CREATE TABLE reports (
    id           INTEGER PRIMARY KEY,
    author_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind         TEXT NOT NULL CHECK (kind IN ('daily', 'weekly', 'monthly')),
    period       TEXT NOT NULL,
    body         TEXT NOT NULL,
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    updated_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    review       TEXT,
    reviewed_by  INTEGER REFERENCES users(id),
    reviewed_at  TEXT,
    version      INTEGER NOT NULL DEFAULT 1,
    UNIQUE (author_id, kind, period)
);
CREATE INDEX reports_period ON reports(period, id);

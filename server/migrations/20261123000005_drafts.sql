-- Draft policies are saved, renamed, duplicated and deleted in the lab. Every change of a draft
-- carries the revision it was based on, so two managers never silently overwrite each other.
ALTER TABLE policies ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
ALTER TABLE policies ADD COLUMN updated_at TEXT;
UPDATE policies SET updated_at = COALESCE(published_at, created_at);

-- Bumped whenever purchases are written (import, demo): the lab's snapshot is rebuilt when it
-- changes — a re-imported month keeps the row count, so counting rows cannot tell.
CREATE TABLE data_version (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    purchases  INTEGER NOT NULL DEFAULT 0
);
INSERT INTO data_version (id, purchases) VALUES (1, 0);

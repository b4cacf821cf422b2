-- Draft policies are saved, renamed, duplicated and deleted in the lab. Every change of a draft
-- carries the revision it was based on, so two managers never silently overwrite each other.
ALTER TABLE policies ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
ALTER TABLE policies ADD COLUMN updated_at TEXT;
UPDATE policies SET updated_at = COALESCE(published_at, created_at);

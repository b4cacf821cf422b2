-- The latest purchase month, kept by the writers of purchases (the import and the demo, in
-- their transaction) so that no page scans every purchase for MAX(month).
ALTER TABLE data_version ADD COLUMN latest_month TEXT;
UPDATE data_version SET latest_month = (SELECT MAX(month) FROM purchases);

-- The latest visits of everyone (the manager's visit log) newest first, and visits in a date
-- range (this month's, the last 90 days') without reading every visit.
CREATE INDEX visits_day ON visits(visited_on, id);

-- The latest purchase month, kept by the writers of purchases (the import and the demo, in
-- their transaction) so that no page scans every purchase for MAX(month).
ALTER TABLE data_version ADD COLUMN latest_month TEXT;
UPDATE data_version SET latest_month = (SELECT MAX(month) FROM purchases);

-- The latest visits of everyone (the manager's visit log) newest first, and visits in a date
-- range (this month's, the last 90 days') without reading every visit.
CREATE INDEX visits_day ON visits(visited_on, id);

-- Which customers' facts changed, so that the kept facts reload those customers only, not
-- everyone (1.7 s at 100,000 customers) after each visit, complaint or edit. Written by
-- triggers, so that no writer can forget it; AUTOINCREMENT keeps the sequence rising even when
-- old rows are purged (a reader behind the oldest row left reloads everyone). Purchases,
-- routes, policies and new customers are marked as before: by the counter in data_version and
-- the fingerprint's counts, each of which reloads everyone.
CREATE TABLE fact_changes (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id  INTEGER NOT NULL,
    at           TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE TRIGGER fact_changes_visit_added AFTER INSERT ON visits
BEGIN INSERT INTO fact_changes (customer_id) VALUES (NEW.customer_id); END;
CREATE TRIGGER fact_changes_visit_changed AFTER UPDATE ON visits
BEGIN
    INSERT INTO fact_changes (customer_id) VALUES (OLD.customer_id);
    INSERT INTO fact_changes (customer_id) SELECT NEW.customer_id WHERE NEW.customer_id <> OLD.customer_id;
END;
CREATE TRIGGER fact_changes_visit_removed AFTER DELETE ON visits
BEGIN INSERT INTO fact_changes (customer_id) VALUES (OLD.customer_id); END;
CREATE TRIGGER fact_changes_rating_added AFTER INSERT ON visit_ratings
BEGIN INSERT INTO fact_changes (customer_id) SELECT customer_id FROM visits WHERE id = NEW.visit_id; END;
CREATE TRIGGER fact_changes_rating_changed AFTER UPDATE ON visit_ratings
BEGIN
    INSERT INTO fact_changes (customer_id) SELECT customer_id FROM visits WHERE id IN (OLD.visit_id, NEW.visit_id);
END;
CREATE TRIGGER fact_changes_rating_removed AFTER DELETE ON visit_ratings
BEGIN INSERT INTO fact_changes (customer_id) SELECT customer_id FROM visits WHERE id = OLD.visit_id; END;
CREATE TRIGGER fact_changes_complaint_added AFTER INSERT ON complaints
BEGIN INSERT INTO fact_changes (customer_id) VALUES (NEW.customer_id); END;
CREATE TRIGGER fact_changes_complaint_changed AFTER UPDATE ON complaints
BEGIN
    INSERT INTO fact_changes (customer_id) VALUES (OLD.customer_id);
    INSERT INTO fact_changes (customer_id) SELECT NEW.customer_id WHERE NEW.customer_id <> OLD.customer_id;
END;
CREATE TRIGGER fact_changes_complaint_removed AFTER DELETE ON complaints
BEGIN INSERT INTO fact_changes (customer_id) VALUES (OLD.customer_id); END;
CREATE TRIGGER fact_changes_customer_changed AFTER UPDATE ON customers
BEGIN INSERT INTO fact_changes (customer_id) VALUES (OLD.id); END;

-- New customers, a route's new customer manager and a publication are taken into the kept facts
-- customer by customer, like a visit or an edit, instead of reloading everyone: a new customer
-- and each customer of a route whose manager changes are marked in fact_changes by triggers; a
-- publication marks the customers whose published band, tier, volume or experience it changed
-- (in its own transaction). Removing customers still reloads everyone (the counter), and so
-- does a write that changes too many customers at once to take in one by one (`reloads`).
DROP TRIGGER data_version_customer_added;
CREATE TRIGGER fact_changes_customer_added AFTER INSERT ON customers
BEGIN INSERT INTO fact_changes (customer_id) VALUES (NEW.id); END;
CREATE TRIGGER fact_changes_route_manager AFTER UPDATE OF manager_id ON routes
WHEN NEW.manager_id IS NOT OLD.manager_id
BEGIN INSERT INTO fact_changes (customer_id) SELECT id FROM customers WHERE route_id = NEW.id; END;
ALTER TABLE data_version ADD COLUMN reloads INTEGER NOT NULL DEFAULT 0;

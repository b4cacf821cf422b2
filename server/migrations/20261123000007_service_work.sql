-- Service work (issue 7): the staff side of complaints, and visit plans.

-- Complaints: who handles them, the attitude the customer showed (its handling guidance is shown
-- to staff), a major complaint's confirmation deadline and its escalation to the working group,
-- the resolution and who closed it. `version` refuses stale changes.
ALTER TABLE complaints ADD COLUMN confirm_due_at TEXT;
ALTER TABLE complaints ADD COLUMN confirmed_at TEXT;
ALTER TABLE complaints ADD COLUMN confirmed_by INTEGER REFERENCES users(id);
ALTER TABLE complaints ADD COLUMN resolution TEXT NOT NULL DEFAULT '';
ALTER TABLE complaints ADD COLUMN closed_by INTEGER REFERENCES users(id);
ALTER TABLE complaints ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
-- NULL until confirmed; 1 = substantiated (属实: handed to the working group), 0 = not.
ALTER TABLE complaints ADD COLUMN substantiated INTEGER CHECK (substantiated IN (0, 1));
ALTER TABLE complaints ADD COLUMN confirm_note TEXT NOT NULL DEFAULT '';
CREATE INDEX complaints_customer_status ON complaints(status, customer_id);

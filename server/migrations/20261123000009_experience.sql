-- The measured experience (issue 7, SPEC §5): the records the experience and expectation scores
-- are computed from, the scores kept with each publication, and the service calendar.

-- Supply and delivery per customer and month, from the logistics system (optional columns of the
-- purchases import): cartons requested (cartons are what was supplied), deliveries made and how
-- many of them were late. NULL: not known.
ALTER TABLE purchases ADD COLUMN requested_cartons INTEGER CHECK (requested_cartons >= 0);
ALTER TABLE purchases ADD COLUMN deliveries INTEGER CHECK (deliveries >= 0);
ALTER TABLE purchases ADD COLUMN late_deliveries INTEGER CHECK (late_deliveries >= 0);

-- A promise or promotion made to the customer at a visit (it raises their expectation).
ALTER TABLE visits ADD COLUMN promise TEXT NOT NULL DEFAULT '';

-- Scores at publication, hundredths of a point; NULL when nothing was recorded. The last
-- publication's experience is the customer's "past experience".
ALTER TABLE assignments ADD COLUMN expectation_centi INTEGER;
ALTER TABLE assignments ADD COLUMN experience_centi INTEGER;
ALTER TABLE assignments ADD COLUMN gap_class TEXT;

-- The service calendar's exceptions to Monday–Friday: public holidays on weekdays and make-up
-- working days (调休) on weekends. Complaint deadlines count working hours over it.
CREATE TABLE calendar_days (
    day      TEXT PRIMARY KEY CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
    kind     TEXT NOT NULL CHECK (kind IN ('holiday', 'workday')),
    note     TEXT NOT NULL DEFAULT '',
    set_by   INTEGER REFERENCES users(id),
    set_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
) WITHOUT ROWID;

-- Change requests: someone who does not own a field asks for a new value; a reviewer approves
-- (applied atomically) or rejects it with a reason. The audit trail names the request.

CREATE TABLE change_requests (
    id             INTEGER PRIMARY KEY,
    customer_id    INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    field          TEXT NOT NULL,
    -- The field's value when the request was filed: approval is refused if it has changed since.
    old_value      TEXT NOT NULL,
    new_value      TEXT NOT NULL,
    reason         TEXT NOT NULL CHECK (length(trim(reason)) > 0),
    status         TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    requested_by   INTEGER NOT NULL REFERENCES users(id),
    requested_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    reviewed_by    INTEGER REFERENCES users(id),
    reviewed_at    TEXT,
    review_reason  TEXT,
    CHECK ((status = 'pending') = (reviewed_by IS NULL))
);
CREATE INDEX change_requests_status ON change_requests(status, id);
CREATE INDEX change_requests_customer ON change_requests(customer_id, id);

ALTER TABLE audit ADD COLUMN request_id INTEGER REFERENCES change_requests(id) ON DELETE SET NULL;

-- Customer self-service (issue 6) and the service records it shows (visits, ratings, disputes,
-- complaints; issue 7 extends the complaint workflow).

-- One-time invite codes a manager prints for a customer: the customer sets their password with
-- it. Only a hash of the code is kept.
CREATE TABLE invites (
    id           INTEGER PRIMARY KEY,
    customer_id  INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    code_hash    TEXT NOT NULL UNIQUE,
    created_by   INTEGER NOT NULL REFERENCES users(id),
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    expires_at   TEXT NOT NULL,
    used_at      TEXT
);
CREATE INDEX invites_customer ON invites(customer_id);

-- A customer manager's visit to a customer (SPEC §10).
CREATE TABLE visits (
    id            INTEGER PRIMARY KEY,
    customer_id   INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    manager_id    INTEGER REFERENCES users(id) ON DELETE SET NULL,
    visited_on    TEXT NOT NULL CHECK (visited_on GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
    purpose       TEXT NOT NULL DEFAULT '',
    findings      TEXT NOT NULL DEFAULT '',
    duration_min  INTEGER NOT NULL DEFAULT 0 CHECK (duration_min >= 0),
    created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX visits_customer ON visits(customer_id, visited_on);
CREATE INDEX visits_manager ON visits(manager_id, visited_on);

-- The customer's rating of a visit (业户测评): once per visit.
CREATE TABLE visit_ratings (
    visit_id   INTEGER PRIMARY KEY REFERENCES visits(id) ON DELETE CASCADE,
    score      INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
    comment    TEXT NOT NULL DEFAULT '',
    rated_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

-- A customer disputes their published classification; a manager answers.
CREATE TABLE disputes (
    id           INTEGER PRIMARY KEY,
    customer_id  INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    policy_id    INTEGER REFERENCES policies(id),
    -- What the customer saw when disputing, e.g. "band 3 · grade 5 · CVS-U-M".
    disputed     TEXT NOT NULL,
    reason       TEXT NOT NULL CHECK (length(trim(reason)) > 0),
    filed_by     INTEGER NOT NULL REFERENCES users(id),
    filed_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    status       TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'upheld', 'corrected')),
    answer       TEXT,
    answered_by  INTEGER REFERENCES users(id),
    answered_at  TEXT,
    CHECK ((status = 'open') = (answered_by IS NULL))
);
CREATE INDEX disputes_status ON disputes(status, id);
CREATE INDEX disputes_customer ON disputes(customer_id, id);

-- Complaints (SPEC §9). `due_at` is the handling deadline in working time, fixed when filed.
CREATE TABLE complaints (
    id           INTEGER PRIMARY KEY,
    customer_id  INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    filed_by     INTEGER NOT NULL REFERENCES users(id),
    filed_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    subject      TEXT NOT NULL CHECK (length(trim(subject)) > 0),
    description  TEXT NOT NULL DEFAULT '',
    severity     TEXT NOT NULL DEFAULT 'general' CHECK (severity IN ('general', 'major')),
    attitude     TEXT CHECK (attitude IN ('insistent', 'hesitant', 'friendly', 'angry')),
    status       TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    due_at       TEXT NOT NULL,
    closed_at    TEXT
);
CREATE INDEX complaints_status ON complaints(status, due_at);
CREATE INDEX complaints_customer ON complaints(customer_id, id);

-- The handling steps done (listen … follow-up visit), each when and by whom.
CREATE TABLE complaint_steps (
    complaint_id  INTEGER NOT NULL REFERENCES complaints(id) ON DELETE CASCADE,
    step          TEXT NOT NULL CHECK (step IN ('listen', 'accept', 'apologise', 'learn_need',
                                                'find_solution', 'explain', 'follow_up')),
    done_by       INTEGER REFERENCES users(id),
    done_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    note          TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (complaint_id, step)
) WITHOUT ROWID;

-- Staff phone numbers: a customer calls their customer manager from the portal.
ALTER TABLE users ADD COLUMN phone TEXT NOT NULL DEFAULT '';

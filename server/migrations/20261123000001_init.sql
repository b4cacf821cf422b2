-- kehu schema, version 1: users and roles, routes, the customer archive (SPEC §2, five groups),
-- monthly purchases, policies and assignments. Later migrations extend it.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'manager', 'customer_manager', 'licence_officer', 'customer')),
    password_hash TEXT,
    customer_id   INTEGER REFERENCES customers(id) ON DELETE CASCADE,
    created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

CREATE TABLE routes (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    manager_id  INTEGER REFERENCES users(id) ON DELETE SET NULL
);
CREATE INDEX routes_manager ON routes(manager_id);

CREATE TABLE customers (
    id                       INTEGER PRIMARY KEY,
    version                  INTEGER NOT NULL DEFAULT 1,
    -- Basic 基础信息
    code                     TEXT NOT NULL UNIQUE,
    shop_name                TEXT NOT NULL,
    licence_no               TEXT NOT NULL DEFAULT '',
    legal_rep                TEXT NOT NULL DEFAULT '',
    settlement_method        TEXT NOT NULL DEFAULT '',
    order_cycle              TEXT NOT NULL DEFAULT '',
    delivery_cycle           TEXT NOT NULL DEFAULT '',
    -- Network 网络信息
    business_nature          TEXT NOT NULL DEFAULT '',
    registered_capital       INTEGER NOT NULL DEFAULT 0,
    display_form             TEXT NOT NULL DEFAULT '',
    district                 TEXT NOT NULL DEFAULT '',
    business_area_m2         REAL NOT NULL DEFAULT 0 CHECK (business_area_m2 >= 0),
    business_format          TEXT NOT NULL CHECK (business_format IN
                               ('grocery', 'convenience', 'supermarket', 'department_store', 'tobacco_liquor', 'entertainment', 'other')),
    market_type              TEXT NOT NULL CHECK (market_type IN ('urban', 'rural')),
    route_id                 INTEGER REFERENCES routes(id) ON DELETE SET NULL,
    phone_clerk              TEXT NOT NULL DEFAULT '',
    delivery_person          TEXT NOT NULL DEFAULT '',
    delivery_segment         TEXT NOT NULL DEFAULT '',
    order_batch              TEXT NOT NULL DEFAULT '',
    visit_batch              TEXT NOT NULL DEFAULT '',
    order_frequency          TEXT NOT NULL DEFAULT '',
    -- Management 管理信息
    monopoly_licence_no      TEXT NOT NULL DEFAULT '',
    licence_type             TEXT NOT NULL DEFAULT '',
    issuing_bureau           TEXT NOT NULL DEFAULT '',
    licence_officer          TEXT NOT NULL DEFAULT '',
    integrity_level          TEXT NOT NULL DEFAULT 'B',
    monitored                INTEGER NOT NULL DEFAULT 0 CHECK (monitored IN (0, 1)),
    demonstration            INTEGER NOT NULL DEFAULT 0 CHECK (demonstration IN (0, 1)),
    licence_issue_date       TEXT NOT NULL DEFAULT '',
    licence_expiry_date      TEXT NOT NULL DEFAULT '',
    annual_review_date       TEXT NOT NULL DEFAULT '',
    violations_12m           INTEGER NOT NULL DEFAULT 0 CHECK (violations_12m >= 0),
    late_payments_12m        INTEGER NOT NULL DEFAULT 0 CHECK (late_payments_12m >= 0),
    -- Business 经营信息
    operating_status         TEXT NOT NULL DEFAULT 'open',
    cooperation              TEXT NOT NULL DEFAULT 'medium',
    business_characteristics TEXT NOT NULL DEFAULT '',
    trade_area               TEXT NOT NULL DEFAULT '',
    -- Personal 个人信息
    contact_person           TEXT NOT NULL DEFAULT '',
    phone                    TEXT NOT NULL DEFAULT '',
    address                  TEXT NOT NULL DEFAULT '',
    mailing_address          TEXT NOT NULL DEFAULT '',
    created_at               TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    updated_at               TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX customers_route ON customers(route_id);
CREATE INDEX customers_format_market ON customers(business_format, market_type);
CREATE INDEX customers_shop_name ON customers(shop_name);

-- Monthly purchases (SPEC §3): cartons (条) and amount in fen.
CREATE TABLE purchases (
    customer_id  INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    month        TEXT NOT NULL CHECK (month GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]'),
    cartons      INTEGER NOT NULL CHECK (cartons >= 0),
    amount_fen   INTEGER NOT NULL CHECK (amount_fen >= 0),
    PRIMARY KEY (customer_id, month)
) WITHOUT ROWID;

-- Classification policies; the body is the engine's Policy JSON. Published ones are locked.
CREATE TABLE policies (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('draft', 'published')),
    version       INTEGER UNIQUE,
    body          TEXT NOT NULL,
    created_by    INTEGER REFERENCES users(id),
    created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    published_at  TEXT,
    CHECK ((status = 'published') = (version IS NOT NULL))
);

-- Each customer's classification under a published policy version, kept as history.
CREATE TABLE assignments (
    policy_id      INTEGER NOT NULL REFERENCES policies(id),
    customer_id    INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    monthly_volume_milli INTEGER NOT NULL,
    band           INTEGER NOT NULL CHECK (band BETWEEN 1 AND 8),
    grade          INTEGER NOT NULL CHECK (grade BETWEEN 1 AND 10),
    class_number   INTEGER NOT NULL CHECK (class_number BETWEEN 1 AND 42),
    value_score_micro INTEGER NOT NULL,
    value_class    TEXT NOT NULL,
    tier           TEXT NOT NULL,
    key_account    TEXT NOT NULL,
    PRIMARY KEY (policy_id, customer_id)
) WITHOUT ROWID;
CREATE INDEX assignments_customer ON assignments(customer_id);
CREATE INDEX assignments_band ON assignments(policy_id, band);

-- Audit trail: who changed what, when, through which request.
CREATE TABLE audit (
    id           INTEGER PRIMARY KEY,
    at           TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    user_id      INTEGER REFERENCES users(id),
    action       TEXT NOT NULL,
    customer_id  INTEGER REFERENCES customers(id) ON DELETE SET NULL,
    field        TEXT,
    old_value    TEXT,
    new_value    TEXT,
    detail       TEXT
);
CREATE INDEX audit_customer ON audit(customer_id);

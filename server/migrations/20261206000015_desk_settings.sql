-- The service desk's settings, one row each: its time zone (`desk_zone`, an IANA name; every
-- time is stored in UTC and shown on the desk's clock, and the work calendar's office hours are
-- read on it). No row: the default (Asia/Shanghai).
CREATE TABLE desk_settings (
    key     TEXT PRIMARY KEY CHECK (key IN ('desk_zone')),
    value   TEXT NOT NULL CHECK (length(value) BETWEEN 1 AND 64),
    set_by  INTEGER REFERENCES users(id),
    set_at  TEXT NOT NULL
) WITHOUT ROWID;

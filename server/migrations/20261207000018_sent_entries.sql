-- What a phone sent under its own key for one entry (a visit logged, a complaint filed, a step of
-- a complaint ticked): the same key sent again — a retry after an answer lost on a bad line, the
-- phone's queue of entries made offline sent twice — finds what the first one made instead of
-- making it again.
CREATE TABLE sent_entries (
    user_id INTEGER NOT NULL REFERENCES users(id),
    entry_key TEXT NOT NULL,
    kind TEXT NOT NULL,
    made_id INTEGER NOT NULL,
    sent_at TEXT NOT NULL,
    PRIMARY KEY (user_id, entry_key)
) WITHOUT ROWID;

-- Sessions and failed sign-ins moved to their own file (kehu.sessions.db, see
-- sessions-migrations/): everyone signs in again once after this upgrade.
DROP TABLE sessions;
DROP TABLE login_failures;

-- A random key per user that every session of theirs carries: a password change or reset gives
-- the user a new one, which ends every older session at once (the sessions live in another file,
-- so this is what makes the change atomic), and a user id reused after `kehu demo` never matches
-- a session of the user who had it before.
ALTER TABLE users ADD COLUMN session_key TEXT NOT NULL DEFAULT '';
UPDATE users SET session_key = lower(hex(randomblob(16)));
CREATE TRIGGER users_session_key AFTER INSERT ON users WHEN NEW.session_key = ''
BEGIN
    UPDATE users SET session_key = lower(hex(randomblob(16))) WHERE id = NEW.id;
END;

-- Web accounts for DMS staff (the staff console): the same accounts as officials' — login,
-- argon2id password, TOTP second factor, lock after failures, one-time set-up link, server-side
-- sessions — held by a staff record instead of a registration body. One table keeps one login
-- namespace and one sign-in procedure; an account belongs to exactly one holder. Each door takes
-- only its own accounts: the officials' web refuses a staff login and the console an official's.

ALTER TABLE officials ALTER COLUMN registration_body_id DROP NOT NULL;
ALTER TABLE officials ADD COLUMN staff_id uuid UNIQUE REFERENCES staff (id);
ALTER TABLE officials ADD CONSTRAINT officials_one_holder
  CHECK ((registration_body_id IS NULL) <> (staff_id IS NULL));

ALTER TABLE web_sessions DROP CONSTRAINT web_sessions_end_reason_check;
ALTER TABLE web_sessions ADD CONSTRAINT web_sessions_end_reason_check
  CHECK (end_reason IN ('sign_out','idle','expired','official_reset','official_disabled','staff_revoked'));

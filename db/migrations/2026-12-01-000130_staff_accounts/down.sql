ALTER TABLE web_sessions DROP CONSTRAINT web_sessions_end_reason_check;
UPDATE web_sessions SET end_reason = 'official_disabled' WHERE end_reason = 'staff_revoked';
ALTER TABLE web_sessions ADD CONSTRAINT web_sessions_end_reason_check
  CHECK (end_reason IN ('sign_out','idle','expired','official_reset','official_disabled'));
DELETE FROM web_sessions WHERE official_id IN (SELECT id FROM officials WHERE staff_id IS NOT NULL);
DELETE FROM officials WHERE staff_id IS NOT NULL;
ALTER TABLE officials DROP CONSTRAINT officials_one_holder;
ALTER TABLE officials DROP COLUMN staff_id;
ALTER TABLE officials ALTER COLUMN registration_body_id SET NOT NULL;

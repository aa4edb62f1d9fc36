DROP INDEX IF EXISTS persons_residence_body;
DROP INDEX IF EXISTS registration_actions_body_names;
DROP INDEX IF EXISTS registration_actions_body_document;
DROP INDEX IF EXISTS registration_actions_body_unzr;
DROP INDEX IF EXISTS registration_actions_body_surname;
DROP INDEX IF EXISTS registration_actions_body_date;
DROP TABLE web_sessions;
DROP TABLE officials;
ALTER TABLE registration_actions DROP CONSTRAINT registration_actions_channel_check;
ALTER TABLE registration_actions ADD CONSTRAINT registration_actions_channel_check
  CHECK (channel IN ('token','trembita','mtls'));

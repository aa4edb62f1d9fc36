ALTER TABLE registration_actions DROP CONSTRAINT registration_actions_channel_check;
ALTER TABLE registration_actions ADD CONSTRAINT registration_actions_channel_check
  CHECK (channel IN ('token','trembita'));
ALTER TABLE credentials DROP CONSTRAINT credentials_kind_check;
ALTER TABLE credentials ADD CONSTRAINT credentials_kind_check
  CHECK (kind IN ('token','trembita'));

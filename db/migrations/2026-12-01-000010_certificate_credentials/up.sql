-- The direct channel in mtls mode: a body proves itself by a client certificate, registered by
-- its SHA-256 fingerprint (lower-case hex); actions arriving that way are on channel 'mtls'.
ALTER TABLE credentials DROP CONSTRAINT credentials_kind_check;
ALTER TABLE credentials ADD CONSTRAINT credentials_kind_check
  CHECK (kind IN ('token','trembita','certificate'));
ALTER TABLE registration_actions DROP CONSTRAINT registration_actions_channel_check;
ALTER TABLE registration_actions ADD CONSTRAINT registration_actions_channel_check
  CHECK (channel IN ('token','trembita','mtls'));

-- The hosted community register (seed 000 §2, the first way): officials of a registration body
-- keep their register in the DMS system through the web. An official signs in with a password
-- (argon2id) and a TOTP code; sessions are kept here, server-side. Actions they submit arrive on
-- channel 'web' with the official as the transport's user.

ALTER TABLE registration_actions DROP CONSTRAINT registration_actions_channel_check;
ALTER TABLE registration_actions ADD CONSTRAINT registration_actions_channel_check
  CHECK (channel IN ('token','trembita','mtls','web'));

CREATE TABLE officials (
  id                    uuid PRIMARY KEY,
  registration_body_id  uuid NOT NULL REFERENCES registration_bodies (id),
  login                 text NOT NULL UNIQUE CHECK (login ~ '^[a-z0-9][a-z0-9._-]{2,63}$'),
  name                  text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  -- argon2id in PHC form; NULL until the official sets it through the one-time link.
  password_hash         text,
  -- RFC 6238 secret (base32), made with the one-time link; enrolled once a code from it is given.
  totp_secret           text,
  totp_enrolled_at      timestamptz,
  -- The time step of the last accepted code: a code is accepted once.
  totp_last_step        bigint,
  -- SHA-256 of the one-time link's secret, and until when it may be used.
  setup_lookup          text UNIQUE,
  setup_expires_at      timestamptz,
  failed_attempts       integer NOT NULL DEFAULT 0,
  locked_until          timestamptz,
  disabled_at           timestamptz,
  created_at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX officials_body ON officials (registration_body_id);

CREATE TABLE web_sessions (
  -- SHA-256 of the cookie's secret: the cookie itself is never stored.
  lookup        text PRIMARY KEY,
  official_id   uuid NOT NULL REFERENCES officials (id),
  csrf_token    text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_seen_at  timestamptz NOT NULL DEFAULT now(),
  -- The absolute limit; the idle limit is counted from last_seen_at.
  expires_at    timestamptz NOT NULL,
  ended_at      timestamptz,
  end_reason    text CHECK (end_reason IN ('sign_out','idle','expired','official_reset','official_disabled'))
);
CREATE INDEX web_sessions_official ON web_sessions (official_id) WHERE ended_at IS NULL;

-- The official's lists: a body's actions by day, and searches by surname + birth date, УНЗР and
-- document number within one body.
CREATE INDEX registration_actions_body_date
  ON registration_actions (registration_body_id, action_date DESC, received_at DESC);
CREATE INDEX registration_actions_body_surname
  ON registration_actions (registration_body_id, lower(body->'person'->>'surname'), (body->'person'->>'birth_date'));
CREATE INDEX registration_actions_body_unzr
  ON registration_actions (registration_body_id, (body->'person'->>'unzr'));
CREATE INDEX registration_actions_body_document
  ON registration_actions (registration_body_id, (body->'person'->'document'->>'number'));
CREATE INDEX registration_actions_body_names
  ON registration_actions (registration_body_id, lower(body->'person'->>'surname'),
    lower(body->'person'->>'given_name'), id);
CREATE INDEX persons_residence_body ON persons (residence_body_id) WHERE residence_body_id IS NOT NULL;

GRANT SELECT, INSERT ON officials, web_sessions TO dms_runtime;
GRANT UPDATE (name, password_hash, totp_secret, totp_enrolled_at, totp_last_step, setup_lookup,
  setup_expires_at, failed_attempts, locked_until, disabled_at) ON officials TO dms_runtime;
GRANT UPDATE (last_seen_at, ended_at, end_reason) ON web_sessions TO dms_runtime;

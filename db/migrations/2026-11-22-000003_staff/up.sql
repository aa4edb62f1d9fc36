-- DMS staff and what they manage: verification requests with working-day deadlines (rule 5),
-- the calendar's data (martial-law periods, overrides) and territorial bans (CMU 1450/2021).

CREATE TABLE staff (
  id          uuid PRIMARY KEY,
  name        text NOT NULL,
  role        text NOT NULL CHECK (role IN ('officer','supervisor','auditor')),
  unit        text NOT NULL,
  -- An officer works within this territory (any codifier level); others see everything.
  territory   text REFERENCES katottg (code),
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz,
  CHECK (role <> 'officer' OR territory IS NOT NULL)
);

CREATE TABLE staff_tokens (
  lookup      text PRIMARY KEY,
  staff_id    uuid NOT NULL REFERENCES staff (id),
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz
);

CREATE TABLE martial_law_periods (
  id         bigserial PRIMARY KEY,
  from_date  date NOT NULL,
  to_date    date,
  basis      text NOT NULL,
  CHECK (to_date IS NULL OR to_date >= from_date)
);
INSERT INTO martial_law_periods (from_date, to_date, basis)
  VALUES ('2022-02-24', NULL, 'Указ Президента України від 24.02.2022 № 64/2022; Закон України № 2136-IX');

CREATE TABLE calendar_overrides (
  day         date PRIMARY KEY,
  working     boolean NOT NULL,
  reason      text NOT NULL,
  created_by  uuid REFERENCES staff (id),
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE territory_restrictions (
  id           uuid PRIMARY KEY,
  katottg      text NOT NULL REFERENCES katottg (code),
  from_date    date NOT NULL,
  to_date      date,
  legal_basis  text NOT NULL,
  created_by   uuid REFERENCES staff (id),
  created_at   timestamptz NOT NULL DEFAULT now(),
  CHECK (to_date IS NULL OR to_date >= from_date)
);
CREATE INDEX territory_restrictions_katottg ON territory_restrictions (katottg);

CREATE TABLE verification_requests (
  id                    uuid PRIMARY KEY,
  registration_body_id  uuid NOT NULL REFERENCES registration_bodies (id),
  created_by            uuid NOT NULL REFERENCES staff (id),
  unit                  text NOT NULL,
  person                jsonb NOT NULL,
  question              text NOT NULL CHECK (question IN ('confirm_current_address','clarify_address','report_deregistration')),
  details               text NOT NULL DEFAULT '',
  created_at            timestamptz NOT NULL DEFAULT now(),
  -- Receipt: the first time the community register listed or fetched the request.
  delivered_at          timestamptz,
  due_date              date,
  answer                jsonb,
  answered_at           timestamptz,
  overdue               boolean NOT NULL DEFAULT false,
  CHECK ((delivered_at IS NULL) = (due_date IS NULL)),
  CHECK ((answer IS NULL) = (answered_at IS NULL))
);
CREATE INDEX verification_requests_body ON verification_requests (registration_body_id, created_at);
CREATE INDEX verification_requests_open ON verification_requests (due_date) WHERE answer IS NULL;

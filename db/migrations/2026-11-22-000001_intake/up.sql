-- The intake's storage: reference data, registration bodies and their credentials, the
-- append-only registration actions with their confirmations, persons, the feeder outbox and
-- the audit log.

CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$;

-- КАТОТТГ, imported from the official codifier. `hromada` is the hromada (H) or special-status
-- city (K) an object lies in, taken from the codifier's own hierarchy columns.
CREATE TABLE katottg (
  code      text PRIMARY KEY CHECK (code ~ '^UA[0-9]{17}$'),
  category  char(1) NOT NULL CHECK (category IN ('O','K','P','H','M','T','X','C','B')),
  name      text NOT NULL,
  parent    text REFERENCES katottg (code) DEFERRABLE INITIALLY DEFERRED,
  hromada   text REFERENCES katottg (code) DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX katottg_hromada ON katottg (hromada);

CREATE TABLE registration_bodies (
  id               uuid PRIMARY KEY,
  edrpou           text NOT NULL UNIQUE CHECK (edrpou ~ '^[0-9]{8}$'),
  name             text NOT NULL,
  hromada_katottg  text NOT NULL REFERENCES katottg (code),
  status           text NOT NULL DEFAULT 'active' CHECK (status IN ('active','suspended')),
  created_at       timestamptz NOT NULL DEFAULT now()
);

-- How a client proves it is a registration body: a bearer token (only its SHA-256 is kept) or a
-- Трембіта client id (INSTANCE/CLASS/MEMBER/SUBSYSTEM) trusted on the Трембіта listener.
CREATE TABLE credentials (
  id                    uuid PRIMARY KEY,
  registration_body_id  uuid NOT NULL REFERENCES registration_bodies (id),
  kind                  text NOT NULL CHECK (kind IN ('token','trembita')),
  lookup                text NOT NULL,
  label                 text NOT NULL DEFAULT '',
  created_at            timestamptz NOT NULL DEFAULT now(),
  revoked_at            timestamptz,
  UNIQUE (kind, lookup)
);

-- DMS numbers: one sequence per year, so numbers restart every year and never repeat. A sequence
-- is not rolled back, so numbers are taken only after every check has passed: a gap means a
-- transaction failed after taking its number (a crash, a lost connection), never a lost action.
-- (A gap-free counter row would serialise every commit behind one lock.)
DO $$
BEGIN
  FOR y IN 2022..2100 LOOP
    EXECUTE format('CREATE SEQUENCE dms_number_%s AS bigint MINVALUE 1', y);
  END LOOP;
END
$$;

CREATE FUNCTION next_dms_number(y integer) RETURNS text LANGUAGE sql AS $$
  SELECT 'DMS-' || y || '-' || lpad(nextval(format('dms_number_%s', y)::regclass)::text, 7, '0')
$$;

CREATE TABLE persons (
  id              uuid PRIMARY KEY,
  person_key      text NOT NULL UNIQUE,
  unzr            text,
  register_entry  boolean NOT NULL DEFAULT false,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX persons_unzr ON persons (unzr) WHERE unzr IS NOT NULL;

CREATE TABLE registration_actions (
  id                    uuid PRIMARY KEY,
  registration_body_id  uuid NOT NULL REFERENCES registration_bodies (id),
  external_id           text NOT NULL,
  action_type           text NOT NULL CHECK (action_type IN (
                          'declaration_of_residence','declaration_of_stay',
                          'registration_of_residence','registration_of_stay',
                          'deregistration_of_residence','deregistration_of_stay','cancellation')),
  action_date           date NOT NULL,
  person_id             uuid REFERENCES persons (id),
  katottg               text REFERENCES katottg (code),
  cancels_action_id     uuid UNIQUE REFERENCES registration_actions (id),
  body                  jsonb NOT NULL,
  body_sha256           bytea NOT NULL CHECK (length(body_sha256) = 32),
  schema_version        text NOT NULL,
  received_at           timestamptz NOT NULL,
  dms_number            text NOT NULL UNIQUE,
  late                  boolean NOT NULL,
  channel               text NOT NULL CHECK (channel IN ('token','trembita')),
  transport_client      text,
  transport_query_id    text,
  transport_user_id     text,
  request_id            text NOT NULL,
  UNIQUE (registration_body_id, external_id),
  CHECK ((action_type = 'cancellation') = (cancels_action_id IS NOT NULL)),
  CHECK ((action_type = 'cancellation') = (person_id IS NULL))
);
CREATE INDEX registration_actions_person ON registration_actions (person_id);
CREATE INDEX registration_actions_received ON registration_actions (received_at);
CREATE TRIGGER registration_actions_append_only BEFORE UPDATE OR DELETE ON registration_actions
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER registration_actions_no_truncate BEFORE TRUNCATE ON registration_actions
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- The signed receipt exactly as first returned; every retry returns these bytes.
CREATE TABLE confirmations (
  action_id   uuid PRIMARY KEY REFERENCES registration_actions (id),
  kid         text NOT NULL,
  receipt     text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER confirmations_append_only BEFORE UPDATE OR DELETE ON confirmations
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER confirmations_no_truncate BEFORE TRUNCATE ON confirmations
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- The feeder's outbox: one item per action, written in the action's transaction.
CREATE TABLE feed_items (
  action_id    uuid PRIMARY KEY REFERENCES registration_actions (id),
  person_id    uuid REFERENCES persons (id),
  state        text NOT NULL CHECK (state IN ('pending','held','in_dataset','accepted','rejected')),
  -- The action's receipt time: data sets take items in this order.
  received_at  timestamptz NOT NULL,
  dataset_seq  bigint,
  reason       text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX feed_items_pending ON feed_items (received_at, action_id) WHERE state = 'pending';
CREATE INDEX feed_items_held ON feed_items (person_id) WHERE state = 'held';

-- Who did what with which record. Append-only; sealed into a hash chain off the hot path.
CREATE TABLE audit_log (
  id           bigserial PRIMARY KEY,
  at           timestamptz NOT NULL DEFAULT now(),
  actor_kind   text NOT NULL,
  actor_id     text,
  channel      text NOT NULL,
  event        text NOT NULL,
  target       text,
  request_id   text,
  details      jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

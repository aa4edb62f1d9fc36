-- Least privilege: the service, the feeder and the everyday commands connect as a login role
-- that is a member of the group role `dms_runtime`; the migrations run as the role that owns the
-- schema. `dms_runtime` owns nothing and holds exactly the privileges the code needs: SELECT
-- and INSERT everywhere it reads and writes, UPDATE only on the columns the code updates, no
-- DELETE or TRUNCATE anywhere (the append-only tables get neither), no DDL.
--
-- A new table gets its grants in the migration that creates it (`GRANT SELECT, INSERT ON t TO
-- dms_runtime`, column UPDATE where the code needs it) and a line in the privilege matrix of
-- `tests/tests/it/privileges.rs`, which fails on any table or grant it does not list.

DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'dms_runtime') THEN
    CREATE ROLE dms_runtime NOLOGIN;
  END IF;
END
$$;

-- Functions: only what the runtime calls (next_dms_number; refuse_change as the triggers' body).
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA public FROM PUBLIC;
GRANT EXECUTE ON FUNCTION next_dms_number(integer), refuse_change() TO dms_runtime;

-- Readiness checks that the newest migration is applied.
GRANT SELECT ON __diesel_schema_migrations TO dms_runtime;

-- Reference data: the codifier is imported by the owner (an operator's act), read by everyone.
GRANT SELECT ON katottg, martial_law_periods TO dms_runtime;

-- Append-only: read and add, never change.
GRANT SELECT, INSERT ON registration_actions, confirmations, audit_log, audit_seals,
  residence_changes, notifications, territory_restrictions TO dms_runtime;

-- Written once, then only the named columns change.
GRANT SELECT, INSERT ON registration_bodies, credentials, persons, feed_items, datasets, staff,
  staff_tokens, calendar_overrides, verification_requests TO dms_runtime;
GRANT UPDATE (status, notifications_acked) ON registration_bodies TO dms_runtime;
GRANT UPDATE (revoked_at) ON credentials TO dms_runtime;
GRANT UPDATE (unzr, register_entry, updated_at, residence_action_id, residence_body_id)
  ON persons TO dms_runtime;
GRANT UPDATE (state, dataset_seq, position, reason, updated_at) ON feed_items TO dms_runtime;
GRANT UPDATE (state, record_count, first_action_id, last_action_id, records_sha256,
  manifest_sha256, attempts, next_attempt_at, last_error, sealed_at, delivered_at,
  acknowledged_at) ON datasets TO dms_runtime;
GRANT UPDATE (revoked_at) ON staff TO dms_runtime;
GRANT UPDATE (revoked_at) ON staff_tokens TO dms_runtime;
GRANT UPDATE (working, reason, created_by, created_at) ON calendar_overrides TO dms_runtime;
GRANT UPDATE (delivered_at, due_date, answer, answered_at, overdue)
  ON verification_requests TO dms_runtime;

-- Sequences: the DMS numbers and the identity columns the runtime inserts into.
DO $$
DECLARE s record;
BEGIN
  FOR s IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = 'public' AND c.relkind = 'S' AND c.relname LIKE 'dms\_number\_%'
  LOOP
    EXECUTE format('GRANT USAGE ON SEQUENCE %I TO dms_runtime', s.relname);
  END LOOP;
END
$$;
GRANT USAGE ON SEQUENCE audit_log_id_seq, notifications_id_seq TO dms_runtime;

-- The staff console's API (issue 13).

-- The document-issuance system is a machine client of the staff API with a role of its own:
-- it may only record a person's first entry into ЄДДР (seed 000 §4b).
ALTER TABLE staff DROP CONSTRAINT staff_role_check;
ALTER TABLE staff ADD CONSTRAINT staff_role_check
  CHECK (role IN ('officer','supervisor','auditor','issuance'));

-- A territorial ban ended early. territory_restrictions stays append-only for the runtime
-- role; an end is a row of its own, at most one per ban, never changed. The ban's effective
-- last day is this row's last_day when there is one (never later than the ban's own to_date,
-- never before its from_date: the service checks both, and that it is not in the past).
CREATE TABLE territory_restriction_ends (
  restriction_id  uuid PRIMARY KEY REFERENCES territory_restrictions (id),
  last_day        date NOT NULL,
  reason          text NOT NULL CHECK (length(btrim(reason)) > 0),
  ended_by        uuid NOT NULL REFERENCES staff (id),
  ended_at        timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER territory_restriction_ends_append_only BEFORE UPDATE OR DELETE
  ON territory_restriction_ends FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER territory_restriction_ends_no_truncate BEFORE TRUNCATE
  ON territory_restriction_ends FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
GRANT SELECT, INSERT ON territory_restriction_ends TO dms_runtime;

-- The auditors' listing of the audit log: newest first, by actor, event (or its prefix) or
-- target.
CREATE INDEX audit_log_actor ON audit_log (actor_id, id);
CREATE INDEX audit_log_event ON audit_log (event text_pattern_ops, id);
CREATE INDEX audit_log_target ON audit_log (target, id);

-- The data sets by state; a data set's verdict counts.
CREATE INDEX datasets_state ON datasets (state, seq);
CREATE INDEX feed_items_dataset_state ON feed_items (dataset_seq, state) WHERE dataset_seq IS NOT NULL;

-- A data set given up after its last attempt goes back to `sealed` when a supervisor
-- re-delivers it: the runtime role already updates state, attempts and next_attempt_at
-- (000020); nothing more is granted.

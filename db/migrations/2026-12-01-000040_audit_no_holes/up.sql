-- An audit log with no holes. Each audit row records the transaction that wrote it; the chain
-- is kept in seal order (`seq`), and each seal run records its horizon, the oldest transaction
-- still running when it looked: every row of a transaction not yet finished then has a txid at
-- or above the horizon, so the next run finds it, however late it commits.
ALTER TABLE audit_log ADD COLUMN txid xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX audit_log_txid ON audit_log (txid);

-- Existing seals keep their order (they were made in audit id order).
ALTER TABLE audit_seals ADD COLUMN seq bigint;
ALTER TABLE audit_seals DISABLE TRIGGER audit_seals_append_only;
UPDATE audit_seals s SET seq = n.seq
  FROM (SELECT audit_id, row_number() OVER (ORDER BY audit_id) AS seq FROM audit_seals) n
  WHERE n.audit_id = s.audit_id;
ALTER TABLE audit_seals ENABLE TRIGGER audit_seals_append_only;
ALTER TABLE audit_seals ALTER COLUMN seq SET NOT NULL,
  ADD CONSTRAINT audit_seals_seq_key UNIQUE (seq),
  ADD CONSTRAINT audit_seals_seq_positive CHECK (seq > 0);

-- One row per seal run: its horizon (pg_snapshot_xmin of the snapshot that chose the rows) and
-- the seals it made. Append-only.
CREATE TABLE audit_seal_runs (
  id         bigserial PRIMARY KEY,
  horizon    xid8 NOT NULL,
  at         timestamptz NOT NULL DEFAULT now(),
  sealed     integer NOT NULL CHECK (sealed >= 0),
  -- The chain's head after the run (NULL while the chain is empty).
  head_seq   bigint
);
CREATE TRIGGER audit_seal_runs_append_only BEFORE UPDATE OR DELETE ON audit_seal_runs
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER audit_seal_runs_no_truncate BEFORE TRUNCATE ON audit_seal_runs
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- Each data set's manifest carries the audit chain's head as it was when the data set was
-- claimed (fixed then, so a rebuilt manifest has the same bytes). NULL: the chain was empty.
ALTER TABLE datasets
  ADD COLUMN audit_head_seq       bigint,
  ADD COLUMN audit_head_audit_id  bigint,
  ADD COLUMN audit_head_hash      text,
  ADD COLUMN audit_head_sealed_at timestamptz;

-- The runtime role (the API verifies; the feeder and `dms-api audit-seal` seal) reads and adds
-- seal runs, never changes them.
GRANT SELECT, INSERT ON audit_seal_runs TO dms_runtime;
GRANT USAGE ON SEQUENCE audit_seal_runs_id_seq TO dms_runtime;

-- The audit log's hash chain, written by a sealing job off the hot path: seal N holds
-- SHA-256(hash of seal N-1 || the canonical text of audit row N). Append-only like the log.
CREATE TABLE audit_seals (
  audit_id   bigint PRIMARY KEY REFERENCES audit_log (id),
  hash       text NOT NULL,
  sealed_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER audit_seals_append_only BEFORE UPDATE OR DELETE ON audit_seals
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER audit_seals_no_truncate BEFORE TRUNCATE ON audit_seals
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

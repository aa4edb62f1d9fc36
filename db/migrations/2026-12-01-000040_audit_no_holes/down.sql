ALTER TABLE datasets DROP COLUMN audit_head_seq, DROP COLUMN audit_head_audit_id,
  DROP COLUMN audit_head_hash, DROP COLUMN audit_head_sealed_at;
DROP TABLE audit_seal_runs;
ALTER TABLE audit_seals DROP COLUMN seq;
DROP INDEX audit_log_txid;
ALTER TABLE audit_log DROP COLUMN txid;

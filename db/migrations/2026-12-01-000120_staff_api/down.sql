DROP INDEX feed_items_dataset_state;
DROP INDEX datasets_state;
DROP INDEX audit_log_target;
DROP INDEX audit_log_event;
DROP INDEX audit_log_actor;
DROP TABLE territory_restriction_ends;
ALTER TABLE staff DROP CONSTRAINT staff_role_check;
ALTER TABLE staff ADD CONSTRAINT staff_role_check
  CHECK (role IN ('officer','supervisor','auditor'));

-- A vendor's reset of its own sandbox data. The runtime role deletes nothing anywhere; this
-- function, owned by the schema owner, deletes one registration body's actions and everything
-- hanging from them, and only in a database the owner has marked as a sandbox (a row in
-- `sandbox_mode`, which the runtime role can read but not write). A production database has no
-- such row, so even a sandbox switch turned on by mistake cannot remove anything there. The
-- audit log keeps every row: the reset is itself audited by the caller in the same transaction.

CREATE TABLE sandbox_mode (
  one       boolean PRIMARY KEY DEFAULT true CHECK (one),
  since     timestamptz NOT NULL DEFAULT now()
);
GRANT SELECT ON sandbox_mode TO dms_runtime;

CREATE FUNCTION sandbox_reset(target_body uuid) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  gone uuid[];
  people uuid[];
  loads uuid[];
BEGIN
  IF NOT EXISTS (SELECT 1 FROM sandbox_mode) THEN
    RAISE EXCEPTION 'this database is not a sandbox' USING ERRCODE = 'insufficient_privilege';
  END IF;
  gone := ARRAY(SELECT id FROM registration_actions WHERE registration_body_id = target_body);
  people := ARRAY(SELECT DISTINCT person_id FROM registration_actions
                  WHERE registration_body_id = target_body AND person_id IS NOT NULL);
  loads := ARRAY(SELECT id FROM bulk_loads WHERE registration_body_id = target_body);
  ALTER TABLE registration_actions DISABLE TRIGGER registration_actions_append_only;
  ALTER TABLE confirmations DISABLE TRIGGER confirmations_append_only;

  DELETE FROM bulk_load_conflicts WHERE load_id = ANY(loads)
    OR action_id = ANY(gone) OR other_action_id = ANY(gone);
  DELETE FROM bulk_load_refusals WHERE load_id = ANY(loads);
  DELETE FROM bulk_load_lines WHERE load_id = ANY(loads);
  UPDATE persons SET residence_action_id = NULL, residence_body_id = NULL, updated_at = now()
    WHERE residence_action_id = ANY(gone);
  DELETE FROM notifications WHERE registration_body_id = target_body
    OR action_id = ANY(gone) OR previous_action_id = ANY(gone);
  DELETE FROM residence_changes WHERE action_id = ANY(gone);
  UPDATE residence_changes SET previous_action_id = NULL, previous_body_id = NULL
    WHERE previous_action_id = ANY(gone);
  DELETE FROM feed_items WHERE action_id = ANY(gone);
  DELETE FROM confirmations WHERE action_id = ANY(gone);
  DELETE FROM registration_actions WHERE id = ANY(gone);
  DELETE FROM bulk_loads WHERE id = ANY(loads);
  DELETE FROM verification_answer_corrections WHERE request_id IN
    (SELECT id FROM verification_requests WHERE registration_body_id = target_body);
  DELETE FROM verification_requests WHERE registration_body_id = target_body;
  DELETE FROM persons p WHERE p.id = ANY(people)
    AND NOT EXISTS (SELECT 1 FROM registration_actions a WHERE a.person_id = p.id)
    AND NOT EXISTS (SELECT 1 FROM feed_items f WHERE f.person_id = p.id)
    AND NOT EXISTS (SELECT 1 FROM residence_changes r WHERE r.person_id = p.id)
    AND NOT EXISTS (SELECT 1 FROM bulk_load_conflicts c WHERE c.person_id = p.id);
  UPDATE registration_bodies SET notifications_acked = 0 WHERE id = target_body;

  ALTER TABLE registration_actions ENABLE TRIGGER registration_actions_append_only;
  ALTER TABLE confirmations ENABLE TRIGGER confirmations_append_only;
  RETURN cardinality(gone);
END
$$;
REVOKE EXECUTE ON FUNCTION sandbox_reset(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION sandbox_reset(uuid) TO dms_runtime;

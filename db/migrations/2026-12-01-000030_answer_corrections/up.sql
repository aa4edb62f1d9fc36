-- A registration body may correct its answer to a verification request within a window after
-- the first answer. The first answer stays where it was (verification_requests.answer, whose
-- time counts for the deadline); each correction is appended here, never changed.
CREATE TABLE verification_answer_corrections (
  id          bigserial PRIMARY KEY,
  request_id  uuid NOT NULL REFERENCES verification_requests (id),
  answer      jsonb NOT NULL,
  corrected_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX verification_answer_corrections_request
  ON verification_answer_corrections (request_id, id);
CREATE TRIGGER verification_answer_corrections_append_only
  BEFORE UPDATE OR DELETE ON verification_answer_corrections
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER verification_answer_corrections_no_truncate
  BEFORE TRUNCATE ON verification_answer_corrections
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
-- The runtime role appends corrections and reads them (docs/design-notes.md, least privilege).
GRANT SELECT, INSERT ON verification_answer_corrections TO dms_runtime;
GRANT USAGE ON SEQUENCE verification_answer_corrections_id_seq TO dms_runtime;

-- The lines of a bulk load as uploaded are needed until the worker has applied them. After that
-- the stored actions, their receipts and the load's results (line number, external id, defect,
-- refusal) are the record; the line text is one more copy of the persons' data. The scheduled
-- job `bulk-lines-purge` clears it once a load has been done for the retention period.
--
-- The runtime role still updates nothing in `bulk_load_lines`: this function, owned by the
-- schema owner, clears at most `max_lines` lines of one finished load per call and moves that
-- load's purge cursor in the same transaction, so a job cut off anywhere resumes where the last
-- commit left it, and no transaction holds more than one window of lines. Whatever cut-off the
-- caller names, a load done less than a day ago keeps its text: the runtime role cannot clear
-- what a register may still be reading back.

ALTER TABLE bulk_loads
  -- The lines up to this number have had their text cleared.
  ADD COLUMN lines_purged_through integer NOT NULL DEFAULT 0 CHECK (lines_purged_through >= 0),
  -- Set when the last window of lines was cleared.
  ADD COLUMN lines_purged_at timestamptz,
  ADD CONSTRAINT bulk_loads_purged_when_done
    CHECK ((lines_purged_through = 0 AND lines_purged_at IS NULL) OR state = 'done');

CREATE INDEX bulk_loads_unpurged ON bulk_loads (finished_at)
  WHERE state = 'done' AND lines_purged_at IS NULL;

CREATE FUNCTION purge_bulk_load_lines(finished_before timestamptz, max_lines integer)
RETURNS TABLE (load_id uuid, cleared integer, through_line integer, complete boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  target  bulk_loads%ROWTYPE;
  last    integer;
  upto    integer;
  n       integer;
BEGIN
  IF max_lines IS NULL OR max_lines < 1 THEN
    RAISE EXCEPTION 'max_lines must be at least 1' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  finished_before := least(finished_before, now() - interval '1 day');
  SELECT * INTO target FROM bulk_loads b
   WHERE b.state = 'done' AND b.lines_purged_at IS NULL AND b.finished_at < finished_before
   ORDER BY b.finished_at, b.id
   LIMIT 1
   FOR UPDATE SKIP LOCKED;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  SELECT coalesce(max(l.line_no), 0) INTO last FROM bulk_load_lines l WHERE l.load_id = target.id;
  upto := target.lines_purged_through + least(max_lines, last - target.lines_purged_through);
  UPDATE bulk_load_lines l SET raw = ''
   WHERE l.load_id = target.id
     AND l.line_no > target.lines_purged_through AND l.line_no <= upto
     AND l.raw <> '';
  GET DIAGNOSTICS n = ROW_COUNT;
  UPDATE bulk_loads b
     SET lines_purged_through = upto,
         lines_purged_at = CASE WHEN upto >= last THEN now() END
   WHERE b.id = target.id;
  load_id := target.id;
  cleared := n;
  through_line := upto;
  complete := upto >= last;
  RETURN NEXT;
END
$$;
REVOKE EXECUTE ON FUNCTION purge_bulk_load_lines(timestamptz, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION purge_bulk_load_lines(timestamptz, integer) TO dms_runtime;

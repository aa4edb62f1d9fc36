CREATE OR REPLACE VIEW dataset_ranges AS
SELECT seq,
       COALESCE(lag(range_xid) OVER w, '0'::xid8) AS lo_xid,
       COALESCE(lag(range_action_id) OVER w, '00000000-0000-0000-0000-000000000000'::uuid) AS lo_action_id,
       range_xid AS hi_xid, range_action_id AS hi_action_id
FROM datasets WHERE range_xid IS NOT NULL
WINDOW w AS (ORDER BY seq);
DROP INDEX datasets_range_start;
ALTER TABLE datasets DROP CONSTRAINT datasets_range_order, DROP CONSTRAINT datasets_range_from,
  DROP COLUMN range_from_action_id, DROP COLUMN range_from_xid;

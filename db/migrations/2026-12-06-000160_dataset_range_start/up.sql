-- A ranged data set records where its range starts, as its claim saw it. A claim stores its
-- range only if it starts at the last stored range's end (the claim's INSERT checks it with a
-- fresh snapshot), no two ranges start at the same place (a unique index: a concurrent claim
-- from the same end waits, then fails), and each range ends after it starts. Derived from the
-- previous data set's end alone (the view of migration 000140), a range could not show that a
-- claim had read a stale end: a fault run once found a data set holding fewer records than its
-- claim had counted (60 claimed, 38 in its range), which is what a claim made from an earlier
-- end than the last one looks like. Now such a claim cannot be stored at all.
ALTER TABLE datasets ADD COLUMN range_from_xid xid8, ADD COLUMN range_from_action_id uuid;
UPDATE datasets d SET range_from_xid = r.lo_xid, range_from_action_id = r.lo_action_id
  FROM dataset_ranges r WHERE r.seq = d.seq;
ALTER TABLE datasets
  ADD CONSTRAINT datasets_range_from
    CHECK ((range_from_xid IS NULL) = (range_xid IS NULL)
       AND (range_from_xid IS NULL) = (range_from_action_id IS NULL)),
  ADD CONSTRAINT datasets_range_order
    CHECK ((range_from_xid, range_from_action_id) < (range_xid, range_action_id));
CREATE UNIQUE INDEX datasets_range_start ON datasets (range_from_xid, range_from_action_id)
  WHERE range_from_xid IS NOT NULL;

CREATE OR REPLACE VIEW dataset_ranges AS
SELECT seq, range_from_xid AS lo_xid, range_from_action_id AS lo_action_id,
       range_xid AS hi_xid, range_action_id AS hi_action_id
FROM datasets WHERE range_xid IS NOT NULL;

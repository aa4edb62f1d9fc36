-- Items claimed by range go back to the item-by-item form, so that no claim takes them again.
ALTER TABLE feed_items DROP CONSTRAINT feed_items_claimed;
UPDATE feed_items f SET state = 'in_dataset', dataset_seq = p.seq, position = p.pos
FROM (SELECT f2.action_id, r.seq,
             row_number() OVER (PARTITION BY r.seq ORDER BY f2.queued_xid, f2.action_id) AS pos
      FROM feed_items f2 JOIN dataset_ranges r
        ON (f2.queued_xid, f2.action_id) > (r.lo_xid, r.lo_action_id)
       AND (f2.queued_xid, f2.action_id) <= (r.hi_xid, r.hi_action_id)
      WHERE f2.state = 'pending') p
WHERE f.action_id = p.action_id;
ALTER TABLE feed_items
  ADD CONSTRAINT feed_items_claimed CHECK ((state IN ('pending','held')) = (dataset_seq IS NULL));
DROP VIEW feed_places;
DROP VIEW dataset_ranges;
ALTER TABLE datasets DROP COLUMN range_xid, DROP COLUMN range_action_id;
DROP INDEX feed_items_queue;
CREATE INDEX feed_items_pending ON feed_items (received_at, action_id) WHERE state = 'pending';
ALTER TABLE feed_items DROP COLUMN queued_xid;

DROP VIEW feed_places;
DROP VIEW dataset_ranges;
ALTER TABLE datasets DROP COLUMN range_xid, DROP COLUMN range_action_id;
DROP INDEX feed_items_queue;
CREATE INDEX feed_items_pending ON feed_items (received_at, action_id) WHERE state = 'pending';
ALTER TABLE feed_items DROP COLUMN queued_xid;

DROP INDEX feed_items_dataset_position;
ALTER TABLE feed_items DROP CONSTRAINT feed_items_claimed, DROP COLUMN position;
DROP TABLE datasets;

DROP TRIGGER feed_items_requeue ON feed_items;
DROP FUNCTION feed_items_requeue();

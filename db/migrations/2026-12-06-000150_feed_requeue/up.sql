-- An item that becomes pending later (a held item released by its register entry) takes the
-- place in the feed of the transaction that releases it, whatever code does the release: an
-- older place could lie inside a range already claimed (migration 000140), and the item would
-- never be sent.
CREATE FUNCTION feed_items_requeue() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.state = 'pending' AND OLD.state IS DISTINCT FROM 'pending' THEN
    NEW.queued_xid := pg_current_xact_id();
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER feed_items_requeue BEFORE UPDATE OF state ON feed_items
  FOR EACH ROW EXECUTE FUNCTION feed_items_requeue();

-- Data sets for ЄДДР: each claims a run of feed items; files are written, sealed into a manifest
-- chain, delivered, and acknowledged per record.
CREATE TABLE datasets (
  seq                       bigint PRIMARY KEY CHECK (seq > 0),
  state                     text NOT NULL CHECK (state IN ('building','sealed','delivered','acknowledged','failed')),
  created_at                timestamptz NOT NULL,
  record_count              integer NOT NULL,
  first_action_id           uuid,
  last_action_id            uuid,
  previous_manifest_sha256  text,
  records_sha256            text,
  manifest_sha256           text,
  attempts                  integer NOT NULL DEFAULT 0,
  next_attempt_at           timestamptz,
  last_error                text,
  sealed_at                 timestamptz,
  delivered_at              timestamptz,
  acknowledged_at           timestamptz
);

-- No foreign key from feed_items.dataset_seq: only the claim (under the builder lock) sets it,
-- and the per-row check would cost a third of the claim's time on large data sets.
ALTER TABLE feed_items
  ADD COLUMN position integer,
  ADD CONSTRAINT feed_items_claimed CHECK ((state IN ('pending','held')) = (dataset_seq IS NULL));
CREATE UNIQUE INDEX feed_items_dataset_position ON feed_items (dataset_seq, position) WHERE dataset_seq IS NOT NULL;

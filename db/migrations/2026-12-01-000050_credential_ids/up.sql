-- Staff tokens get an id, so one token can be revoked by it (body credentials already have one).
ALTER TABLE staff_tokens ADD COLUMN id uuid NOT NULL DEFAULT gen_random_uuid();
ALTER TABLE staff_tokens ADD CONSTRAINT staff_tokens_id_key UNIQUE (id);

-- The runtime role already inserts and selects staff_tokens and updates only revoked_at;
-- the new column needs no grant of its own (table-level INSERT and SELECT cover it).
GRANT SELECT, INSERT ON staff_tokens TO dms_runtime;

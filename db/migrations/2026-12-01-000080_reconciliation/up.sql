-- Reconciliation: a body lists its own actions in order of receipt (ids are UUIDv7) and digests
-- a Kyiv day's actions by time of receipt.
CREATE INDEX registration_actions_body_id ON registration_actions (registration_body_id, id);
CREATE INDEX registration_actions_body_received ON registration_actions (registration_body_id, received_at);

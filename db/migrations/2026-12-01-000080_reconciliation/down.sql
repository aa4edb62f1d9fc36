DROP INDEX IF EXISTS registration_actions_body_received;
DROP INDEX IF EXISTS registration_actions_body_id;

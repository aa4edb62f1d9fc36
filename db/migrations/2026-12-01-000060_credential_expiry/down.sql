ALTER TABLE staff_tokens DROP COLUMN expires_at;
ALTER TABLE credentials DROP COLUMN expires_at;

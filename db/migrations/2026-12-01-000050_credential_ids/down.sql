ALTER TABLE staff_tokens DROP COLUMN id;

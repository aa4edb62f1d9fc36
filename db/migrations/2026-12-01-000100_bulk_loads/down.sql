ALTER TABLE registration_actions DROP CONSTRAINT registration_actions_historical_check,
  DROP COLUMN bulk_load_id, DROP COLUMN historical;
DROP TABLE bulk_load_conflicts;
DROP TABLE bulk_load_refusals;
DROP TABLE bulk_load_lines;
DROP TABLE bulk_loads;

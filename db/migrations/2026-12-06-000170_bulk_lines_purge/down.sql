DROP FUNCTION purge_bulk_load_lines(timestamptz, integer);
DROP INDEX bulk_loads_unpurged;
ALTER TABLE bulk_loads
  DROP CONSTRAINT bulk_loads_purged_when_done,
  DROP COLUMN lines_purged_at,
  DROP COLUMN lines_purged_through;

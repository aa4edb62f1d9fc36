DROP INDEX IF EXISTS katottg_parent;
DROP TABLE katottg_editions;

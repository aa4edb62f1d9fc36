DROP FUNCTION sandbox_reset(uuid);
DROP TABLE sandbox_mode;

-- The role itself is shared by every database of the server and is left in place.
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM dms_runtime;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM dms_runtime;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA public FROM dms_runtime;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO PUBLIC;

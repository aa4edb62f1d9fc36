DROP TABLE audit_log, feed_items, confirmations, registration_actions, persons,
  credentials, registration_bodies, katottg;
DROP FUNCTION refuse_change();
DROP FUNCTION next_dms_number(integer);
DO $$ BEGIN FOR y IN 2022..2100 LOOP EXECUTE format('DROP SEQUENCE dms_number_%s', y); END LOOP; END $$;

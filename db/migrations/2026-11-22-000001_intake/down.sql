DROP TABLE audit_log, feed_items, confirmations, registration_actions, persons,
  dms_number_counters, credentials, registration_bodies, katottg;
DROP FUNCTION refuse_change();

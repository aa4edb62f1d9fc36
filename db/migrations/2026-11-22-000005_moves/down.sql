ALTER TABLE registration_bodies DROP COLUMN notifications_acked;
DROP TABLE notifications, residence_changes;
ALTER TABLE persons DROP COLUMN residence_action_id, DROP COLUMN residence_body_id;

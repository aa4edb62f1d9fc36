-- The SQL the intake handler performs for one new submission (ops/bench intake runs it with
-- pgbench as the baseline): authenticate, then one transaction (here a declaration of residence
-- by a new person: its ban check, residence change and audit row). The statements are the
-- service's own (db/src/actions/statements.rs). The service sends BEGIN, the lock and the opening
-- statement in one round trip and the closing statement with COMMIT in another; pgbench sends
-- them one by one (it cannot \gset inside a pipeline).
\set n random(1, 2000000000)
SELECT b.id, b.edrpou, b.name, b.hromada_katottg, b.status, b.created_at FROM credentials c JOIN registration_bodies b ON b.id = c.registration_body_id WHERE c.kind = 'token' AND c.lookup = :lookup::text AND c.revoked_at IS NULL LIMIT 1;
BEGIN;
SELECT pg_advisory_xact_lock(hashtextextended(:body_id::text || '/pgb-' || :client_id::text || '-' || :n::text, 0));
WITH person AS (
  INSERT INTO persons AS p (id, person_key, unzr) VALUES (gen_random_uuid(), 'pgbench-person-' || :n::text, NULL)
  ON CONFLICT (person_key) DO UPDATE SET updated_at = now()
  RETURNING p.id, p.register_entry, p.residence_action_id, p.residence_body_id),
taken AS (
  SELECT EXISTS (SELECT 1 FROM registration_actions
                 WHERE registration_body_id = :body_id::uuid AND external_id = 'pgb-' || :client_id::text || '-' || :n::text) AS taken),
ban AS (
  SELECT tr.legal_basis FROM territory_restrictions tr
  LEFT JOIN territory_restriction_ends tre ON tre.restriction_id = tr.id
  WHERE tr.katottg = ANY (ARRAY['UA68040470010096613', 'UA68040470000053519', 'UA68040000000086061', 'UA68000000000099709']) AND tr.from_date <= current_date
    AND (tre.last_day >= current_date OR (tre.last_day IS NULL AND (tr.to_date IS NULL OR tr.to_date >= current_date)))
  ORDER BY tr.from_date LIMIT 1),
action AS (
  INSERT INTO registration_actions (id, registration_body_id, external_id, action_type, action_date, person_id, katottg, body, body_sha256,
    schema_version, received_at, dms_number, late, channel, transport_client, transport_query_id, transport_user_id, request_id)
  SELECT gen_random_uuid(), :body_id::uuid, 'pgb-' || :client_id::text || '-' || :n::text, 'declaration_of_residence', current_date, person.id, 'UA68040470010096613',
    '{"external_id":"x","action":{"type":"declaration_of_residence","date":"2026-11-22"},"person":{"unzr":"19900315-12346","rnokpp":"3294631448","surname":"Шевченко","given_name":"Олена","patronymic":"Петрівна","birth_date":"1990-03-15","sex":"female","document":{"type":"id_card","number":"004512876"}},"address":{"katottg":"UA68040470010096613","street":"вулиця Проскурівська","building":"12","apartment":"5","postal_code":"29000"}}'::jsonb,
    sha256(convert_to(:n::text, 'UTF8')), 'registration-action.v1', now(), next_dms_number(:year::int), false, 'token', NULL, NULL, NULL, 'pgbench'
  FROM person
  WHERE NOT (SELECT taken FROM taken) AND NOT EXISTS (SELECT 1 FROM ban)
  RETURNING id, dms_number)
SELECT person.id AS person_id, (SELECT id FROM action) AS action_id, (SELECT dms_number FROM action) AS dms_number FROM person \gset
WITH confirmation AS (
  INSERT INTO confirmations (action_id, kid, receipt) VALUES (:action_id::uuid, 'dms-bench', repeat('x', 1100))),
feed AS (
  INSERT INTO feed_items (action_id, person_id, received_at, state) VALUES (:action_id::uuid, :person_id::uuid, now(), 'held')),
change AS (
  INSERT INTO residence_changes (action_id, person_id, previous_action_id, previous_body_id)
  SELECT :action_id::uuid, :person_id::uuid, NULL, NULL WHERE true),
moved AS (
  UPDATE persons SET residence_action_id = :action_id::uuid, residence_body_id = :body_id::uuid, updated_at = now()
  WHERE id = :person_id::uuid AND true),
notice AS (
  INSERT INTO notifications (registration_body_id, kind, action_id, previous_action_id, effective_date)
  SELECT NULL, 'resident_registered_elsewhere', :action_id::uuid, NULL, current_date WHERE false)
INSERT INTO audit_log (actor_kind, actor_id, channel, event, target, request_id, details)
VALUES ('registration_body', :body_id::text, 'token', 'registration_action.create', :action_id::text, 'pgbench',
  jsonb_build_object('dms_number', :dms_number::text, 'action_type', 'declaration_of_residence'));
COMMIT;

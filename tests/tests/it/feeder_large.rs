//! A data set large enough to be read in two spans over two connections at once: every record
//! is in it once, in feed order, the signed chain verifies, and a feeder killed mid-write
//! rebuilds it to the same end.

use diesel_async::SimpleAsyncConnection;
use dms_tests::process::feeder::{dataset_dirs, read_records, temp_outbox};
use dms_tests::spawn_app;

const ACTIONS: u32 = 12_000;

/// `ACTIONS` confirmed actions of persons known to ЄДДР, written in one transaction (the intake
/// itself is tested elsewhere), as the bulk bench does.
const GENERATE: &str = "BEGIN;
INSERT INTO persons (id, person_key, unzr, register_entry)
  SELECT gen_random_uuid(), 'unzr:large-' || n, 'large-' || n, true FROM generate_series(1, 12000) n;
CREATE TEMP TABLE gen AS
  SELECT n, p.id AS person_id, gen_random_uuid() AS action_id,
         timestamptz '2026-11-02 06:00:00+00' + n * interval '1 second' AS received_at
  FROM generate_series(1, 12000) n JOIN persons p ON p.person_key = 'unzr:large-' || n;
INSERT INTO registration_actions (id, registration_body_id, external_id, action_type, action_date,
    person_id, katottg, body, body_sha256, schema_version, received_at, dms_number, late, channel,
    request_id)
  SELECT g.action_id, (SELECT id FROM registration_bodies LIMIT 1), 'large-' || g.n,
    'declaration_of_residence', date '2026-11-02', g.person_id, 'UA68040470010096613',
    jsonb_build_object('external_id', 'large-' || g.n,
      'action', jsonb_build_object('type', 'declaration_of_residence', 'date', '2026-11-02'),
      'person', jsonb_build_object('unzr', '19900315-12346', 'surname', 'Шевченко', 'given_name', 'Олена',
        'birth_date', '1990-03-15', 'sex', 'female',
        'document', jsonb_build_object('type', 'id_card', 'number', lpad(g.n::text, 9, '0'))),
      'address', jsonb_build_object('katottg', 'UA68040470010096613', 'street', 'вулиця Проскурівська',
        'building', (g.n % 200 + 1)::text)),
    sha256(g.n::text::bytea), 'registration-action.v1', g.received_at, next_dms_number(2026), false,
    'token', 'large'
  FROM gen g;
INSERT INTO confirmations (action_id, kid, receipt) SELECT action_id, 'large', 'large' FROM gen;
INSERT INTO feed_items (action_id, person_id, state, received_at)
  SELECT action_id, person_id, 'pending', received_at FROM gen;
COMMIT;";

#[tokio::test]
async fn a_large_data_set_holds_every_record_once_in_feed_order_even_after_a_crash() {
    let app = spawn_app().await;
    let mut conn = dms_tests::db::connect(&app.database_url).await;
    conn.batch_execute(GENERATE).await.unwrap();
    let expected: Vec<String> = {
        use diesel_async::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct Id {
            #[diesel(sql_type = diesel::sql_types::Text)]
            id: String,
        }
        let rows: Vec<Id> = diesel::sql_query(
            "SELECT action_id::text AS id FROM feed_items ORDER BY queued_xid, action_id",
        )
        .load(&mut conn)
        .await
        .unwrap();
        rows.into_iter().map(|r| r.id).collect()
    };
    assert_eq!(expected.len(), ACTIONS as usize);

    let dir = temp_outbox();
    let feeder = app.feeder(&dir);
    let one_set = ("DMS_FEEDER_MAX_RECORDS", "20000");
    let crashed = feeder
        .run_once(&[one_set, ("DMS_FEEDER_CRASH_AT", "mid_write")])
        .await;
    assert!(crashed.killed(), "{}", crashed.describe());
    assert!(
        dataset_dirs(&dir).is_empty(),
        "a half-written data set is never visible"
    );
    let r = feeder.run_once(&[one_set]).await.expect_report();
    assert_eq!(r["built"], serde_json::json!([1]), "{r}");
    let dirs = dataset_dirs(&dir);
    assert_eq!(dirs.len(), 1);
    let names: Vec<String> = std::fs::read_dir(&dirs[0])
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names.len(),
        3,
        "only the data set's files are left: {names:?}"
    );
    let sent: Vec<String> = read_records(&dirs[0])
        .unwrap()
        .iter()
        .map(|rec| rec["action_id"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        sent == expected,
        "{} records, not the feed in order",
        sent.len()
    );
    let verified = feeder.verify(&dirs).await;
    assert!(verified.success(), "{}", verified.describe());
}

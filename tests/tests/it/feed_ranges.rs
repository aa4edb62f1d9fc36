//! A data set claims a range of the feed, and the ranges form a chain the database holds to:
//! each claim starts where the last stored range ends, no two ranges start at the same place,
//! and each ends after it starts. A claim made from a stale end (the shape of a data set that
//! held fewer records than its claim had counted, found once in a fault run) cannot be stored,
//! so no item can be in two data sets.

use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl};
use dms_tests::fixtures::actions::action_with_unzr;
use dms_tests::process::api::register_entry;
use dms_tests::spawn_app;

#[derive(QueryableByName, Debug, PartialEq, Eq)]
struct Bounds {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    seq: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    lo: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    hi: String,
}

/// Claim as the feeder does: first wait (briefly) until no older write transaction anywhere in
/// the cluster (another test's, say) holds the pending items behind the claim's horizon.
fn claim(conn: &mut PgConnection, max: i64) -> Option<dms_db::feed::Dataset> {
    let who = dms_service::Actor::job("build-datasets").audit("", None, serde_json::json!({}));
    if let Some(end) = dms_db::feed::feed_end(conn).unwrap() {
        let since = std::time::Instant::now();
        while dms_db::feed::behind_horizon(conn, &end).unwrap() {
            assert!(
                since.elapsed().as_secs() < 30,
                "the horizon did not pass in 30 s"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }
    dms_db::feed::claim(conn, max, &who).unwrap()
}

const RANGES: &str = "SELECT seq, lo_xid::text || '/' || lo_action_id AS lo, \
                        hi_xid::text || '/' || hi_action_id AS hi FROM dataset_ranges ORDER BY seq";

#[tokio::test]
async fn a_claim_from_a_stale_range_end_cannot_be_stored() {
    let app = spawn_app().await;
    for n in 1..=3 {
        let (doc, unzr) = action_with_unzr(n);
        register_entry(&app.database_url, &unzr).await;
        app.submit_ok(&doc).await;
    }
    let (runtime, admin) = (app.runtime_url.clone(), app.database_url.clone());
    tokio::task::spawn_blocking(move || {
        let mut conn = PgConnection::establish(&runtime).unwrap();
        // Two claims of one item each, as the feeder makes them (the runtime role).
        for _ in 0..2 {
            let ds = claim(&mut conn, 1).unwrap();
            assert_eq!(ds.record_count, 1);
        }
        let ranges: Vec<Bounds> = diesel::sql_query(RANGES).load(&mut conn).unwrap();
        assert_eq!(ranges.len(), 2);
        assert!(ranges[0].lo.ends_with("/00000000-0000-0000-0000-000000000000"));
        assert_eq!(ranges[1].lo, ranges[0].hi, "the second starts where the first ends");

        // A claim that read the first data set's end as the last one: it would take the
        // second's item again. Refused, whoever writes it.
        let mut owner = PgConnection::establish(&admin).unwrap();
        let (lo_xid, lo_id) = ranges[0].hi.split_once('/').unwrap();
        let stale = diesel::sql_query(format!(
            "INSERT INTO datasets (seq, state, created_at, record_count, range_from_xid, \
               range_from_action_id, range_xid, range_action_id) \
             SELECT 3, 'building', now(), 2, '{lo_xid}'::xid8, '{lo_id}', max(queued_xid), \
               'ffffffff-ffff-ffff-ffff-ffffffffffff' FROM feed_items"
        ))
        .execute(&mut owner);
        let err = stale.unwrap_err().to_string();
        assert!(err.contains("datasets_range_start"), "{err}");
        // A range that ends where it starts holds nothing and is refused too.
        let (hi_xid, hi_id) = ranges[1].hi.split_once('/').unwrap();
        let empty = diesel::sql_query(format!(
            "INSERT INTO datasets (seq, state, created_at, record_count, range_from_xid, \
               range_from_action_id, range_xid, range_action_id) \
             VALUES (3, 'building', now(), 0, '{hi_xid}'::xid8, '{hi_id}', '{hi_xid}'::xid8, '{hi_id}')"
        ))
        .execute(&mut owner);
        let err = empty.unwrap_err().to_string();
        assert!(err.contains("datasets_range_order"), "{err}");

        // The next claim takes the one item left, from the second's end.
        let ds = claim(&mut conn, 10).unwrap();
        assert_eq!((ds.seq, ds.record_count), (3, 1));
        let ranges: Vec<Bounds> = diesel::sql_query(RANGES).load(&mut conn).unwrap();
        assert_eq!(ranges[2].lo, ranges[1].hi);
        assert!(claim(&mut conn, 10).is_none());
        assert_eq!(
            dms_db::feed::stats(&mut conn).unwrap().pending,
            0,
            "nothing is left after the last range"
        );
    })
    .await
    .unwrap();
}

//! The audit log has no holes: a row whose transaction commits long after it took its id (and
//! after seal runs passed it by) is sealed by the next run; rows missing from the chain are
//! reported; the chain's head leaves the database in every data-set manifest and a rewritten
//! chain no longer holds it; the feeder's bookkeeping is audited.

use diesel_async::RunQueryDsl;
use dms_tests::fixtures::actions::action_with_unzr;
use dms_tests::fixtures::store::seal_audit;
use dms_tests::process::api::{cli, register_entry};
use dms_tests::process::feeder::{dataset_dirs, temp_outbox};
use dms_tests::{person_action, spawn_app, TestApp};
use serde_json::Value;

#[derive(diesel::QueryableByName)]
struct Id {
    #[diesel(sql_type = diesel::sql_types::Int8)]
    id: i64,
}

/// `dms-api audit-verify [args]`: (exit success, the verification as JSON).
async fn verify(app: &TestApp, args: &[&str]) -> (bool, Value) {
    let out = cli(&app.database_url)
        .env("DMS_KEYS_DIR", &app.keys_dir)
        .arg("audit-verify")
        .args(args)
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let v = serde_json::from_str(stdout.trim()).unwrap_or_else(|_| {
        panic!(
            "audit-verify printed {stdout:?}; stderr {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.success(), v)
}

async fn exec(conn: &mut dms_db::Conn, sql: &str) {
    diesel::sql_query(sql).execute(conn).await.unwrap();
}

async fn sealed(app: &TestApp, audit_id: i64) -> bool {
    app.count(&format!("audit_seals WHERE audit_id = {audit_id}"))
        .await
        == 1
}

#[tokio::test]
async fn a_row_committed_after_seal_runs_passed_it_is_sealed_by_the_next_run() {
    let app = spawn_app().await;
    // A transaction takes an audit id and stays open; it looks old (as if a grace period had
    // long passed).
    let mut late = app.db().await;
    exec(&mut late, "BEGIN").await;
    let late_id = diesel::sql_query(
        "INSERT INTO audit_log (at, actor_kind, channel, event) \
         VALUES (now() - interval '1 hour', 'system', 'job', 'test.late') RETURNING id",
    )
    .get_result::<Id>(&mut late)
    .await
    .unwrap()
    .id;
    // Later rows commit meanwhile; seal runs come and go.
    for i in 0..2 {
        assert_eq!(
            app.submit(&person_action("declaration_of_residence", i))
                .await
                .status(),
            201
        );
        assert!(seal_audit(&app.database_url).await >= 1);
    }
    let (ok, v) = verify(&app, &[]).await;
    assert!(ok, "{v}");
    assert!(!sealed(&app, late_id).await);

    exec(&mut late, "COMMIT").await;
    let (ok, v) = verify(&app, &[]).await;
    assert!(
        ok,
        "not sealed yet, but not below the last run's horizon either: {v}"
    );
    assert!(seal_audit(&app.database_url).await >= 1);
    assert!(sealed(&app, late_id).await, "the late row is sealed");
    let (ok, v) = verify(&app, &[]).await;
    assert!(ok, "{v}");
    assert_eq!(v["holes"], serde_json::json!([]));
    assert_eq!(v["first_broken"], Value::Null);
}

#[tokio::test]
async fn rows_missing_from_the_chain_are_reported() {
    let app = spawn_app().await;
    for i in 0..3 {
        app.submit_ok(&person_action("declaration_of_residence", i))
            .await;
    }
    seal_audit(&app.database_url).await;
    let (ok, v) = verify(&app, &[]).await;
    assert!(ok, "{v}");

    // A superuser adds a row behind the sealer's back, dated to an old transaction.
    let mut db = app.db().await;
    exec(&mut db, "SET session_replication_role = replica").await;
    let forged = diesel::sql_query(
        "INSERT INTO audit_log (actor_kind, channel, event, txid) \
         VALUES ('system', 'job', 'test.forged', '3') RETURNING id",
    )
    .get_result::<Id>(&mut db)
    .await
    .unwrap()
    .id;
    seal_audit(&app.database_url).await;
    let (ok, v) = verify(&app, &[]).await;
    assert!(!ok, "{v}");
    assert_eq!(v["holes"], serde_json::json!([forged]), "{v}");
    assert_eq!(v["first_broken"], forged);

    // A superuser removes the newest seal: its row is reported as not in the chain.
    let app = spawn_app().await;
    app.submit_ok(&person_action("declaration_of_residence", 7))
        .await;
    seal_audit(&app.database_url).await;
    let mut db = app.db().await;
    exec(&mut db, "SET session_replication_role = replica").await;
    let unsealed = diesel::sql_query(
        "DELETE FROM audit_seals WHERE seq = (SELECT max(seq) FROM audit_seals) \
         RETURNING audit_id AS id",
    )
    .get_result::<Id>(&mut db)
    .await
    .unwrap()
    .id;
    // The last run's horizon is past that row's transaction (as it is whenever no older
    // transaction is open anywhere in the cluster; tests running beside this one may hold one
    // open, so it is set here rather than left to the moment).
    exec(
        &mut db,
        &format!(
            "UPDATE audit_seal_runs SET horizon = ((SELECT txid FROM audit_log WHERE id = {unsealed})::text::bigint + 1)::text::xid8 \
             WHERE id = (SELECT max(id) FROM audit_seal_runs)"
        ),
    )
    .await;
    let (ok, v) = verify(&app, &[]).await;
    assert!(!ok, "{v}");
    assert_eq!(v["holes"], serde_json::json!([unsealed]), "{v}");

    // A seal removed from the middle breaks the walk at the next one.
    let app = spawn_app().await;
    for i in 0..3 {
        app.submit_ok(&person_action("declaration_of_residence", i))
            .await;
    }
    seal_audit(&app.database_url).await;
    let mut db = app.db().await;
    exec(&mut db, "SET session_replication_role = replica").await;
    exec(&mut db, "DELETE FROM audit_seals WHERE seq = 2").await;
    let (ok, v) = verify(&app, &[]).await;
    assert!(!ok, "{v}");
    assert!(
        v["reason"].as_str().unwrap().contains("seals are missing"),
        "{v}"
    );
}

#[tokio::test]
async fn every_manifest_carries_the_audit_head_and_a_rewritten_chain_no_longer_holds_it() {
    let app = spawn_app().await;
    let dir = temp_outbox();
    let feeder = app.feeder(&dir);
    let (doc, unzr) = action_with_unzr(1);
    app.submit_ok(&doc).await;
    register_entry(&app.database_url, &unzr).await;
    let r = feeder.run_once(&[]).await.expect_report();
    assert_eq!(r["built"], serde_json::json!([1]));

    let ds = &dataset_dirs(&dir)[0];
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(ds.join("manifest.json")).unwrap()).unwrap();
    let head = &manifest["audit_head"];
    // The feeder sealed before claiming: the head covers the submission and the register entry.
    #[derive(diesel::QueryableByName)]
    struct Seal {
        #[diesel(sql_type = diesel::sql_types::Int8)]
        audit_id: i64,
        #[diesel(sql_type = diesel::sql_types::Text)]
        hash: String,
    }
    let mut db = app.db().await;
    let stored = diesel::sql_query(format!(
        "SELECT audit_id, hash FROM audit_seals WHERE seq = {}",
        head["seq"].as_i64().expect("a head with a seq")
    ))
    .get_result::<Seal>(&mut db)
    .await
    .unwrap();
    assert_eq!(
        (head["audit_id"].as_i64(), head["hash"].as_str()),
        (Some(stored.audit_id), Some(stored.hash.as_str()))
    );
    let entry = diesel::sql_query(
        "SELECT max(id) AS id FROM audit_log WHERE event = 'register_entry.record'",
    )
    .get_result::<Id>(&mut db)
    .await
    .unwrap()
    .id;
    assert!(
        stored.audit_id >= entry,
        "the head covers what happened before the claim"
    );
    // The signed manifest is what carries it.
    assert!(feeder.verify(std::slice::from_ref(ds)).await.success());
    let (_, jws_payload) = {
        let jws = std::fs::read_to_string(ds.join("manifest.jws")).unwrap();
        let payload = jws.split('.').nth(1).unwrap().to_owned();
        (jws, payload)
    };
    use base64::Engine;
    let signed: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(jws_payload)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(&signed["audit_head"], head);

    // Every step of the bookkeeping is audited as the job.
    for event in ["dataset.claim", "dataset.seal", "dataset.deliver"] {
        assert_eq!(
            app.count(&format!(
                "audit_log WHERE event = '{event}' AND target = '1' \
                 AND actor_kind = 'system' AND actor_id = 'build-datasets'"
            ))
            .await,
            1,
            "{event}"
        );
    }

    seal_audit(&app.database_url).await;
    let jws_file = ds.join("manifest.jws");
    let manifest_file = ds.join("manifest.json");
    for given in [&jws_file, &manifest_file] {
        let (ok, v) = verify(&app, &["--head", given.to_str().unwrap()]).await;
        assert!(ok, "{v}");
        assert_eq!(v["given_head_found"], true);
    }

    // A superuser rewrites history: changes a sealed row and re-seals the whole log. The chain
    // is consistent again, but it no longer holds the head the manifest took out.
    exec(&mut db, "SET session_replication_role = replica").await;
    exec(
        &mut db,
        &format!(
            "UPDATE audit_log SET target = 'someone-else' WHERE id = {}",
            stored.audit_id
        ),
    )
    .await;
    exec(&mut db, "DELETE FROM audit_seals").await;
    exec(&mut db, "DELETE FROM audit_seal_runs").await;
    seal_audit(&app.database_url).await;
    let (ok, v) = verify(&app, &[]).await;
    assert!(ok, "the rewritten chain is consistent in itself: {v}");
    let (ok, v) = verify(&app, &["--head", manifest_file.to_str().unwrap()]).await;
    assert!(!ok, "{v}");
    assert_eq!(v["given_head_found"], false);
}

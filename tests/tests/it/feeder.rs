//! The feeder, as real processes against a real PostgreSQL and an HTTP ЄДДР double: held items
//! wait for the register entry; every confirmed action reaches exactly one accepted data set
//! whatever step the feeder is killed at; two feeders never overlap; tampering is detected.

use dms_tests::doubles::eddr::Eddr;
use dms_tests::fixtures::actions::{action_with_unzr, cancellation};
use dms_tests::fixtures::people;
use dms_tests::process::api::register_entry;
use dms_tests::process::feeder::{dataset_dirs, read_records, temp_outbox, CRASH_STEPS};
use dms_tests::spawn_app;
use dms_tests::{example, kyiv_day};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

#[tokio::test]
async fn held_actions_wait_for_the_register_entry_and_go_out_oldest_first() {
    let app = spawn_app().await;
    let dir = temp_outbox();
    let feeder = app.feeder(&dir);
    let (first, unzr) = action_with_unzr(1);
    let a1 = app.submit_ok(&first).await;
    let mut second = first.clone();
    second["external_id"] = "second".into();
    second["action"]["type"] = "registration_of_stay".into();
    let a2 = app.submit_ok(&second).await;
    let (other, _) = action_with_unzr(2);
    let b = app.submit_ok(&other).await;

    let r = feeder.run_once(&[]).await.expect_report();
    assert_eq!(
        r["built"],
        serde_json::json!([]),
        "held items are never sent early"
    );
    assert_eq!(
        app.action_state(a1["action_id"].as_str().unwrap()).await["feed"]["state"],
        "held"
    );

    register_entry(&app.database_url, &unzr).await;
    let r = feeder.run_once(&[]).await.expect_report();
    assert_eq!(r["built"], serde_json::json!([1]));
    let dirs = dataset_dirs(&dir);
    // The outbox is not world-readable: 0640 files in a 0750 directory (whatever the umask
    // grants beyond that).
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dirs[0]) & 0o027, 0, "{}", dirs[0].display());
        for name in ["records.jsonl", "manifest.json", "manifest.jws"] {
            let path = dirs[0].join(name);
            assert_eq!(
                mode(&path) & 0o137,
                0,
                "{} is {:o}",
                path.display(),
                mode(&path)
            );
        }
    }
    let records: Vec<Value> = read_records(&dirs[0]).unwrap();
    let ids: Vec<&str> = records
        .iter()
        .map(|r| r["action_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            a1["action_id"].as_str().unwrap(),
            a2["action_id"].as_str().unwrap()
        ]
    );
    assert_eq!(records[0]["person"]["unzr"], unzr.as_str());
    let st = app.action_state(a1["action_id"].as_str().unwrap()).await;
    assert_eq!(
        (st["feed"]["state"].as_str(), st["feed"]["dataset"].as_i64()),
        (Some("in_dataset"), Some(1))
    );
    assert_eq!(
        app.action_state(b["action_id"].as_str().unwrap()).await["feed"]["state"],
        "held"
    );

    // A new action of an entered person is pending at once.
    let mut third = first.clone();
    third["external_id"] = "third".into();
    let a3 = app.submit_ok(&third).await;
    assert_eq!(
        app.action_state(a3["action_id"].as_str().unwrap()).await["feed"]["state"],
        "pending"
    );
    let out = feeder.verify(&dirs).await;
    assert!(out.success(), "{}", out.stderr);
}

#[tokio::test]
async fn every_action_reaches_exactly_one_accepted_dataset_whatever_step_the_feeder_dies_at() {
    let app = spawn_app().await;
    let eddr = Eddr::start().await;
    let dir = temp_outbox();
    let feeder = app.feeder(&dir).eddr(&eddr.url);
    let mut ids = BTreeSet::new();
    let mut seq = 0;
    let small = [("DMS_FEEDER_MAX_RECORDS", "4")];
    for step in CRASH_STEPS {
        for _ in 0..6 {
            seq += 1;
            let (doc, unzr) = action_with_unzr(seq);
            register_entry(&app.database_url, &unzr).await;
            ids.insert(
                app.submit_ok(&doc).await["action_id"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            );
        }
        let out = feeder
            .run_once(&[small[0], ("DMS_FEEDER_CRASH_AT", step)])
            .await;
        assert!(out.killed(), "killed at {step}: {}", out.describe());
    }
    // Killed while ЄДДР is still answering a delivery.
    eddr.state.lock().unwrap().delay = Some(Duration::from_secs(5));
    let mut child = feeder.spawn(&small).unwrap();
    for _ in 0..200 {
        if eddr.state.lock().unwrap().in_flight {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(
        eddr.state.lock().unwrap().in_flight,
        "a delivery is under way"
    );
    assert!(child.kill(), "the run was still going");
    let out = child.finish(feeder.limit).await;
    assert!(out.killed(), "{}", out.describe());
    eddr.state.lock().unwrap().delay = None;

    let r = feeder.run_once(&small).await.expect_report();
    assert_eq!(r["retry_later"], serde_json::json!([]));
    let counts = eddr.accepted_counts();
    let accepted: BTreeSet<String> = counts.keys().cloned().collect();
    assert_eq!(accepted, ids, "every confirmed action was accepted");
    assert!(
        counts.values().all(|n| *n == 1),
        "no action is in two accepted data sets: {counts:?}"
    );
    let seqs: Vec<i64> = eddr
        .state
        .lock()
        .unwrap()
        .datasets
        .keys()
        .copied()
        .collect();
    assert_eq!(
        seqs,
        (1..=seqs.len() as i64).collect::<Vec<_>>(),
        "no gaps in the sequence"
    );
    assert_eq!(app.count("feed_items WHERE state <> 'accepted'").await, 0);
    assert_eq!(app.count("datasets WHERE state <> 'acknowledged'").await, 0);
    let dirs = dataset_dirs(&dir);
    assert_eq!(dirs.len(), seqs.len());
    let out = feeder.verify(&dirs).await;
    assert!(out.success(), "{}", out.stderr);
    // What ЄДДР holds is byte for byte what is on disk.
    for d in &dirs {
        let manifest: Value =
            serde_json::from_slice(&std::fs::read(d.join("manifest.json")).unwrap()).unwrap();
        let seq = manifest["sequence"].as_i64().unwrap();
        let on_disk: Vec<Value> = read_records(d).unwrap();
        assert_eq!(eddr.state.lock().unwrap().datasets[&seq].0, on_disk);
    }
    eddr.stop().await;
}

#[tokio::test]
async fn two_feeders_never_build_overlapping_datasets() {
    let app = spawn_app().await;
    let eddr = Eddr::start().await;
    let dir = temp_outbox();
    let feeder = app.feeder(&dir).eddr(&eddr.url);
    let mut ids = BTreeSet::new();
    for round in 0..5u32 {
        for i in 0..8 {
            let (doc, unzr) = action_with_unzr(round * 100 + i + 1);
            register_entry(&app.database_url, &unzr).await;
            ids.insert(
                app.submit_ok(&doc).await["action_id"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            );
        }
        let env = [("DMS_FEEDER_MAX_RECORDS", "3")];
        let (a, b) = tokio::join!(feeder.run_once(&env), feeder.run_once(&env));
        let (a, b) = (a.expect_report(), b.expect_report());
        assert!(
            a["busy"] == true
                || b["busy"] == true
                || a["built"].as_array().unwrap().is_empty()
                || b["built"].as_array().unwrap().is_empty()
        );
    }
    feeder.run_once(&[]).await.expect_report();
    let counts = eddr.accepted_counts();
    assert_eq!(counts.keys().cloned().collect::<BTreeSet<_>>(), ids);
    assert!(counts.values().all(|n| *n == 1));
    assert_eq!(app.count("(SELECT action_id FROM feed_items GROUP BY action_id HAVING count(DISTINCT dataset_seq) > 1) x").await, 0);
    let out = feeder.verify(&dataset_dirs(&dir)).await;
    assert!(out.success(), "{}", out.stderr);
}

#[tokio::test]
async fn rejections_outages_and_cancellations_after_delivery() {
    let app = spawn_app().await;
    let eddr = Eddr::start().await;
    let dir = temp_outbox();
    let feeder = app.feeder(&dir).eddr(&eddr.url);
    let (doc1, unzr1) = action_with_unzr(1);
    let (doc2, unzr2) = action_with_unzr(2);
    register_entry(&app.database_url, &unzr1).await;
    register_entry(&app.database_url, &unzr2).await;
    let a1 = app.submit_ok(&doc1).await;
    let a2 = app.submit_ok(&doc2).await;
    eddr.state
        .lock()
        .unwrap()
        .reject
        .insert(a2["action_id"].as_str().unwrap().to_owned());

    // ЄДДР down: the data set is sealed, the attempt is counted, nothing is marked delivered.
    eddr.set_down(true);
    let r = feeder.run_once(&[]).await.expect_report();
    assert_eq!(
        (r["built"].clone(), r["retry_later"].clone()),
        (serde_json::json!([1]), serde_json::json!([1]))
    );
    assert_eq!(app.count("datasets WHERE seq = 1 AND state = 'sealed' AND attempts = 1 AND last_error IS NOT NULL").await, 1);
    assert_eq!(app.count("feed_items WHERE state = 'accepted'").await, 0);
    eddr.set_down(false);
    let r = feeder.run_once(&[]).await.expect_report();
    assert_eq!(r["delivered"], serde_json::json!([1]));

    let st1 = app.action_state(a1["action_id"].as_str().unwrap()).await;
    assert_eq!(
        (
            st1["feed"]["state"].as_str(),
            st1["feed"]["dataset"].as_i64()
        ),
        (Some("accepted"), Some(1))
    );
    let st2 = app.action_state(a2["action_id"].as_str().unwrap()).await;
    assert_eq!(st2["feed"]["state"], "rejected");
    assert!(st2["feed"]["reason"].as_str().unwrap().contains("ЄДДР"));

    // A cancellation of a delivered action travels as its own record.
    let cancel =
        cancellation(serde_json::json!({"action_id": a1["action_id"], "reason": "помилка"}));
    let c = app.submit_ok(&cancel).await;
    let r = feeder.run_once(&[]).await.expect_report();
    assert_eq!(r["delivered"], serde_json::json!([2]));
    let records = eddr.state.lock().unwrap().datasets[&2].0.clone();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["record_type"], "cancellation");
    assert_eq!(records[0]["action_id"], c["action_id"]);
    assert_eq!(records[0]["cancels"]["action_id"], a1["action_id"]);
    assert_eq!(records[0]["cancels"]["dms_number"], a1["dms_number"]);

    // Attempts are bounded: after the last one the data set is failed and visible.
    let (doc3, unzr3) = action_with_unzr(3);
    register_entry(&app.database_url, &unzr3).await;
    app.submit_ok(&doc3).await;
    eddr.set_down(true);
    let env = [("DMS_FEEDER_MAX_ATTEMPTS", "2")];
    feeder.run_once(&env).await.expect_report();
    let r = feeder.run_once(&env).await.expect_report();
    assert_eq!(r["failed"], serde_json::json!([3]));
    assert_eq!(
        app.count("datasets WHERE seq = 3 AND state = 'failed' AND attempts = 2")
            .await,
        1
    );
}

#[tokio::test]
async fn tampering_with_one_byte_fails_verification() {
    let app = spawn_app().await;
    let dir = temp_outbox();
    let feeder = app.feeder(&dir);
    for i in 1..=3 {
        let (doc, unzr) = action_with_unzr(i);
        register_entry(&app.database_url, &unzr).await;
        app.submit_ok(&doc).await;
        feeder.run_once(&[]).await.expect_report();
    }
    let dirs = dataset_dirs(&dir);
    assert_eq!(dirs.len(), 3);
    assert!(feeder.verify(&dirs).await.success());

    let tamper = |file: PathBuf, at: usize| {
        let mut bytes = std::fs::read(&file).unwrap();
        bytes[at] ^= 0x01;
        std::fs::write(&file, bytes).unwrap();
    };
    let records = dirs[1].join("records.jsonl");
    let original = std::fs::read(&records).unwrap();
    tamper(records.clone(), 40);
    let out = feeder.verify(&dirs).await;
    assert!(!out.success());
    assert!(out.stderr.contains("records_sha256"), "{}", out.stderr);
    std::fs::write(&records, original).unwrap();

    let manifest = dirs[2].join("manifest.json");
    tamper(manifest, 30);
    let out = feeder.verify(&dirs).await;
    assert!(!out.success());
    let err = out.stderr;
    assert!(
        err.contains("signs a different manifest") || err.contains("not JSON"),
        "{err}"
    );

    // Dropping a data set from the middle breaks the chain.
    let out = feeder.verify(&[dirs[0].clone(), dirs[2].clone()]).await;
    assert!(out.stderr.contains("does not follow"));
}

/// Every member added to contract v1 (person, address, the registration's basis, the previous
/// address, the legal representative, the date of death) reaches the data set exactly as it was
/// sent, and the records pass the record schema (the verifier checks every line against it).
#[tokio::test]
async fn a_record_carries_every_member_the_action_had() {
    let app = spawn_app().await;
    let dir = temp_outbox();
    let feeder = app.feeder(&dir);

    let mut child = example("registration-of-residence-foreign-child");
    child["action"]["date"] = kyiv_day(0).into();
    child["action"]["basis"]["date"] = kyiv_day(-1).into();
    let unzr = people::unzr("2016-06-14".parse().unwrap(), 4519);
    child["person"]["unzr"] = unzr.clone().into();
    child["address"]["room"] = "3".into();
    child["legal_representative"]["rnokpp"] = "2632010118".into();
    register_entry(&app.database_url, &unzr).await;
    let a = app.submit_ok(&child).await;

    let mut death = example("deregistration-of-residence");
    death["action"]["date"] = kyiv_day(0).into();
    death["action"]["ground"] = json!({"code": "death", "date_of_death": kyiv_day(-2),
        "document": "Витяг з Державного реєстру актів цивільного стану громадян"});
    death["legal_representative"] = json!({"role": "guardian", "surname": "Гнатюк",
        "given_name": "Олег", "document": {"type": "id_card", "number": "100200301",
        "issued_on": "2020-02-02", "expires_on": "2030-02-02", "issuer_code": "6810"}});
    register_entry(&app.database_url, "19720123-00489").await;
    let d = app.submit_ok(&death).await;

    let r = feeder.run_once(&[]).await.expect_report();
    assert_eq!(r["built"], json!([1]));
    let dirs = dataset_dirs(&dir);
    let records: Vec<Value> = read_records(&dirs[0]).unwrap();
    assert_eq!(records.len(), 2);
    let find = |id: &Value| records.iter().find(|r| r["action_id"] == *id).unwrap();

    let rc = find(&a["action_id"]);
    assert_eq!(rc["person"], child["person"]);
    assert_eq!(rc["person"]["citizenship"], json!({"countries": ["POL"]}));
    assert_eq!(rc["person"]["document"]["expires_on"], "2029-10-14");
    assert_eq!(rc["address"], child["address"]);
    assert_eq!(rc["address"]["street_type"], "street");
    assert_eq!(rc["basis"], child["action"]["basis"]);
    assert_eq!(rc["previous_address"], child["previous_address"]);
    assert_eq!(rc["legal_representative"], child["legal_representative"]);
    assert!(rc.get("ground").is_none(), "{rc}");

    let rd = find(&d["action_id"]);
    assert_eq!(rd["ground"], death["action"]["ground"]);
    assert_eq!(rd["ground"]["date_of_death"], kyiv_day(-2).as_str());
    assert_eq!(rd["legal_representative"], death["legal_representative"]);
    assert!(
        rd.get("basis").is_none() && rd.get("previous_address").is_none(),
        "{rd}"
    );

    let out = feeder.verify(&dirs).await;
    assert!(out.success(), "{}", out.stderr);
}

/// A claim never passes an item whose transaction is still running. An older transaction
/// releases a held item and commits only after a newer action was confirmed and the feeder has
/// started: both go out, once each, the older first (a claim by receipt order alone would have
/// taken the newer one and left the older behind its range for ever).
#[tokio::test]
async fn an_item_committed_late_by_an_older_transaction_is_not_skipped() {
    use diesel_async::RunQueryDsl;
    let app = spawn_app().await;
    let dir = temp_outbox();
    let feeder = app.feeder(&dir);
    let (held_doc, _) = action_with_unzr(1);
    let held = app.submit_ok(&held_doc).await;
    let held_id = held["action_id"].as_str().unwrap().to_owned();
    let mut older = dms_tests::db::connect(&app.database_url).await;
    diesel::sql_query("BEGIN")
        .execute(&mut older)
        .await
        .unwrap();
    // What a register entry does to the person's held item (its place in the feed is this
    // transaction's: the trigger sets it), in a transaction kept open.
    diesel::sql_query(format!(
        "UPDATE feed_items SET state = 'pending' WHERE action_id = '{held_id}'"
    ))
    .execute(&mut older)
    .await
    .unwrap();
    let (doc, unzr) = action_with_unzr(2);
    register_entry(&app.database_url, &unzr).await;
    let newer = app.submit_ok(&doc).await;
    let run = tokio::spawn({
        let feeder = feeder.clone();
        async move { feeder.run_once(&[]).await }
    });
    tokio::time::sleep(Duration::from_millis(700)).await;
    diesel::sql_query("COMMIT")
        .execute(&mut older)
        .await
        .unwrap();
    let r = run.await.unwrap().expect_report();
    let sent: Vec<String> = dataset_dirs(&dir)
        .iter()
        .flat_map(|d| read_records(d).unwrap())
        .map(|rec| rec["action_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        sent,
        vec![held_id, newer["action_id"].as_str().unwrap().to_owned()],
        "{r}"
    );
}

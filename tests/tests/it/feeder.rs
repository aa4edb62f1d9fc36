//! The feeder, as real processes against a real PostgreSQL and an HTTP ЄДДР double: held items
//! wait for the register entry; every confirmed action reaches exactly one accepted data set
//! whatever step the feeder is killed at; two feeders never overlap; tampering is detected.

use dms_tests::eddr::Eddr;
use dms_tests::{person_action, spawn_app, TestApp};
use serde_json::Value;
use std::collections::BTreeSet;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

fn binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent().unwrap().parent().unwrap().join(name)
}

fn outbox() -> PathBuf {
    std::env::temp_dir().join(format!("dms-outbox-{}", uuid::Uuid::now_v7().simple()))
}

fn feeder(
    app: &TestApp,
    outbox: &Path,
    eddr: Option<&Eddr>,
    env: &[(&str, &str)],
) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(binary("dms-feeder"));
    cmd.arg("run-once")
        .env("DATABASE_URL", &app.database_url)
        .env("DMS_FEEDER_OUTBOX", outbox)
        .env("DMS_KEYS_DIR", &app.keys_dir)
        .env("DMS_FEEDER_BACKOFF_SECS", "0")
        .env("RUST_LOG", "warn")
        .env_remove("DMS_EDDR_URL")
        .env_remove("DMS_FEEDER_CRASH_AT")
        .kill_on_drop(true);
    if let Some(e) = eddr {
        cmd.env("DMS_EDDR_URL", &e.url);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

async fn run(app: &TestApp, outbox: &Path, eddr: Option<&Eddr>, env: &[(&str, &str)]) -> Output {
    feeder(app, outbox, eddr, env).output().await.unwrap()
}

fn report(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "feeder failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

async fn register_entry(app: &TestApp, unzr: &str) {
    let out = tokio::process::Command::new(binary("dms-api"))
        .args(["register-entry", "--unzr", unzr])
        .env("DATABASE_URL", &app.database_url)
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A person action for a distinct person (УНЗР with a valid check digit, matching birth date).
fn action_for(seq: u32) -> (Value, String) {
    let mut d = person_action("declaration_of_residence", seq);
    let digits = format!("19900315{:04}", seq % 10_000);
    let sum: u32 = digits
        .chars()
        .zip([7, 3, 1].iter().cycle())
        .map(|(c, w)| c.to_digit(10).unwrap() * w)
        .sum();
    let unzr = format!("{}-{}{}", &digits[..8], &digits[8..], sum % 10);
    d["person"]["unzr"] = unzr.clone().into();
    (d, unzr)
}

async fn submit_ok(app: &TestApp, doc: &Value) -> Value {
    let res = app.submit(doc).await;
    assert_eq!(res.status(), 201);
    res.json().await.unwrap()
}

fn dataset_dirs(outbox: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(outbox)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("dataset-")
        })
        .collect();
    dirs.sort();
    dirs
}

async fn verify(app: &TestApp, dirs: &[PathBuf]) -> Output {
    tokio::process::Command::new(binary("dms-feeder"))
        .arg("verify")
        .arg("--keys")
        .arg(&app.keys_dir)
        .args(dirs)
        .output()
        .await
        .unwrap()
}

#[tokio::test]
async fn held_actions_wait_for_the_register_entry_and_go_out_oldest_first() {
    let app = spawn_app().await;
    let dir = outbox();
    let (first, unzr) = action_for(1);
    let a1 = submit_ok(&app, &first).await;
    let mut second = first.clone();
    second["external_id"] = "second".into();
    second["action"]["type"] = "registration_of_stay".into();
    let a2 = submit_ok(&app, &second).await;
    let (other, _) = action_for(2);
    let b = submit_ok(&app, &other).await;

    let r = report(&run(&app, &dir, None, &[]).await);
    assert_eq!(
        r["built"],
        serde_json::json!([]),
        "held items are never sent early"
    );
    assert_eq!(
        app.action_state(a1["action_id"].as_str().unwrap()).await["feed"]["state"],
        "held"
    );

    register_entry(&app, &unzr).await;
    let r = report(&run(&app, &dir, None, &[]).await);
    assert_eq!(r["built"], serde_json::json!([1]));
    let dirs = dataset_dirs(&dir);
    let records: Vec<Value> = std::fs::read_to_string(dirs[0].join("records.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
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
    let a3 = submit_ok(&app, &third).await;
    assert_eq!(
        app.action_state(a3["action_id"].as_str().unwrap()).await["feed"]["state"],
        "pending"
    );
    let out = verify(&app, &dirs).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn every_action_reaches_exactly_one_accepted_dataset_whatever_step_the_feeder_dies_at() {
    let app = spawn_app().await;
    let eddr = Eddr::start().await;
    let dir = outbox();
    let mut ids = BTreeSet::new();
    let mut seq = 0;
    let small = [("DMS_FEEDER_MAX_RECORDS", "4")];
    for step in [
        "after_claim",
        "mid_write",
        "after_rename",
        "after_seal",
        "after_delivery",
    ] {
        for _ in 0..6 {
            seq += 1;
            let (doc, unzr) = action_for(seq);
            register_entry(&app, &unzr).await;
            ids.insert(
                submit_ok(&app, &doc).await["action_id"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            );
        }
        let out = run(
            &app,
            &dir,
            Some(&eddr),
            &[small[0], ("DMS_FEEDER_CRASH_AT", step)],
        )
        .await;
        assert_eq!(
            out.status.signal(),
            Some(9),
            "killed at {step}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // Killed while ЄДДР is still answering a delivery.
    eddr.state.lock().unwrap().delay = Some(Duration::from_secs(5));
    let mut child = feeder(&app, &dir, Some(&eddr), &small).spawn().unwrap();
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
    child.start_kill().unwrap();
    assert_eq!(child.wait().await.unwrap().signal(), Some(9));
    eddr.state.lock().unwrap().delay = None;

    let r = report(&run(&app, &dir, Some(&eddr), &small).await);
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
    let out = verify(&app, &dirs).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // What ЄДДР holds is byte for byte what is on disk.
    for d in &dirs {
        let manifest: Value =
            serde_json::from_slice(&std::fs::read(d.join("manifest.json")).unwrap()).unwrap();
        let seq = manifest["sequence"].as_i64().unwrap();
        let on_disk: Vec<Value> = std::fs::read_to_string(d.join("records.jsonl"))
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(eddr.state.lock().unwrap().datasets[&seq].0, on_disk);
    }
    eddr.stop().await;
}

#[tokio::test]
async fn two_feeders_never_build_overlapping_datasets() {
    let app = spawn_app().await;
    let eddr = Eddr::start().await;
    let dir = outbox();
    let mut ids = BTreeSet::new();
    for round in 0..5u32 {
        for i in 0..8 {
            let (doc, unzr) = action_for(round * 100 + i + 1);
            register_entry(&app, &unzr).await;
            ids.insert(
                submit_ok(&app, &doc).await["action_id"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            );
        }
        let env = [("DMS_FEEDER_MAX_RECORDS", "3")];
        let (a, b) = tokio::join!(
            run(&app, &dir, Some(&eddr), &env),
            run(&app, &dir, Some(&eddr), &env)
        );
        let (a, b) = (report(&a), report(&b));
        assert!(
            a["busy"] == true
                || b["busy"] == true
                || a["built"].as_array().unwrap().is_empty()
                || b["built"].as_array().unwrap().is_empty()
        );
    }
    report(&run(&app, &dir, Some(&eddr), &[]).await);
    let counts = eddr.accepted_counts();
    assert_eq!(counts.keys().cloned().collect::<BTreeSet<_>>(), ids);
    assert!(counts.values().all(|n| *n == 1));
    assert_eq!(app.count("(SELECT action_id FROM feed_items GROUP BY action_id HAVING count(DISTINCT dataset_seq) > 1) x").await, 0);
    let out = verify(&app, &dataset_dirs(&dir)).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn rejections_outages_and_cancellations_after_delivery() {
    let app = spawn_app().await;
    let eddr = Eddr::start().await;
    let dir = outbox();
    let (doc1, unzr1) = action_for(1);
    let (doc2, unzr2) = action_for(2);
    register_entry(&app, &unzr1).await;
    register_entry(&app, &unzr2).await;
    let a1 = submit_ok(&app, &doc1).await;
    let a2 = submit_ok(&app, &doc2).await;
    eddr.state
        .lock()
        .unwrap()
        .reject
        .insert(a2["action_id"].as_str().unwrap().to_owned());

    // ЄДДР down: the data set is sealed, the attempt is counted, nothing is marked delivered.
    eddr.set_down(true);
    let r = report(&run(&app, &dir, Some(&eddr), &[]).await);
    assert_eq!(
        (r["built"].clone(), r["retry_later"].clone()),
        (serde_json::json!([1]), serde_json::json!([1]))
    );
    assert_eq!(app.count("datasets WHERE seq = 1 AND state = 'sealed' AND attempts = 1 AND last_error IS NOT NULL").await, 1);
    assert_eq!(app.count("feed_items WHERE state = 'accepted'").await, 0);
    eddr.set_down(false);
    let r = report(&run(&app, &dir, Some(&eddr), &[]).await);
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
    let mut cancel = dms_tests::example("cancellation");
    cancel["action"]["date"] = dms_tests::kyiv_day(0).into();
    cancel["cancels"] = serde_json::json!({"action_id": a1["action_id"], "reason": "помилка"});
    let c = submit_ok(&app, &cancel).await;
    let r = report(&run(&app, &dir, Some(&eddr), &[]).await);
    assert_eq!(r["delivered"], serde_json::json!([2]));
    let records = eddr.state.lock().unwrap().datasets[&2].0.clone();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["record_type"], "cancellation");
    assert_eq!(records[0]["action_id"], c["action_id"]);
    assert_eq!(records[0]["cancels"]["action_id"], a1["action_id"]);
    assert_eq!(records[0]["cancels"]["dms_number"], a1["dms_number"]);

    // Attempts are bounded: after the last one the data set is failed and visible.
    let (doc3, unzr3) = action_for(3);
    register_entry(&app, &unzr3).await;
    submit_ok(&app, &doc3).await;
    eddr.set_down(true);
    let env = [("DMS_FEEDER_MAX_ATTEMPTS", "2")];
    report(&run(&app, &dir, Some(&eddr), &env).await);
    let r = report(&run(&app, &dir, Some(&eddr), &env).await);
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
    let dir = outbox();
    for i in 1..=3 {
        let (doc, unzr) = action_for(i);
        register_entry(&app, &unzr).await;
        submit_ok(&app, &doc).await;
        report(&run(&app, &dir, None, &[]).await);
    }
    let dirs = dataset_dirs(&dir);
    assert_eq!(dirs.len(), 3);
    assert!(verify(&app, &dirs).await.status.success());

    let tamper = |file: PathBuf, at: usize| {
        let mut bytes = std::fs::read(&file).unwrap();
        bytes[at] ^= 0x01;
        std::fs::write(&file, bytes).unwrap();
    };
    let records = dirs[1].join("records.jsonl");
    let original = std::fs::read(&records).unwrap();
    tamper(records.clone(), 40);
    let out = verify(&app, &dirs).await;
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("records_sha256"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(&records, original).unwrap();

    let manifest = dirs[2].join("manifest.json");
    tamper(manifest, 30);
    let out = verify(&app, &dirs).await;
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("signs a different manifest") || err.contains("not JSON"),
        "{err}"
    );

    // Dropping a data set from the middle breaks the chain.
    let out = verify(&app, &[dirs[0].clone(), dirs[2].clone()]).await;
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not follow"));
}

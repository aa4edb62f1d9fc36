//! Bulk loads (п.22 of CMU 207): a register's existing data in one NDJSON file. Lines are
//! applied in action-date order per person whatever their order in the file, stored as
//! historical (never late) with the receipts of the single endpoint, refused with its problems;
//! the same file again stores nothing; a worker cut off mid-way resumes and stores every line
//! exactly once; history notifies nobody but lists persons resident in two communities at once.

use base64::Engine;
use dms_tests::app::{spawn_app, spawn_app_with, AppOptions, TestApp};
use dms_tests::fixtures::actions::example;
use reqwest::Method;
use serde_json::{json, Value};
use std::io::Write;

/// A historical action for the person with ID card `n` (no УНЗР, no РНОКПП).
pub(super) fn historical(external_id: &str, kind: &str, date: &str, n: u64) -> Value {
    let mut d = example("declaration-of-residence");
    d["external_id"] = external_id.into();
    d["action"]["type"] = kind.into();
    d["action"]["date"] = date.into();
    if kind.starts_with("deregistration") {
        d["action"]["ground"] = json!({"code": "application"});
    }
    let p = d["person"].as_object_mut().unwrap();
    p.remove("unzr");
    p.remove("rnokpp");
    d["person"]["document"]
        .as_object_mut()
        .unwrap()
        .remove("issued_on");
    d["person"]["document"]["number"] = format!("{:09}", 300_000_000 + n).into();
    d
}

pub(super) fn ndjson(lines: &[String]) -> Vec<u8> {
    let mut out = Vec::new();
    for l in lines {
        out.extend_from_slice(l.as_bytes());
        out.push(b'\n');
    }
    out
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

pub(super) async fn upload(
    app: &TestApp,
    token: &str,
    body: Vec<u8>,
    gzipped: bool,
    key: Option<&str>,
) -> (u16, Option<String>, Value) {
    let mut req = app
        .listener()
        .request(Method::POST, "/v1/bulk-loads")
        .bearer_auth(token)
        .header("content-type", "application/x-ndjson");
    if gzipped {
        req = req.header("content-encoding", "gzip");
    }
    if let Some(k) = key {
        req = req.header("idempotency-key", k);
    }
    let res = req.body(body).send().await.unwrap();
    let status = res.status().as_u16();
    let location = res
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, location, res.json().await.unwrap())
}

pub(super) async fn wait_done(app: &TestApp, token: &str, location: &str) -> Value {
    for _ in 0..200 {
        let (status, load) = app.community(token).call(Method::GET, location, None).await;
        assert_eq!(status, 200, "{load}");
        if load["state"] == "done" {
            return load;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the load was not applied in 20 s");
}

pub(super) async fn results(app: &TestApp, token: &str, location: &str) -> Vec<Value> {
    let res = app
        .listener()
        .request(Method::GET, &format!("{location}/results?limit=10000"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/x-ndjson");
    res.text()
        .await
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn claims(receipt: &str) -> Value {
    let payload = receipt.split('.').nth(1).unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap()
}

#[tokio::test]
async fn a_load_is_applied_in_action_date_order_as_history_and_loading_it_again_stores_nothing() {
    let app = spawn_app().await;
    let tag = uuid::Uuid::now_v7().simple().to_string();
    let id = |n: u32| format!("H-{tag}-{n}");
    // Person 1: the deregistration comes first in the file but is later in time; applied in
    // file order it would find nobody to deregister and leave them resident.
    let dereg = historical(&id(1), "deregistration_of_residence", "2021-03-01", 1);
    let reg = historical(&id(2), "registration_of_residence", "2019-06-01", 1);
    // Person 2: resident since 2018.
    let other = historical(&id(3), "declaration_of_residence", "2018-02-14", 2);
    let mut reused = historical(&id(3), "declaration_of_residence", "2018-02-14", 3);
    reused["address"]["building"] = "14".into();
    let mut cancel = example("cancellation");
    cancel["external_id"] = id(5).into();
    cancel["action"]["date"] = "2020-01-10".into();
    let future = historical(&id(6), "declaration_of_residence", "2099-01-01", 4);
    let lines = vec![
        dereg.to_string(),                   // 1
        reg.to_string(),                     // 2
        String::new(),                       // 3: blank, skipped
        other.to_string(),                   // 4
        other.to_string(),                   // 5: the same line again: a retry
        reused.to_string(),                  // 6: same external_id, another document
        "{\"external_id\": \"broken".into(), // 7
        cancel.to_string(),                  // 8
        future.to_string(),                  // 9
    ];
    let file = ndjson(&lines);
    let (status, location, load) = upload(&app, &app.token, gzip(&file), true, None).await;
    assert_eq!(status, 202, "{load}");
    let location = location.unwrap();
    assert_eq!(
        location,
        format!("/v1/bulk-loads/{}", load["load_id"].as_str().unwrap())
    );
    assert_eq!(load["lines_received"], 8, "the blank line is not a line");
    let load = wait_done(&app, &app.token, &location).await;
    assert_eq!(
        (
            &load["lines_stored"],
            &load["lines_replayed"],
            &load["lines_refused"],
            &load["lines_pending"]
        ),
        (&json!(3), &json!(1), &json!(4), &json!(0)),
        "{load}"
    );
    let out = results(&app, &app.token, &location).await;
    let by_line: std::collections::BTreeMap<i64, &Value> = out
        .iter()
        .map(|r| (r["line"].as_i64().unwrap(), r))
        .collect();
    assert_eq!(
        by_line.keys().copied().collect::<Vec<_>>(),
        vec![1, 2, 4, 5, 6, 7, 8, 9]
    );
    for line in [1, 2, 4, 5] {
        let r = by_line[&line];
        assert_eq!(r["state"], "stored", "line {line}: {r}");
        let c = claims(r["receipt"].as_str().unwrap());
        assert_eq!(c["historical"], true);
        assert_eq!(c["late"], false, "history is never late");
        assert_eq!(c["bulk_load_id"], load["load_id"]);
        assert_eq!(c["action_id"], r["action_id"]);
    }
    assert_eq!(
        by_line[&4]["action_id"], by_line[&5]["action_id"],
        "a repeated line is one action"
    );
    let problem = |line: i64| by_line[&line]["problem"].clone();
    assert_eq!(problem(6)["code"], "idempotency_key_reused");
    assert_eq!(problem(7)["code"], "malformed_json");
    assert_eq!(problem(8)["code"], "validation_failed");
    assert_eq!(problem(8)["errors"][0]["pointer"], "/action/type");
    assert_eq!(problem(9)["code"], "validation_failed");
    assert_eq!(problem(9)["errors"][0]["code"], "in_future");
    // Applied in date order: registered in 2019, deregistered in 2021, so not resident now.
    let load_id = load["load_id"].as_str().unwrap();
    assert_eq!(
        app.count(&format!(
            "registration_actions WHERE bulk_load_id = '{load_id}' AND historical AND NOT late"
        ))
        .await,
        3
    );
    assert_eq!(
        app.count(&format!(
            "persons p WHERE p.residence_action_id IS NULL AND EXISTS (SELECT 1 FROM registration_actions a \
             WHERE a.person_id = p.id AND a.external_id = '{}')",
            id(1)
        ))
        .await,
        1,
        "the 2021 deregistration must be applied after the 2019 registration"
    );
    assert_eq!(
        app.count(&format!(
            "persons p JOIN registration_actions a ON a.id = p.residence_action_id WHERE a.external_id = '{}'",
            id(3)
        ))
        .await,
        1
    );
    assert_eq!(
        app.count(
            "feed_items f JOIN registration_actions a ON a.id = f.action_id WHERE a.historical"
        )
        .await,
        3
    );
    assert_eq!(app.count("notifications").await, 0);
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE event = 'bulk_load.create' AND target = '{load_id}'"
        ))
        .await,
        1
    );
    assert!(
        app.count(&format!(
            "audit_log WHERE event = 'bulk_load.apply' AND target = '{load_id}'"
        ))
        .await
            >= 1
    );
    // The same file again (gzipped or not), or the same file under a key: the same load, nothing new.
    let before = app.count("registration_actions").await;
    let (status, again_at, again) = upload(&app, &app.token, file.clone(), false, None).await;
    assert_eq!(
        (status, again["load_id"].clone()),
        (200, load["load_id"].clone()),
        "{again}"
    );
    assert_eq!(again_at.as_deref(), Some(location.as_str()));
    // A key names a load once: the same key with the same file is that load (gzipped too), with
    // another file it is refused; nothing is stored either way.
    let (status, _, keyed) = upload(
        &app,
        &app.token,
        ndjson(&[reg.to_string()]),
        false,
        Some("first-load"),
    )
    .await;
    assert_eq!(
        status, 202,
        "a new file under a new key is a new load: {keyed}"
    );
    let (status, _, keyed_again) = upload(
        &app,
        &app.token,
        gzip(&ndjson(&[reg.to_string()])),
        true,
        Some("first-load"),
    )
    .await;
    assert_eq!((status, &keyed_again["load_id"]), (200, &keyed["load_id"]));
    let (status, _, other) = upload(
        &app,
        &app.token,
        b"not even json\n".to_vec(),
        false,
        Some("first-load"),
    )
    .await;
    assert_eq!((status, &other["code"]), (422, &json!("load_key_reused")));
    assert_eq!(app.count("bulk_loads").await, 2, "two files, two loads");
    wait_done(
        &app,
        &app.token,
        &format!("/v1/bulk-loads/{}", keyed["load_id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(
        app.count("registration_actions").await,
        before,
        "nothing new stored"
    );
    // Another body sees none of it.
    let (status, _) = app
        .community(&app.lviv_token)
        .call(Method::GET, &location, None)
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn uploads_the_service_cannot_take_are_refused_whole() {
    let app = spawn_app().await;
    let ours = app.listener();
    let send =
        |ct: &'static str, enc: Option<&'static str>, key: Option<&'static str>, body: Vec<u8>| {
            let mut r = ours
                .request(Method::POST, "/v1/bulk-loads")
                .bearer_auth(&app.token)
                .header("content-type", ct);
            if let Some(e) = enc {
                r = r.header("content-encoding", e);
            }
            if let Some(k) = key {
                r = r.header("idempotency-key", k);
            }
            r.body(body).send()
        };
    let line = historical("X-1", "declaration_of_residence", "2019-01-01", 9).to_string();
    let res = send("application/json", None, None, line.clone().into_bytes())
        .await
        .unwrap();
    assert_eq!(res.status(), 415);
    assert_eq!(
        res.json::<Value>().await.unwrap()["code"],
        "unsupported_media_type"
    );
    let res = send(
        "application/x-ndjson",
        Some("br"),
        None,
        line.clone().into_bytes(),
    )
    .await
    .unwrap();
    assert_eq!(res.json::<Value>().await.unwrap()["code"], "invalid_header");
    let res = send(
        "application/x-ndjson",
        None,
        Some("bad key!"),
        line.clone().into_bytes(),
    )
    .await
    .unwrap();
    assert_eq!(res.json::<Value>().await.unwrap()["code"], "invalid_header");
    let res = send(
        "application/x-ndjson",
        Some("gzip"),
        None,
        line.clone().into_bytes(),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(
        res.json::<Value>().await.unwrap()["code"],
        "malformed_upload"
    );
    let res = send("application/x-ndjson", None, None, b"\n\n  \n".to_vec())
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert_eq!(res.json::<Value>().await.unwrap()["code"], "empty_upload");
    assert_eq!(app.count("bulk_loads").await, 0);
    assert_eq!(
        app.count("bulk_load_lines").await,
        0,
        "a refused upload leaves no line behind"
    );
    let res = app
        .listener()
        .request(Method::POST, "/v1/bulk-loads")
        .header("content-type", "application/x-ndjson")
        .body(line)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
}

#[tokio::test]
async fn a_worker_cut_off_mid_batch_resumes_and_stores_every_line_once() {
    let app = spawn_app_with(AppOptions {
        proxy: true,
        no_bulk_worker: true,
        ..Default::default()
    })
    .await;
    let proxy = app.proxy.clone().unwrap();
    let url = dms_tests::db::through(&app.runtime_url, proxy.addr);
    let keys = dms_crypto::KeyRing::load(&app.keys_dir, None).unwrap();
    let services = dms_service::Services::new(dms_db::connect(&url, 2).unwrap(), keys)
        .unwrap()
        .with_database_url(&url);
    let tag = uuid::Uuid::now_v7().simple().to_string();
    let lines: Vec<String> = (0..25u32)
        .map(|n| {
            // Dates run backwards through the file: the worker's order is not the file's.
            let date = chrono::NaiveDate::from_ymd_opt(2015, 1, 1).unwrap()
                + chrono::Duration::days(i64::from(100 - n));
            historical(
                &format!("K-{tag}-{n}"),
                "declaration_of_residence",
                &date.to_string(),
                1000 + u64::from(n),
            )
            .to_string()
        })
        .collect();
    let (status, location, load) = upload(&app, &app.token, ndjson(&lines), false, None).await;
    assert_eq!(status, 202, "{load}");
    let location = location.unwrap();
    let load_id = load["load_id"].as_str().unwrap().to_owned();
    let stored_sql = format!("registration_actions WHERE bulk_load_id = '{load_id}'");
    let stored = || app.count(&stored_sql);
    // Two batches of four, then the connection is cut inside the third batch's transaction,
    // after its actions were sent and before its cursor moved.
    assert_eq!(
        dms_service::bulk::apply::work(&services, 4, Some(2))
            .await
            .unwrap(),
        2
    );
    assert_eq!(stored().await, 8);
    let (_, half) = app
        .community(&app.token)
        .call(Method::GET, &location, None)
        .await;
    assert_eq!(
        (
            &half["state"],
            &half["lines_stored"],
            &half["lines_pending"]
        ),
        (&json!("running"), &json!(8), &json!(17))
    );
    proxy.cut_when_client_sends(b"UPDATE bulk_loads SET cursor_date");
    assert!(
        dms_service::bulk::apply::work(&services, 4, None)
            .await
            .is_err(),
        "the cut must fail the batch"
    );
    assert!(!proxy.is_armed(), "the fault fired");
    assert_eq!(stored().await, 8, "the cut batch left nothing behind");
    // Resumed: every line once.
    dms_service::bulk::apply::work(&services, 4, None)
        .await
        .unwrap();
    assert_eq!(stored().await, 25);
    assert_eq!(
        app.count(&format!("(SELECT DISTINCT external_id FROM registration_actions WHERE bulk_load_id = '{load_id}') x")).await,
        25
    );
    assert_eq!(app.count(&format!("confirmations c JOIN registration_actions a ON a.id = c.action_id WHERE a.bulk_load_id = '{load_id}'")).await, 25);
    let done = wait_done(&app, &app.token, &location).await;
    assert_eq!(
        (&done["lines_stored"], &done["lines_refused"]),
        (&json!(25), &json!(0))
    );
    // Action ids are in the order applied: ascending dates, i.e. the file read backwards.
    assert_eq!(
        app.count(&format!(
            "registration_actions a JOIN registration_actions b ON a.bulk_load_id = b.bulk_load_id \
             WHERE a.bulk_load_id = '{load_id}' AND a.action_date < b.action_date AND a.id > b.id"
        ))
        .await,
        0
    );
}

#[tokio::test]
async fn history_notifies_nobody_but_lists_a_person_resident_in_two_communities() {
    let app = spawn_app().await;
    let tag = uuid::Uuid::now_v7().simple().to_string();
    let khm = historical(
        &format!("C-{tag}-1"),
        "registration_of_residence",
        "2016-05-01",
        77,
    );
    let (status, at, _) = upload(&app, &app.token, ndjson(&[khm.to_string()]), false, None).await;
    assert_eq!(status, 202);
    wait_done(&app, &app.token, &at.unwrap()).await;
    let mut lviv = historical(
        &format!("C-{tag}-2"),
        "registration_of_residence",
        "2020-09-01",
        77,
    );
    lviv["address"] = json!({"katottg": "UA46060250010015970", "building": "3"});
    let (status, at, load) = upload(
        &app,
        &app.lviv_token,
        ndjson(&[lviv.to_string()]),
        false,
        None,
    )
    .await;
    assert_eq!(status, 202, "{load}");
    let done = wait_done(&app, &app.lviv_token, &at.unwrap()).await;
    assert_eq!(done["lines_stored"], 1, "{done}");
    assert_eq!(
        app.count("notifications").await,
        0,
        "a move found in history notifies nobody"
    );
    assert_eq!(app.count("bulk_load_conflicts").await, 1);
    assert_eq!(
        app.count(&format!(
            "bulk_load_conflicts c JOIN registration_actions a ON a.id = c.action_id \
             JOIN registration_actions o ON o.id = c.other_action_id \
             WHERE a.external_id = 'C-{tag}-2' AND o.external_id = 'C-{tag}-1'"
        ))
        .await,
        1
    );
    // DMS staff see the pair; a registration body does not.
    let supervisor = app.staff("supervisor", "ДМС України", None).await.1;
    let (status, listed) = app
        .admin(Some(&supervisor))
        .call(Method::GET, "/admin/v1/bulk-load-conflicts", None)
        .await;
    assert_eq!(status, 200, "{listed}");
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["registration_body_edrpou"], "04055896");
    assert_eq!(listed[0]["other_registration_body_edrpou"], "04060772");
    assert_eq!(listed[0]["action_date"], "2020-09-01");
    assert_eq!(listed[0]["other_action_date"], "2016-05-01");
    let officer = app
        .staff(
            "officer",
            "ГУ ДМС у Хмельницькій області",
            Some("UA68000000000099709"),
        )
        .await
        .1;
    let (status, _) = app
        .admin(Some(&officer))
        .call(Method::GET, "/admin/v1/bulk-load-conflicts", None)
        .await;
    assert_eq!(status, 403);
    // The newer registration is the person's residence.
    assert_eq!(
        app.count(&format!(
            "persons p JOIN registration_actions a ON a.id = p.residence_action_id WHERE a.external_id = 'C-{tag}-2'"
        ))
        .await,
        1
    );
}

#[tokio::test]
async fn a_vendor_resets_its_own_sandbox_data_and_nobody_elses() {
    use diesel_async::RunQueryDsl;
    let app = spawn_app_with(AppOptions {
        sandbox: true,
        ..Default::default()
    })
    .await;
    let ours = app.community(&app.token);
    let doc = dms_tests::fixtures::actions::person_action("declaration_of_residence", 1);
    let first = ours.submit_ok(&doc).await;
    let tag = uuid::Uuid::now_v7().simple().to_string();
    let (status, at, _) = upload(
        &app,
        &app.token,
        ndjson(&[historical(
            &format!("S-{tag}"),
            "declaration_of_residence",
            "2019-01-01",
            55,
        )
        .to_string()]),
        false,
        None,
    )
    .await;
    assert_eq!(status, 202);
    wait_done(&app, &app.token, &at.unwrap()).await;
    let mut theirs = dms_tests::fixtures::actions::person_action("declaration_of_residence", 2);
    theirs["address"]["katottg"] = "UA46060250010015970".into();
    app.community(&app.lviv_token).submit_ok(&theirs).await;
    // The database is not marked as a sandbox yet: nothing can be removed.
    let (status, refused) = ours.call(Method::POST, "/v1/sandbox/reset", None).await;
    assert_eq!(status, 403, "{refused}");
    assert_eq!(app.count("registration_actions").await, 3);
    let mut conn = dms_tests::db::connect(&app.database_url).await;
    diesel::sql_query("INSERT INTO sandbox_mode DEFAULT VALUES")
        .execute(&mut conn)
        .await
        .unwrap();
    let (status, reset) = ours.call(Method::POST, "/v1/sandbox/reset", None).await;
    assert_eq!((status, reset), (200, json!({"removed_actions": 2})));
    let khm = "(SELECT id FROM registration_bodies WHERE edrpou = '04060772')";
    assert_eq!(
        app.count(&format!(
            "registration_actions WHERE registration_body_id = {khm}"
        ))
        .await,
        0
    );
    assert_eq!(
        app.count(&format!("bulk_loads WHERE registration_body_id = {khm}"))
            .await,
        0
    );
    assert_eq!(
        app.count("registration_actions").await,
        1,
        "Lviv's action stays"
    );
    assert_eq!(app.count("confirmations").await, 1);
    assert_eq!(
        app.count("audit_log WHERE event = 'sandbox.reset'").await,
        1
    );
    // The same external id can be tried again from a clean start.
    let again = ours.submit_ok(&doc).await;
    assert_ne!(again["action_id"], first["action_id"]);
    // Outside the sandbox the path does not exist.
    let plain = spawn_app().await;
    let (status, _) = plain
        .community(&plain.token)
        .call(Method::POST, "/v1/sandbox/reset", None)
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn an_upload_that_stalls_is_given_up_and_stores_nothing() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app_with(AppOptions {
        body_timeout_secs: Some(1),
        ..Default::default()
    })
    .await;
    let addr = app.url.trim_start_matches("http://").to_owned();
    let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let line =
        historical("STALL-1", "declaration_of_residence", "2019-01-01", 66).to_string() + "\n";
    let head = format!(
        "POST /v1/bulk-loads HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{line}\r\n",
        app.token,
        line.len()
    );
    s.write_all(head.as_bytes()).await.unwrap();
    // Then nothing: no more chunks, no end.
    let mut answer = Vec::new();
    let read = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        let mut buf = [0u8; 4096];
        loop {
            let n = s.read(&mut buf).await.unwrap_or(0);
            if n == 0 {
                break;
            }
            answer.extend_from_slice(&buf[..n]);
            if answer.windows(4).any(|w| w == b"\r\n\r\n") && answer.ends_with(b"}") {
                break;
            }
        }
    })
    .await;
    assert!(
        read.is_ok(),
        "the service kept waiting for the stalled upload"
    );
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 400"), "{text}");
    assert!(text.contains("malformed_upload"), "{text}");
    assert_eq!(app.count("bulk_loads").await, 0);
    assert_eq!(app.count("bulk_load_lines").await, 0);
}

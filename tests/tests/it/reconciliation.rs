//! A vendor proving that DMS holds exactly what it sent: the listing of its own actions (by
//! period of receipt, by `external_id`, cursor-paged, nobody else's), the day digest (equal to
//! the one the vendor computes from the bytes it sent; a different byte gives another digest),
//! the validation that stores nothing, and the kit's authentication fixes (a case-insensitive
//! bearer scheme, a Трембіта client header falling back, no bearer challenge on Трембіта).

use dms_tests::app::spawn_app;
use dms_tests::fixtures::actions::{kyiv_day, person_action};
use reqwest::Method;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The digest the guide tells a vendor to compute: SHA-256 over `external_id TAB
/// hex(sha256(body)) LF`, sorted by `external_id` byte for byte.
fn vendor_digest(sent: &[(String, Vec<u8>)]) -> String {
    let mut lines: Vec<(String, String)> = sent
        .iter()
        .map(|(id, body)| (id.clone(), hex::encode(Sha256::digest(body))))
        .collect();
    lines.sort();
    let mut h = Sha256::new();
    for (id, sha) in lines {
        h.update(format!("{id}\t{sha}\n").as_bytes());
    }
    hex::encode(h.finalize())
}

#[tokio::test]
async fn a_body_lists_its_own_actions_paged_and_finds_one_by_external_id() {
    let app = spawn_app().await;
    let ours = app.community(&app.token);
    let mut sent = Vec::new();
    for seq in 0..3 {
        let doc = person_action("declaration_of_residence", 9100 + seq);
        let receipt = ours.submit_ok(&doc).await;
        sent.push((doc["external_id"].as_str().unwrap().to_owned(), receipt));
    }
    app.community(&app.lviv_token)
        .submit_ok(&{
            let mut d = person_action("declaration_of_residence", 9200);
            d["address"]["katottg"] = "UA46060250010015970".into();
            d
        })
        .await;
    let res = ours
        .listener
        .request(Method::GET, "/v1/registration-actions?limit=2")
        .bearer_auth(&ours.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let link = res.headers()["link"].to_str().unwrap().to_owned();
    let page: Vec<Value> = res.json().await.unwrap();
    assert_eq!(page.len(), 2);
    let next = link.trim_start_matches('<').split('>').next().unwrap();
    let (status, rest) = ours.call(Method::GET, next, None).await;
    assert_eq!(status, 200, "{rest}");
    let all: Vec<&Value> = page.iter().chain(rest.as_array().unwrap()).collect();
    assert_eq!(all.len(), 3, "ours only, each once: {all:?}");
    for ((external_id, receipt), listed) in sent.iter().zip(&all) {
        assert_eq!(listed["external_id"], external_id.as_str());
        assert_eq!(listed["action_id"], receipt["action_id"]);
        assert_eq!(listed["dms_number"], receipt["dms_number"]);
        assert_eq!(listed["state"], "confirmed");
    }
    let one = format!("/v1/registration-actions?external_id={}", sent[1].0);
    let (status, found) = ours.call(Method::GET, &one, None).await;
    assert_eq!(status, 200);
    assert_eq!(found.as_array().unwrap().len(), 1);
    assert_eq!(found[0]["action_id"], sent[1].1["action_id"]);
    let (status, none) = ours
        .call(Method::GET, "/v1/registration-actions?received_from=2020-01-01T00:00:00Z&received_to=2020-01-02T00:00:00Z", None)
        .await;
    assert_eq!((status, none), (200, serde_json::json!([])));
    let (status, problem) = ours
        .call(
            Method::GET,
            "/v1/registration-actions?received_from=yesterday&limit=0",
            None,
        )
        .await;
    assert_eq!(status, 422, "{problem}");
    let pointers: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["pointer"].as_str().unwrap())
        .collect();
    assert!(
        pointers.contains(&"/received_from") && pointers.contains(&"/limit"),
        "{problem}"
    );
}

#[tokio::test]
async fn the_day_digest_is_what_the_vendor_computes_from_the_bytes_it_sent() {
    let app = spawn_app().await;
    let ours = app.community(&app.token);
    let mut sent = Vec::new();
    for seq in 0..4 {
        let doc = person_action("registration_of_residence", 9300 + seq);
        let bytes = serde_json::to_vec(&doc).unwrap();
        assert_eq!(ours.submit_bytes(bytes.clone()).await.status(), 201);
        sent.push((doc["external_id"].as_str().unwrap().to_owned(), bytes));
    }
    let today = kyiv_day(0);
    let (status, digest) = ours
        .call(Method::GET, &format!("/v1/reconciliation/{today}"), None)
        .await;
    assert_eq!(status, 200, "{digest}");
    assert_eq!(digest["count"], 4);
    assert_eq!(digest["sha256"], vendor_digest(&sent).as_str());
    // One byte of one body different on the vendor's side: the digests differ.
    let mut changed = sent.clone();
    let last = changed[3].1.len() - 2;
    changed[3].1[last] ^= 0x01;
    assert_ne!(digest["sha256"], vendor_digest(&changed).as_str());
    // Another day: nothing, the digest of nothing.
    let (_, empty) = ours
        .call(Method::GET, "/v1/reconciliation/2020-02-29", None)
        .await;
    assert_eq!(empty["count"], 0);
    assert_eq!(empty["sha256"], hex::encode(Sha256::digest(b"")).as_str());
    let (status, _) = ours
        .call(Method::GET, "/v1/reconciliation/2020-02-30", None)
        .await;
    assert_eq!(status, 422);
    // Another body's day is its own.
    let (_, theirs) = app
        .community(&app.lviv_token)
        .call(Method::GET, &format!("/v1/reconciliation/{today}"), None)
        .await;
    assert_eq!(theirs["count"], 0);
}

#[tokio::test]
async fn validation_checks_everything_a_submission_would_and_stores_nothing() {
    let app = spawn_app().await;
    let ours = app.community(&app.token);
    let doc = person_action("declaration_of_residence", 9400);
    let (status, answer) = ours
        .call(
            Method::POST,
            "/v1/registration-actions/validate",
            Some(doc.clone()),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["valid"], true);
    let mut bad = doc.clone();
    bad["person"]["rnokpp"] = "1234567890".into();
    let (status, problem) = ours
        .call(
            Method::POST,
            "/v1/registration-actions/validate",
            Some(bad.clone()),
        )
        .await;
    let (submitted, submission_problem) = ours.submit(&bad).await;
    assert_eq!((status, submitted), (422, 422));
    assert_eq!(
        problem["errors"], submission_problem["errors"],
        "the same faults"
    );
    assert_eq!(app.count("registration_actions").await, 0, "nothing stored");
    // No number was taken: the first submission gets the year's first number.
    let receipt = ours.submit_ok(&doc).await;
    assert!(
        receipt["dms_number"]
            .as_str()
            .unwrap()
            .ends_with("-0000001"),
        "{receipt}"
    );
}

#[tokio::test]
async fn the_bearer_scheme_is_case_insensitive() {
    let app = spawn_app().await;
    for scheme in ["bearer", "BEARER", "Bearer"] {
        let res = app
            .listener()
            .request(Method::GET, "/v1/registration-actions")
            .header("authorization", format!("{scheme} {}", app.token))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{scheme}");
    }
    let res = app
        .listener()
        .request(Method::GET, "/v1/registration-actions")
        .header("authorization", format!("Basic {}", app.token))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(res.headers()["www-authenticate"], "Bearer");
}

#[tokio::test]
async fn an_empty_uxp_client_falls_back_to_x_road_client_and_trembita_sends_no_bearer_challenge() {
    let app = spawn_app().await;
    let client = dms_tests::fixtures::bodies::KHMELNYTSKYI_CLIENT;
    let list = |headers: Vec<(&'static str, String)>| {
        let mut r = app
            .trembita()
            .request(Method::GET, "/v1/registration-actions");
        for (k, v) in headers {
            r = r.header(k, v);
        }
        r.send()
    };
    for uxp in [String::new(), "X".repeat(300)] {
        let res = list(vec![
            ("uxp-client", uxp),
            ("x-road-client", client.to_owned()),
        ])
        .await
        .unwrap();
        assert_eq!(res.status(), 200);
    }
    let res = list(vec![(
        "uxp-client",
        "SEVDEIR-TEST/GOV/00000000/Nobody".into(),
    )])
    .await
    .unwrap();
    assert_eq!(res.status(), 401);
    assert!(res.headers().get("www-authenticate").is_none());
}

#[tokio::test]
async fn the_codifier_lookup_finds_by_name_and_parent_and_names_its_edition() {
    let app = spawn_app().await;
    let ours = app.community(&app.token);
    let (status, found) = ours
        .call(Method::GET, "/v1/katottg?q=%D1%85%D0%BC%D0%B5%D0%BB%D1%8C%D0%BD%D0%B8%D1%86%D1%8C%D0%BA%D0%B8%D0%B9", None)
        .await;
    assert_eq!(status, 200, "{found}");
    let objects = found["objects"].as_array().unwrap();
    assert!(
        objects
            .iter()
            .any(|o| o["code"] == dms_tests::fixtures::bodies::KHMELNYTSKYI_CITY),
        "«хмельницький» finds the city: {found}"
    );
    assert!(objects.iter().all(|o| o["name"]
        .as_str()
        .unwrap()
        .to_lowercase()
        .starts_with("хмельницький")));
    let edition = &found["edition"];
    assert_eq!(edition["sha256"].as_str().unwrap().len(), 64, "{edition}");
    let entries = app.count("katottg").await;
    assert_eq!(edition["entries"].as_i64().unwrap(), entries);
    // The settlements of our hromada: every one a child of it.
    let hromada = app.body.hromada_katottg.clone();
    let (_, children) = ours
        .call(
            Method::GET,
            &format!("/v1/katottg?parent={hromada}&limit=200"),
            None,
        )
        .await;
    let children = children["objects"].as_array().unwrap();
    assert!(!children.is_empty());
    assert!(children.iter().all(|o| o["parent"] == hromada.as_str()));
    // Nothing to look up by, or a parent that is no code: the fields at fault.
    // A control character (U+0000 above all, which PostgreSQL text cannot hold) is refused.
    let (status, problem) = ours
        .call(Method::GET, "/v1/katottg?q=%D0%A5%00", None)
        .await;
    assert_eq!(
        (status, problem["errors"][0]["code"].as_str()),
        (422, Some("control_character")),
        "{problem}"
    );
    let (status, problem) = ours.call(Method::GET, "/v1/katottg", None).await;
    assert_eq!(
        (status, problem["errors"][0]["pointer"].as_str()),
        (422, Some("/q"))
    );
    let (status, problem) = ours
        .call(Method::GET, "/v1/katottg?parent=UA1&limit=0", None)
        .await;
    assert_eq!(status, 422);
    assert_eq!(problem["errors"].as_array().unwrap().len(), 2, "{problem}");
}

#[tokio::test]
async fn the_sandbox_answers_as_asked_and_stores_nothing_and_production_ignores_the_switch() {
    let app = dms_tests::app::spawn_app_with(dms_tests::app::AppOptions {
        sandbox: true,
        ..Default::default()
    })
    .await;
    let ours = app.community(&app.token);
    let doc = person_action("declaration_of_residence", 9500);
    let ask = |switch: &'static str| {
        ours.submission(serde_json::to_vec(&doc).unwrap())
            .header("dms-sandbox-next", switch)
            .send()
    };
    let res = ask("unavailable").await.unwrap();
    assert_eq!(res.status(), 503);
    assert!(res.headers().contains_key("retry-after"));
    let res = ask("territory_restricted").await.unwrap();
    assert_eq!(res.status(), 422);
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["code"], "territory_restricted");
    assert_eq!(app.count("registration_actions").await, 0, "nothing stored");
    let res = ask("none-of-these").await.unwrap();
    assert_eq!(res.status(), 201, "an unknown switch is no switch");
    // Without the sandbox the header is nothing.
    let production = spawn_app().await;
    let res = production
        .community(&production.token)
        .submission(serde_json::to_vec(&doc).unwrap())
        .header("dms-sandbox-next", "unavailable")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
}

//! `(registration body, external_id)` is the idempotency key: a retry gets the byte-identical
//! receipt, a different document under the same key is refused, and concurrent duplicates store
//! exactly one action.

use dms_tests::{person_action, spawn_app};
use serde_json::Value;

#[tokio::test]
async fn a_retry_gets_the_byte_identical_answer() {
    let app = spawn_app().await;
    let doc = person_action("declaration_of_residence", 1);
    let bytes = serde_json::to_vec(&doc).unwrap();
    let first = app.submit_bytes(&app.token, bytes.clone()).await;
    assert_eq!(first.status(), 201);
    let location = first.headers()["location"].clone();
    let first = first.bytes().await.unwrap();
    let again = app.submit_bytes(&app.token, bytes).await;
    assert_eq!(again.status(), 200);
    assert_eq!(again.headers()["location"], location);
    assert_eq!(
        again.bytes().await.unwrap(),
        first,
        "byte-identical answer and receipt"
    );
    // The same document re-serialised (other whitespace and member order) is the same body.
    let pretty = serde_json::to_vec_pretty(&doc).unwrap();
    let res = app.submit_bytes(&app.token, pretty).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.bytes().await.unwrap(), first);
    assert_eq!(app.count("registration_actions").await, 1);
    assert_eq!(
        app.count("registration_actions WHERE dms_number LIKE '%-0000001'")
            .await,
        1
    );
}

#[tokio::test]
async fn a_reused_key_with_a_different_body_is_refused() {
    let app = spawn_app().await;
    let doc = person_action("declaration_of_residence", 1);
    assert_eq!(app.submit(&doc).await.status(), 201);
    let mut changed = doc.clone();
    changed["address"]["apartment"] = "6".into();
    let res = app.submit(&changed).await;
    assert_eq!(res.status(), 422);
    let p: Value = res.json().await.unwrap();
    assert_eq!(p["code"], "idempotency_key_reused");
    assert_eq!(app.count("registration_actions").await, 1);
    // Another registration body may use the same external id for its own action.
    let mut lviv = doc.clone();
    lviv["address"]["katottg"] = "UA46060250010015970".into();
    let res = app
        .submit_bytes(&app.lviv_token, serde_json::to_vec(&lviv).unwrap())
        .await;
    assert_eq!(res.status(), 201);
}

#[tokio::test]
async fn fifty_concurrent_identical_submissions_store_one_action() {
    let app = spawn_app().await;
    let bytes = serde_json::to_vec(&person_action("registration_of_residence", 1)).unwrap();
    let answers = futures_util::future::join_all((0..50).map(|_| {
        let bytes = bytes.clone();
        let app = &app;
        async move {
            let res = app.submit_bytes(&app.token, bytes).await;
            let status = res.status().as_u16();
            let body: Value = res.json().await.unwrap();
            (status, body)
        }
    }))
    .await;
    let created = answers.iter().filter(|(s, _)| *s == 201).count();
    assert_eq!(created, 1, "exactly one submission creates the action");
    let receipts: std::collections::HashSet<&str> = answers
        .iter()
        .filter(|(s, _)| *s != 409)
        .map(|(s, b)| {
            assert!(*s == 200 || *s == 201, "unexpected status {s}: {b}");
            b["receipt"].as_str().unwrap()
        })
        .collect();
    assert_eq!(receipts.len(), 1, "every answer carries the same receipt");
    assert_eq!(app.count("registration_actions").await, 1);
    assert_eq!(app.count("confirmations").await, 1);
    assert_eq!(app.count("feed_items").await, 1);
    // The losers waited for the winner and took no DMS number: the next action gets number 2.
    let res: Value = app
        .submit(&person_action("registration_of_residence", 2))
        .await
        .json()
        .await
        .unwrap();
    assert!(
        res["dms_number"].as_str().unwrap().ends_with("-0000002"),
        "{res}"
    );
}

#[tokio::test]
async fn concurrent_distinct_submissions_get_consecutive_numbers() {
    let app = spawn_app().await;
    let answers = futures_util::future::join_all((0..40).map(|i| {
        let app = &app;
        async move {
            // Every fourth one is invalid: refused before it could take a number.
            let mut doc = person_action("declaration_of_residence", i);
            if i % 4 == 0 {
                doc["person"]["unzr"] = "19900315-12345".into();
            }
            let res = app.submit(&doc).await;
            let status = res.status().as_u16();
            (status, res.json::<Value>().await.unwrap())
        }
    }))
    .await;
    let mut numbers: Vec<String> = answers
        .iter()
        .filter(|(s, _)| *s == 201)
        .map(|(_, b)| b["dms_number"].as_str().unwrap().to_owned())
        .collect();
    numbers.sort();
    let year = &dms_tests::kyiv_day(0)[..4];
    let expected: Vec<String> = (1..=30).map(|n| format!("DMS-{year}-{n:07}")).collect();
    assert_eq!(numbers, expected);
}

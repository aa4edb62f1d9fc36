//! Never confirm what is not committed: with the database gone the service answers 503 with
//! Retry-After, and recovers by itself when it returns. Keys rotate without breaking old receipts.

use crate::support::{jwks, verify_receipt};
use dms_tests::{fresh_database, person_action, spawn_app_with, AppOptions};
use serde_json::Value;
use std::time::{Duration, Instant};

#[tokio::test]
async fn database_outage_gives_503_then_recovers_without_restart() {
    let app = spawn_app_with(AppOptions {
        proxy: true,
        ..AppOptions::default()
    })
    .await;
    assert_eq!(
        app.submit(&person_action("declaration_of_residence", 0))
            .await
            .status(),
        201
    );
    let proxy = app.proxy.clone().unwrap();
    proxy.set_down(true);

    let started = Instant::now();
    let res = app
        .submit(&person_action("declaration_of_residence", 1))
        .await;
    assert_eq!(res.status(), 503);
    assert_eq!(res.headers()["retry-after"], "5");
    let p: Value = res.json().await.unwrap();
    assert_eq!(p["code"], "service_unavailable");
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "answered within the client's patience"
    );
    let ready = app
        .http
        .get(format!("{}/readyz", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 503);
    assert_eq!(
        app.http
            .get(format!("{}/healthz", app.url))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    proxy.set_down(false);
    // The same submission, retried, now succeeds: the pool reconnects by itself.
    let retry = person_action("declaration_of_residence", 2);
    let mut status = 0;
    for _ in 0..20 {
        status = app.submit(&retry).await.status().as_u16();
        if status == 201 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(status, 201);
    assert_eq!(
        app.http
            .get(format!("{}/readyz", app.url))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    // Nothing half-written: every action has its confirmation and feed item.
    assert_eq!(app.count("registration_actions").await, 2);
    assert_eq!(app.count("confirmations").await, 2);
    assert_eq!(app.count("feed_items").await, 2);
}

#[tokio::test]
async fn without_a_signing_key_nothing_is_stored() {
    let empty = std::env::temp_dir().join(format!("dms-no-keys-{}", uuid::Uuid::now_v7().simple()));
    let app = spawn_app_with(AppOptions {
        keys_dir: Some(empty),
        ..AppOptions::default()
    })
    .await;
    let res = app
        .submit(&person_action("declaration_of_residence", 1))
        .await;
    assert_eq!(res.status(), 503);
    assert!(res.headers().contains_key("retry-after"));
    assert_eq!(app.count("registration_actions").await, 0);
    let ready: Value = app
        .http
        .get(format!("{}/readyz", app.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ready["checks"]["signing_key"], false);
}

#[tokio::test]
async fn a_rotated_key_still_verifies_old_receipts() {
    let database_url = fresh_database().await;
    let keys_dir = std::env::temp_dir().join(format!("dms-rot-{}", uuid::Uuid::now_v7().simple()));
    let old_kid = dms_api::keys::KeyRing::generate(&keys_dir).unwrap();
    let app = spawn_app_with(AppOptions {
        keys_dir: Some(keys_dir.clone()),
        database_url: Some(database_url.clone()),
        ..AppOptions::default()
    })
    .await;
    let doc = person_action("declaration_of_residence", 1);
    let old: Value = app.submit(&doc).await.json().await.unwrap();
    app.stop().await;

    tokio::time::sleep(Duration::from_millis(1100)).await;
    let new_kid = dms_api::keys::KeyRing::generate(&keys_dir).unwrap();
    let app = spawn_app_with(AppOptions {
        keys_dir: Some(keys_dir),
        database_url: Some(database_url),
        ..AppOptions::default()
    })
    .await;
    let keys = jwks(&app).await;
    let (header, _) = verify_receipt(old["receipt"].as_str().unwrap(), &keys);
    assert_eq!(header["kid"], old_kid);
    let fresh: Value = app
        .submit(&person_action("declaration_of_residence", 2))
        .await
        .json()
        .await
        .unwrap();
    let (header, _) = verify_receipt(fresh["receipt"].as_str().unwrap(), &keys);
    assert_eq!(header["kid"], new_kid);
    // A retry of the old action returns the old receipt, signed by the old key.
    let replay: Value = app.submit(&doc).await.json().await.unwrap();
    assert_eq!(replay["receipt"], old["receipt"]);
}

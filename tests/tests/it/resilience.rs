//! Never confirm what is not committed: with the database gone the service answers 503 with
//! Retry-After, and recovers by itself when it returns. Keys rotate without breaking old receipts.
//! The database proxy's one-shot cut works as the tests that rely on it assume.

use crate::support::verify_receipt;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use dms_tests::db;
use dms_tests::{fresh_database, person_action, spawn_app_with, AppOptions, DbProxy};
use serde_json::Value;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

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
    let ready = app.listener().readyz().await;
    assert_eq!(ready.status(), 503);
    assert_eq!(app.listener().healthz().await.status(), 200);

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
    assert_eq!(app.listener().readyz().await.status(), 200);
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
    let ready: Value = app.listener().readyz().await.json().await.unwrap();
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
        signing_kid: Some(new_kid.clone()),
        database_url: Some(database_url),
        ..AppOptions::default()
    })
    .await;
    let keys = app.listener().jwks().await;
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

/// A statement carrying the marker never reaches PostgreSQL: its connection is cut, whatever it
/// would have written is not stored, and then the proxy forwards everything again, the marker too.
#[tokio::test]
async fn the_proxy_cuts_the_connection_that_sends_the_marker_once() {
    let database_url = fresh_database().await;
    let proxy = DbProxy::start(db::server(&database_url)).await;
    let via_proxy = db::through(&database_url, proxy.addr);
    let mut direct = db::connect(&database_url).await;
    diesel::sql_query("CREATE TABLE proxy_probe (note text NOT NULL)")
        .execute(&mut direct)
        .await
        .unwrap();
    let insert = |note: &str| format!("INSERT INTO proxy_probe (note) VALUES ('{note}')");

    // A connection opened before the trap is armed is watched too.
    let mut conn = AsyncPgConnection::establish(&via_proxy).await.unwrap();
    diesel::sql_query(insert("before"))
        .execute(&mut conn)
        .await
        .unwrap();
    proxy.cut_when_client_sends(b"cut-here-7f3a");
    assert!(proxy.is_armed());
    let err = diesel::sql_query(insert("cut-here-7f3a"))
        .execute(&mut conn)
        .await
        .expect_err("the statement with the marker fails");
    assert!(
        matches!(
            err,
            diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::ClosedConnection,
                _
            )
        ) || err.to_string().to_lowercase().contains("closed"),
        "a connection error, not a refusal by PostgreSQL: {err:?}"
    );
    assert!(!proxy.is_armed(), "one cut, then the trap is disarmed");
    assert!(
        diesel::sql_query("SELECT 1")
            .execute(&mut conn)
            .await
            .is_err(),
        "the cut connection stays gone"
    );
    assert_eq!(
        db::count(&database_url, "proxy_probe WHERE note = 'cut-here-7f3a'").await,
        0,
        "nothing of the cut statement is stored"
    );

    // A new connection through the proxy: statements go through, the marker now included.
    let mut again = AsyncPgConnection::establish(&via_proxy).await.unwrap();
    diesel::sql_query(insert("after"))
        .execute(&mut again)
        .await
        .unwrap();
    diesel::sql_query(insert("cut-here-7f3a"))
        .execute(&mut again)
        .await
        .unwrap();
    assert_eq!(db::count(&database_url, "proxy_probe").await, 3);
}

/// The marker split over two reads is still seen: the part before it was forwarded, the chunk
/// that completes it is not, and both sides of that connection are closed.
#[tokio::test]
async fn the_proxy_sees_a_marker_split_across_reads() {
    // An upstream that records what reaches it, to see exactly what the proxy forwarded.
    let upstream = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let upstream_addr = upstream.local_addr().unwrap();
    let (first_part, first_seen) = tokio::sync::oneshot::channel();
    let received = tokio::spawn(async move {
        let (mut s, _) = upstream.accept().await.unwrap();
        let mut got = Vec::new();
        let mut buf = [0u8; 1024];
        let mut first_part = Some(first_part);
        loop {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => return got,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
            if got.len() >= 9 {
                if let Some(tx) = first_part.take() {
                    let _ = tx.send(());
                }
            }
        }
    });
    let proxy = DbProxy::start(upstream_addr.to_string()).await;
    proxy.cut_when_client_sends(b"MARKER");
    let mut client = TcpStream::connect(proxy.addr).await.unwrap();
    client.write_all(b"hello MAR").await.unwrap();
    // The first part has been forwarded, so the rest arrives as a read of its own.
    tokio::time::timeout(Duration::from_secs(10), first_seen)
        .await
        .expect("the first part reaches the upstream")
        .unwrap();
    client.write_all(b"KER and more").await.unwrap();
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(10), client.read_to_end(&mut rest)).await;
    assert!(closed.is_ok(), "the proxy closed the client's side");
    let forwarded = tokio::time::timeout(Duration::from_secs(10), received)
        .await
        .expect("the proxy closed the upstream side")
        .unwrap();
    assert_eq!(forwarded, b"hello MAR");
    assert!(!proxy.is_armed());
}

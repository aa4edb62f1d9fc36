//! Bounded abuse: rate limits per peer address and per client (`429` + `Retry-After`, nothing
//! done), refusals audited without letting the caller choose how many rows or how large, and a
//! flood on one listener that cannot take the connections the others need.

use dms_tests::{spawn_app_with, AppOptions};
use reqwest::Method;
use serde_json::Value;
use std::net::{IpAddr, Ipv4Addr};

fn client_from(addr: Ipv4Addr) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(IpAddr::V4(addr))
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .unwrap()
}

#[tokio::test]
async fn an_address_over_its_limit_gets_429_and_its_refusals_stay_few_and_small() {
    let app = spawn_app_with(AppOptions {
        per_address: Some((1, 5)),
        ..AppOptions::default()
    })
    .await;
    let long_path = format!("/v1/registration-actions/{}", "A".repeat(7000));
    let flood = client_from(Ipv4Addr::new(127, 0, 0, 1));
    let mut statuses = Vec::new();
    let mut retry_after = None;
    for _ in 0..200 {
        let res = flood
            .get(format!("{}{long_path}", app.url))
            .send()
            .await
            .unwrap();
        statuses.push(res.status().as_u16());
        if res.status() == 429 {
            retry_after = res.headers().get("retry-after").cloned();
            let problem: Value = res.json().await.unwrap();
            assert_eq!(problem["code"], "rate_limited");
        }
    }
    let unauthenticated = statuses.iter().filter(|s| **s == 401).count();
    let limited = statuses.iter().filter(|s| **s == 429).count();
    assert!(
        (5..=7).contains(&unauthenticated),
        "the burst of 5 passes (and what refilled meanwhile): {unauthenticated}"
    );
    assert_eq!(unauthenticated + limited, 200);
    let secs: u64 = retry_after
        .expect("Retry-After on 429")
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(secs >= 1);

    // Another address is not held back by the first one's flood.
    let other = client_from(Ipv4Addr::new(127, 0, 0, 2));
    let res = other
        .get(format!("{}/v1/registration-actions/x", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);

    // 200 refusals from one address in one minute: one row per kind, each small.
    let rows = app
        .count("audit_log WHERE event IN ('auth.unknown_client', 'auth.rate_limited') AND details->>'source' = '127.0.0.1'")
        .await;
    assert!(
        rows <= 4,
        "{rows} rows for one source (a minute may turn once)"
    );
    let longest = app
        .count("audit_log WHERE event LIKE 'auth.%' AND length(details::text) > 600")
        .await;
    assert_eq!(longest, 0, "the caller's path is cut");
}

#[tokio::test]
async fn a_client_over_its_limit_gets_429_and_other_clients_are_served() {
    let app = spawn_app_with(AppOptions {
        per_client: Some((1, 3)),
        ..AppOptions::default()
    })
    .await;
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let (status, _) = app
            .community(&app.token)
            .call(Method::GET, "/v1/notifications", None)
            .await;
        statuses.push(status);
    }
    assert_eq!(&statuses[..3], &[200, 200, 200]);
    assert!(statuses[3..].contains(&429), "{statuses:?}");
    // Same address, another registration body: its own allowance.
    let (status, _) = app
        .community(&app.lviv_token)
        .call(Method::GET, "/v1/notifications", None)
        .await;
    assert_eq!(status, 200);
    let audited = app
        .count(&format!(
            "audit_log WHERE event = 'auth.rate_limited' AND actor_id = '{}'",
            app.body.id
        ))
        .await;
    assert_eq!(audited, 1, "the first refusal of the minute, in full");
}

#[tokio::test]
async fn a_flood_that_exhausts_the_community_pool_leaves_the_staff_listener_its_connections() {
    use diesel_async::{AsyncConnection, RunQueryDsl};
    let app = spawn_app_with(AppOptions {
        pool_size: Some(1),
        pool_wait_secs: Some(1),
        ..AppOptions::default()
    })
    .await;
    let (_, supervisor) = app.staff("supervisor", "ДМС України", None).await;
    // Hold the community listener's only connection: a submission waits on a lock the test holds.
    let mut locker = app.db().await;
    let (held, released) = tokio::sync::oneshot::channel::<()>();
    let (locked, is_locked) = tokio::sync::oneshot::channel::<()>();
    let holder = tokio::spawn(async move {
        locker
            .transaction::<_, diesel::result::Error, _>(async |tx| {
                diesel::sql_query("LOCK TABLE registration_actions IN ACCESS EXCLUSIVE MODE")
                    .execute(tx)
                    .await?;
                let _ = locked.send(());
                let _ = released.await;
                Ok(())
            })
            .await
            .unwrap();
    });
    is_locked.await.unwrap();
    let doc = dms_tests::example("declaration-of-residence");
    let stuck = {
        let http = app.http.clone();
        let url = format!("{}/v1/registration-actions", app.url);
        let token = app.token.clone();
        tokio::spawn(async move {
            http.post(url)
                .bearer_auth(token)
                .json(&doc)
                .send()
                .await
                .unwrap()
                .status()
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    // The community pool is exhausted: another community request waits, then gets 503.
    let (status, _) = app
        .community(&app.token)
        .call(Method::GET, "/v1/notifications", None)
        .await;
    assert_eq!(status, 503);
    // The staff listener has connections of its own.
    let (status, body) = app
        .admin(Some(&supervisor))
        .call(Method::GET, "/admin/v1/verification-requests", None)
        .await;
    assert_eq!(status, 200, "{body}");
    let _ = held.send(());
    holder.await.unwrap();
    assert_eq!(stuck.await.unwrap(), 201);
}

//! Channels: a token listener maps bearer tokens to bodies and ignores client headers; a Трембіта
//! listener trusts the client header set by the security server and echoes its query id.
//! Unknown or suspended clients are refused and audited.

use crate::support::verify_receipt;
use dms_tests::client::ACTIONS;
use dms_tests::{person_action, spawn_app, KHMELNYTSKYI_CLIENT};
use reqwest::Method;
use serde_json::Value;

#[tokio::test]
async fn trembita_listener_trusts_the_client_header_and_echoes_the_query_id() {
    let app = spawn_app().await;
    let doc = person_action("declaration_of_residence", 1);
    let res = app
        .trembita()
        .request(Method::POST, ACTIONS)
        .header("content-type", "application/json")
        .header("Uxp-Client", KHMELNYTSKYI_CLIENT)
        .header(
            "Uxp-Service",
            "SEVDEIR-TEST/GOV/00032684/20_DMS_RTG/registration-actions",
        )
        .header("Uxp-QueryID", "q-2026-11-22-0001")
        .header("Uxp-Subject-Id", "officer-17")
        .json(&doc)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    assert_eq!(res.headers()["uxp-queryid"], "q-2026-11-22-0001");
    let body: Value = res.json().await.unwrap();
    let (_, claims) = verify_receipt(
        body["receipt"].as_str().unwrap(),
        &app.listener().jwks().await,
    );
    assert_eq!(claims["transport"]["channel"], "trembita");
    assert_eq!(claims["transport"]["client"], KHMELNYTSKYI_CLIENT);
    assert_eq!(claims["transport"]["query_id"], "q-2026-11-22-0001");
    assert_eq!(claims["transport"]["user_id"], "officer-17");
    assert_eq!(
        app.count("registration_actions WHERE channel = 'trembita' AND transport_query_id = 'q-2026-11-22-0001' AND transport_client IS NOT NULL")
            .await,
        1
    );
    // Plain X-Road headers work too.
    let res = app
        .trembita()
        .request(Method::POST, ACTIONS)
        .header("X-Road-Client", KHMELNYTSKYI_CLIENT)
        .header("X-Road-Id", "xr-42")
        .json(&person_action("declaration_of_residence", 2))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    assert_eq!(res.headers()["x-road-id"], "xr-42");
}

#[tokio::test]
async fn the_token_listener_ignores_client_headers() {
    let app = spawn_app().await;
    let res = app
        .listener()
        .request(Method::POST, ACTIONS)
        .header("Uxp-Client", KHMELNYTSKYI_CLIENT)
        .json(&person_action("declaration_of_residence", 1))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let p: Value = res.json().await.unwrap();
    assert_eq!(p["code"], "unauthenticated");
    // And a bearer token means nothing on the Трембіта listener.
    let res = app
        .trembita()
        .request(Method::POST, ACTIONS)
        .bearer_auth(&app.token)
        .json(&person_action("declaration_of_residence", 2))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(app.count("registration_actions").await, 0);
    assert_eq!(
        app.count("audit_log WHERE event = 'auth.unknown_client'")
            .await,
        2
    );
}

#[tokio::test]
async fn unknown_clients_are_refused_and_audited() {
    let app = spawn_app().await;
    let res = app.submit_bytes("not-a-token", b"{}".to_vec()).await;
    assert_eq!(res.status(), 401);
    let res = app
        .trembita()
        .request(Method::POST, ACTIONS)
        .header("Uxp-Client", "SEVDEIR-TEST/GOV/12345678/Unknown")
        .json(&person_action("declaration_of_residence", 1))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(
        app.count("audit_log WHERE event = 'auth.unknown_client' AND channel = 'token'")
            .await,
        1
    );
    assert_eq!(
        app.count("audit_log WHERE event = 'auth.unknown_client' AND details->>'presented' = 'SEVDEIR-TEST/GOV/12345678/Unknown'")
            .await,
        1
    );
    // Token hashes are audited only as a short prefix, never the token.
    assert_eq!(
        app.count("audit_log WHERE details::text LIKE '%not-a-token%'")
            .await,
        0
    );
}

#[tokio::test]
async fn a_suspended_body_is_refused_at_once_on_every_channel() {
    let app = spawn_app().await;
    let first = app
        .submit(&person_action("declaration_of_residence", 1))
        .await;
    assert_eq!(first.status(), 201);
    let id = first.json::<Value>().await.unwrap()["action_id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.set_body_status(&app.body, "suspended").await;
    let res = app
        .submit(&person_action("declaration_of_residence", 2))
        .await;
    assert_eq!(res.status(), 403);
    let p: Value = res.json().await.unwrap();
    assert_eq!(p["code"], "registration_body_suspended");
    let res = app
        .trembita()
        .request(Method::POST, ACTIONS)
        .header("Uxp-Client", KHMELNYTSKYI_CLIENT)
        .json(&person_action("declaration_of_residence", 3))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = app.community(&app.token).action(&id).await;
    assert_eq!(res.status(), 403);
    // Audited on each channel; a repeat from the same source within a minute is counted.
    assert_eq!(
        app.count("(SELECT DISTINCT channel FROM audit_log WHERE event = 'auth.body_suspended') c")
            .await,
        2
    );
    assert_eq!(app.count("registration_actions").await, 1);
    // Reactivated, it may submit again.
    app.set_body_status(&app.body, "active").await;
    assert_eq!(
        app.submit(&person_action("declaration_of_residence", 4))
            .await
            .status(),
        201
    );
}

#[tokio::test]
async fn a_body_sees_only_its_own_actions() {
    let app = spawn_app().await;
    let res: Value = app
        .submit(&person_action("declaration_of_residence", 1))
        .await
        .json()
        .await
        .unwrap();
    let id = res["action_id"].as_str().unwrap();
    let get = |token: &str, id: &str| {
        let community = app.community(token);
        let id = id.to_owned();
        async move { community.action(&id).await }
    };
    assert_eq!(get(&app.token, id).await.status(), 200);
    let other = get(&app.lviv_token, id).await;
    assert_eq!(other.status(), 404);
    let p: Value = other.json().await.unwrap();
    assert_eq!(p["code"], "not_found");
    assert_eq!(
        get(&app.token, &uuid::Uuid::now_v7().to_string())
            .await
            .status(),
        404
    );
    assert_eq!(get(&app.token, "not-a-uuid").await.status(), 404);
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE event = 'registration_action.read' AND target = '{id}'"
        ))
        .await,
        1
    );
}

//! A cancellation targets one of the caller's own confirmed actions that is not cancelled yet.

use dms_tests::fixtures::actions;
use dms_tests::{person_action, spawn_app, TestApp};
use serde_json::{json, Value};

fn cancellation(external_id: &str, target: Value) -> Value {
    let mut cancels = target;
    cancels["reason"] = "Помилка в номері квартири".into();
    let mut d = actions::cancellation(cancels);
    d["external_id"] = external_id.into();
    d
}

async fn refused_code(app: &TestApp, token: &str, doc: &Value) -> (String, String) {
    let (status, p) = app.community(token).submit(doc).await;
    assert_eq!(status, 422);
    assert_eq!(p["code"], "validation_failed");
    (
        p["errors"][0]["pointer"].as_str().unwrap().to_owned(),
        p["errors"][0]["code"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn cancelling_by_number_or_id_and_only_once() {
    let app = spawn_app().await;
    let a = app
        .community(&app.token)
        .submit_ok(&person_action("registration_of_residence", 1))
        .await;
    let b = app
        .community(&app.token)
        .submit_ok(&person_action("registration_of_stay", 2))
        .await;
    let c1 = app
        .community(&app.token)
        .submit_ok(&cancellation("c-1", json!({"dms_number": a["dms_number"]})))
        .await;
    app.community(&app.token)
        .submit_ok(&cancellation("c-2", json!({"action_id": b["action_id"]})))
        .await;

    let (pointer, code) = refused_code(
        &app,
        &app.token,
        &cancellation("c-3", json!({"dms_number": a["dms_number"]})),
    )
    .await;
    assert_eq!(
        (pointer.as_str(), code.as_str()),
        ("/cancels/dms_number", "target_already_cancelled")
    );
    let (_, code) = refused_code(
        &app,
        &app.token,
        &cancellation("c-4", json!({"dms_number": c1["dms_number"]})),
    )
    .await;
    assert_eq!(code, "target_is_cancellation");
    let (pointer, code) = refused_code(
        &app,
        &app.token,
        &cancellation("c-5", json!({"action_id": uuid::Uuid::now_v7()})),
    )
    .await;
    assert_eq!(
        (pointer.as_str(), code.as_str()),
        ("/cancels/action_id", "target_not_found")
    );

    let state = app.action_state(a["action_id"].as_str().unwrap()).await;
    assert_eq!(state["state"], "cancelled");
    assert_eq!(state["cancelled_by"]["dms_number"], c1["dms_number"]);
    // A retry of the first cancellation replays its receipt rather than failing as "already cancelled".
    let res = app
        .submit_bytes(
            &app.token,
            serde_json::to_vec(&cancellation("c-1", json!({"dms_number": a["dms_number"]})))
                .unwrap(),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        app.count("registration_actions WHERE action_type = 'cancellation'")
            .await,
        2
    );
}

#[tokio::test]
async fn another_bodys_action_cannot_be_cancelled() {
    let app = spawn_app().await;
    let a = app
        .community(&app.token)
        .submit_ok(&person_action("registration_of_residence", 1))
        .await;
    let (_, code) = refused_code(
        &app,
        &app.lviv_token,
        &cancellation("l-1", json!({"dms_number": a["dms_number"]})),
    )
    .await;
    assert_eq!(code, "target_not_found");
    assert_eq!(app.count("registration_actions").await, 1);
}

#[tokio::test]
async fn concurrent_cancellations_of_one_action_confirm_exactly_one() {
    let app = spawn_app().await;
    let a = app
        .community(&app.token)
        .submit_ok(&person_action("registration_of_residence", 1))
        .await;
    let statuses = futures_util::future::join_all((0..10).map(|i| {
        let doc = cancellation(&format!("cc-{i}"), json!({"action_id": a["action_id"]}));
        let app = &app;
        async move { app.submit(&doc).await.status().as_u16() }
    }))
    .await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 422).count(),
        9,
        "{statuses:?}"
    );
    assert_eq!(
        app.count("registration_actions WHERE action_type = 'cancellation'")
            .await,
        1
    );
}

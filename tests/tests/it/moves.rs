//! Moves between communities: a registration of residence elsewhere ends the previous one and
//! notifies its registration body exactly once; cancelling it restores the previous residence
//! and notifies again. Each community sees only its own notices.

use dms_tests::fixtures::actions::cancellation;
use dms_tests::{person_action, spawn_app};
use reqwest::Method;
use serde_json::{json, Value};

fn lviv_registration() -> Value {
    let mut d = person_action("registration_of_residence", 2);
    d["address"] =
        json!({"katottg": "UA46060250010015970", "street": "вулиця Городоцька", "building": "15"});
    d
}

#[tokio::test]
async fn a_move_notifies_the_previous_community_exactly_once_and_a_cancellation_undoes_it() {
    let app = spawn_app().await;
    let (status, home) = app
        .community(&app.token)
        .submit(&person_action("registration_of_residence", 1))
        .await;
    assert_eq!(status, 201);
    // A second registration in the same community is not a move.
    let (status, _) = app
        .community(&app.token)
        .submit(&person_action("declaration_of_residence", 3))
        .await;
    assert_eq!(status, 201);
    assert_eq!(
        app.community(&app.token).notifications(0).await["items"],
        json!([])
    );

    let doc = lviv_registration();
    let (status, moved) = app.community(&app.lviv_token).submit(&doc).await;
    assert_eq!(status, 201);
    // A retry of the same submission is a replay, not a second move.
    assert_eq!(app.community(&app.lviv_token).submit(&doc).await.0, 200);

    let page = app.community(&app.token).notifications(0).await;
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{page}");
    let n = &items[0];
    assert_eq!(n["kind"], "resident_registered_elsewhere");
    assert_eq!(n["dms_number"], moved["dms_number"]);
    assert_eq!(n["registration_body_edrpou"], dms_tests::LVIV_EDRPOU);
    assert_eq!(n["effective_date"], doc["action"]["date"]);
    assert_eq!(n["person"]["unzr"], "19900315-12346");
    // The previous registration that ended is the latest one of this community.
    assert!(n["previous_dms_number"].is_string());
    assert_ne!(n["previous_dms_number"], home["dms_number"]);
    let ended = n["previous_dms_number"].clone();
    let cursor = page["next_cursor"].as_i64().unwrap();
    assert_eq!(
        app.community(&app.token).notifications(cursor).await["items"],
        json!([])
    );
    assert_eq!(
        app.community(&app.lviv_token).notifications(0).await["items"],
        json!([]),
        "Lviv gets no notice of its own action"
    );
    assert_eq!(
        app.count(&format!(
            "registration_bodies WHERE notifications_acked = {cursor}"
        ))
        .await,
        1
    );

    // Lviv cancels its registration: Khmelnytskyi's is current again and it is told so.
    let cancel =
        cancellation(json!({"dms_number": moved["dms_number"], "reason": "помилка реєстрації"}));
    assert_eq!(app.community(&app.lviv_token).submit(&cancel).await.0, 201);
    let page = app.community(&app.token).notifications(cursor).await;
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{page}");
    assert_eq!(items[0]["kind"], "move_cancelled");
    assert_eq!(items[0]["action_type"], "cancellation");
    assert_eq!(
        items[0]["previous_dms_number"], ended,
        "the registration that is current again"
    );
    assert_eq!(
        app.count("persons p JOIN registration_actions a ON a.id = p.residence_action_id WHERE p.person_key = 'unzr:19900315-12346' AND a.registration_body_id = (SELECT id FROM registration_bodies WHERE edrpou = '04060772')").await,
        1,
        "the previous residence is current again"
    );
    assert_eq!(app.count("notifications").await, 2);
    assert!(
        app.count("audit_log WHERE event = 'notifications.read'")
            .await
            >= 2
    );
}

#[tokio::test]
async fn bad_cursors_are_refused() {
    let app = spawn_app().await;
    let (status, p) = app
        .community(&app.token)
        .call(Method::GET, "/v1/notifications?after=-1&limit=0", None)
        .await;
    assert_eq!(status, 422);
    let pointers: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["pointer"].as_str().unwrap())
        .collect();
    assert_eq!(pointers, ["/after", "/limit"]);
}

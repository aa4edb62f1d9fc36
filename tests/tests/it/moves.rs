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
    assert_eq!(n["effective_date"], doc["action"]["date"]);
    assert_eq!(n["person"]["unzr"], "19900315-12346");
    // Who left and when, no more: not the new address, the document, the other community.
    let person = &doc["person"];
    let mut expected = json!({
        "unzr": person["unzr"], "surname": person["surname"],
        "given_name": person["given_name"], "birth_date": person["birth_date"],
    });
    if !person["patronymic"].is_null() {
        expected["patronymic"] = person["patronymic"].clone();
    }
    assert_eq!(n["person"], expected, "{n}");
    assert!(person["document"].is_object() && doc["address"].is_object());
    let text = n.to_string();
    for (what, value) in [
        ("document number", &person["document"]["number"]),
        ("street", &doc["address"]["street"]),
        ("katottg", &doc["address"]["katottg"]),
        ("edrpou", &json!(dms_tests::LVIV_EDRPOU)),
    ] {
        let value = value.as_str().unwrap();
        assert!(!text.contains(value), "the notice carries the {what}: {n}");
    }
    let members: Vec<&String> = n.as_object().unwrap().keys().collect();
    for forbidden in ["address", "document", "registration_body_edrpou", "rnokpp"] {
        assert!(
            !members.iter().any(|m| *m == forbidden),
            "{forbidden} in {n}"
        );
        assert!(
            n["person"].get(forbidden).is_none(),
            "person/{forbidden} in {n}"
        );
    }
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

#[tokio::test]
async fn a_cursor_beyond_the_last_notice_is_refused_and_acknowledges_nothing() {
    let app = spawn_app().await;
    let community = app.community(&app.token);
    // No notices yet: any cursor above 0 is ahead of them.
    let (status, p) = community
        .call(Method::GET, "/v1/notifications?after=1001", None)
        .await;
    assert_eq!(status, 422, "{p}");
    assert_eq!(p["code"], "validation_failed");
    assert_eq!(p["errors"][0]["pointer"], "/after");
    assert_eq!(p["errors"][0]["code"], "beyond_last_notice");
    assert_eq!(
        app.count("registration_bodies WHERE notifications_acked <> 0")
            .await,
        0
    );

    // One notice: its id is a valid cursor, one more is not.
    assert_eq!(
        community
            .submit(&person_action("registration_of_residence", 1))
            .await
            .0,
        201
    );
    assert_eq!(
        app.community(&app.lviv_token)
            .submit(&lviv_registration())
            .await
            .0,
        201
    );
    let page = community.notifications(0).await;
    let last = page["next_cursor"].as_i64().unwrap();
    assert!(last > 0, "{page}");
    let (status, p) = community
        .call(
            Method::GET,
            &format!("/v1/notifications?after={}", last + 1),
            None,
        )
        .await;
    assert_eq!(status, 422, "{p}");
    assert_eq!(
        app.count("registration_bodies WHERE notifications_acked <> 0")
            .await,
        0,
        "a refused cursor acknowledges nothing"
    );
    let (status, p) = community
        .call(
            Method::GET,
            &format!("/v1/notifications?after={last}"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(p["items"], json!([]));
}

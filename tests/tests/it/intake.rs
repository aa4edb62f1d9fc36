//! Submitting every kind of registration action: stored once, confirmed with a receipt that
//! verifies against the JWKS and names exactly what was received.

use crate::support::{sha256_hex, verify_receipt};
use dms_tests::{example, kyiv_day, person_action, spawn_app, KHMELNYTSKYI_EDRPOU};
use serde_json::{json, Value};

#[tokio::test]
async fn every_example_is_confirmed_with_a_verifiable_receipt() {
    let app = spawn_app().await;
    let keys = app.listener().jwks().await;
    let mut numbers = Vec::new();
    for name in [
        "declaration-of-residence",
        "declaration-of-stay",
        "registration-of-residence",
        "registration-of-stay",
        "deregistration-of-residence",
        "deregistration-of-stay",
    ] {
        let bytes = serde_json::to_vec_pretty(&example(name)).unwrap();
        let res = app.submit_bytes(&app.token, bytes.clone()).await;
        assert_eq!(res.status(), 201, "{name}");
        let location = res.headers()["location"].to_str().unwrap().to_owned();
        let body: Value = res.json().await.unwrap();
        assert_eq!(
            location,
            format!(
                "/v1/registration-actions/{}",
                body["action_id"].as_str().unwrap()
            )
        );
        assert_eq!(body["state"], "confirmed");
        let (_, claims) = verify_receipt(body["receipt"].as_str().unwrap(), &keys);
        let doc = example(name);
        assert_eq!(claims["action_id"], body["action_id"]);
        assert_eq!(claims["dms_number"], body["dms_number"]);
        assert_eq!(claims["registration_body_edrpou"], KHMELNYTSKYI_EDRPOU);
        assert_eq!(claims["external_id"], doc["external_id"]);
        assert_eq!(claims["action_type"], doc["action"]["type"]);
        assert_eq!(
            claims["body_sha256"],
            sha256_hex(&bytes),
            "hash of the exact bytes sent"
        );
        assert_eq!(claims["schema_version"], "registration-action.v1");
        assert_eq!(claims["received_at"], body["received_at"]);
        assert_eq!(claims["transport"]["channel"], "token");
        assert!(claims["request_id"].as_str().is_some_and(|s| !s.is_empty()));
        numbers.push(body["dms_number"].as_str().unwrap().to_owned());
    }
    // DMS numbers are readable, per year and consecutive.
    let year = &kyiv_day(0)[..4];
    let expected: Vec<String> = (1..=6).map(|n| format!("DMS-{year}-{n:07}")).collect();
    assert_eq!(numbers, expected);
    assert_eq!(app.count("registration_actions").await, 6);
    assert_eq!(app.count("confirmations").await, 6);
    assert_eq!(app.count("feed_items").await, 6);
    assert_eq!(
        app.count("audit_log WHERE event = 'registration_action.create'")
            .await,
        6
    );
}

#[tokio::test]
async fn the_action_is_stored_verbatim_with_its_person_and_held_in_the_feed() {
    let app = spawn_app().await;
    let doc = person_action("registration_of_residence", 1);
    let res = app.submit(&doc).await;
    assert_eq!(res.status(), 201);
    let body: Value = res.json().await.unwrap();
    let id = body["action_id"].as_str().unwrap();
    assert_eq!(
        app.count(&format!(
            "registration_actions WHERE id = '{id}' AND body = '{}'::jsonb",
            doc.to_string().replace('\'', "''")
        ))
        .await,
        1
    );
    assert_eq!(
        app.count("persons WHERE person_key = 'unzr:19900315-12346'")
            .await,
        1
    );
    // The person is not known to ЄДДР yet: the feed item is held, not pending.
    assert_eq!(
        app.count(&format!(
            "feed_items WHERE action_id = '{id}' AND state = 'held'"
        ))
        .await,
        1
    );
    let state = app.action_state(id).await;
    assert_eq!(state["state"], "confirmed");
    assert_eq!(state["feed"]["state"], "held");
    assert_eq!(state["receipt"], body["receipt"]);
    assert_eq!(state["dms_number"], body["dms_number"]);
}

#[tokio::test]
async fn late_submissions_are_marked_late_and_same_day_ones_are_not() {
    let app = spawn_app().await;
    let mut on_time = person_action("declaration_of_residence", 1);
    on_time["action"]["date"] = kyiv_day(0).into();
    let mut late = person_action("declaration_of_residence", 2);
    late["action"]["date"] = kyiv_day(-1).into();
    let keys = app.listener().jwks().await;
    for (doc, expected) in [(on_time, false), (late, true)] {
        let res = app.submit(&doc).await;
        assert_eq!(res.status(), 201);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["late"], expected);
        let (_, claims) = verify_receipt(body["receipt"].as_str().unwrap(), &keys);
        assert_eq!(claims["late"], expected);
    }
    assert_eq!(app.count("registration_actions WHERE late").await, 1);
}

#[tokio::test]
async fn deregistration_of_a_person_never_seen_is_accepted() {
    let app = spawn_app().await;
    let mut doc = person_action("deregistration_of_residence", 1);
    doc["person"]["unzr"] = "19550212-01110".into();
    doc["person"]["birth_date"] = "1955-02-12".into();
    doc["person"].as_object_mut().unwrap().remove("rnokpp");
    let res = app.submit(&doc).await;
    assert_eq!(res.status(), 201);
    assert_eq!(
        app.count("persons WHERE person_key = 'unzr:19550212-01110'")
            .await,
        1
    );
}

#[tokio::test]
async fn a_kyiv_district_lies_in_kyiv_though_its_code_shares_no_prefix() {
    let app = spawn_app().await;
    let mut doc = person_action("registration_of_residence", 1);
    doc["address"] = json!({"katottg": dms_tests::KYIV_PECHERSKYI, "street": "вулиця Лаврська", "building": "9"});
    let res = app
        .submit_bytes(&app.kyiv_token, serde_json::to_vec(&doc).unwrap())
        .await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    // The same address from Khmelnytskyi is outside its hromada.
    let mut doc2 = doc.clone();
    doc2["external_id"] = "other-1".into();
    let res = app.submit(&doc2).await;
    assert_eq!(res.status(), 422);
    let p: Value = res.json().await.unwrap();
    assert_eq!(p["errors"][0]["code"], "address_outside_hromada");
}

#[tokio::test]
async fn confirmed_actions_cannot_be_changed_or_deleted() {
    let app = spawn_app().await;
    assert_eq!(
        app.submit(&person_action("declaration_of_residence", 1))
            .await
            .status(),
        201
    );
    let mut conn = app.db().await;
    use diesel_async::RunQueryDsl;
    for sql in [
        "UPDATE registration_actions SET late = NOT late",
        "DELETE FROM registration_actions",
        "UPDATE confirmations SET receipt = 'x'",
        "DELETE FROM confirmations",
        "DELETE FROM audit_log",
    ] {
        let err = diesel::sql_query(sql)
            .execute(&mut conn)
            .await
            .expect_err(sql);
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
    assert_eq!(app.count("registration_actions").await, 1);
    assert_eq!(app.count("confirmations").await, 1);
}

//! Bad input gets a specific problem+json — every fault with its JSON Pointer, no personal data
//! echoed — and changes nothing.

use dms_tests::client::ACTIONS;
use dms_tests::{person_action, spawn_app, TestApp, LVIV_HROMADA};
use reqwest::Method;
use serde_json::{json, Value};

async fn refused(app: &TestApp, doc: &Value) -> (u16, Value) {
    let res = app.submit(doc).await;
    let status = res.status().as_u16();
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    (status, res.json().await.unwrap())
}

fn assert_no_personal_data(problem: &Value) {
    let text = problem.to_string();
    for pd in [
        "Шевченко",
        "Олена",
        "19900315",
        "3294631448",
        "004512876",
        "Проскурівська",
    ] {
        assert!(
            !text.contains(pd),
            "problem echoes personal data {pd}: {text}"
        );
    }
}

#[tokio::test]
async fn schema_errors_are_all_reported_at_once() {
    let app = spawn_app().await;
    let mut doc = person_action("registration_of_residence", 1);
    doc["person"]["surname"] = "Shevchenko".into();
    doc["person"]["birth_date"] = "1990-02-30".into();
    doc["person"]["document"]
        .as_object_mut()
        .unwrap()
        .remove("type");
    doc["person"]["nickname"] = "x".into();
    doc["address"]["katottg"] = "UA680404700".into();
    doc["action"]["type"] = "registration_of_residense".into();
    doc["cancels"] = json!({"dms_number": "DMS-2026-0000001", "reason": "x"});
    let (status, problem) = refused(&app, &doc).await;
    assert_eq!(status, 422);
    assert_no_personal_data(&problem);
    insta::assert_json_snapshot!("schema_violation", problem);
    assert_eq!(app.count("registration_actions").await, 0);
    assert_eq!(app.count("persons").await, 0);
}

#[tokio::test]
async fn identifiers_and_cross_checks_are_validated() {
    let app = spawn_app().await;
    let mut doc = person_action("registration_of_residence", 1);
    doc["person"]["unzr"] = "19900315-12345".into(); // wrong check digit
    doc["person"]["rnokpp"] = "1759013776".into(); // valid, but born 1948-02-28
    doc["person"]["sex"] = "male".into(); // as that РНОКПП's 9th digit says
    let (status, problem) = refused(&app, &doc).await;
    assert_eq!(status, 422);
    assert_no_personal_data(&problem);
    insta::assert_json_snapshot!("validation_failed_identifiers", problem);

    // A document number that does not fit its type is refused by the schema (its pattern per
    // type), so a vendor's local check catches it; the identifier checks are not reached.
    doc["person"]["document"] = json!({"type": "passport_booklet", "number": "HB123456"}); // Latin letters
    let (status, problem) = refused(&app, &doc).await;
    assert_eq!(status, 422);
    assert_eq!(problem["code"], "schema_violation");
    assert_eq!(
        problem["errors"],
        json!([{"pointer": "/person/document/number", "code": "pattern",
                "message": "does not have the required format"}])
    );

    let mut doc = person_action("registration_of_residence", 2);
    doc["person"]["unzr"] = "19550212-01110".into(); // valid, but another birth date
    doc["action"]["date"] = dms_tests::kyiv_day(2).into();
    let (_, problem) = refused(&app, &doc).await;
    let got: Vec<(&str, &str)> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["pointer"].as_str().unwrap(), e["code"].as_str().unwrap()))
        .collect();
    assert_eq!(
        got,
        [
            ("/action/date", "in_future"),
            ("/person/unzr", "birth_date_mismatch")
        ]
    );
    assert_eq!(app.count("registration_actions").await, 0);
}

/// The members added to contract v1: accepted as the example has them; their cross-checks are
/// `validation_failed` with pointers under their members, and change nothing.
#[tokio::test]
async fn the_v1_additions_are_cross_checked() {
    let app = spawn_app().await;
    let mut doc = dms_tests::example("registration-of-residence-foreign-child");
    doc["action"]["date"] = dms_tests::kyiv_day(0).into();
    doc["action"]["basis"]["date"] = dms_tests::kyiv_day(0).into();
    let faults = |problem: &Value| -> Vec<(String, String)> {
        problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["pointer"].as_str().unwrap().to_owned(),
                    e["code"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };

    let mut bad = doc.clone();
    bad["external_id"] = "v1-bad-1".into();
    bad["legal_representative"]["rnokpp"] = "2632010119".into(); // wrong check digit
    bad["person"]["document"]["expires_on"] = dms_tests::kyiv_day(-1).into();
    bad["person"]["document"]["issued_on"] = dms_tests::kyiv_day(-30).into();
    bad["person"]["citizenship"] = json!({"countries": ["UKR"]}); // with a residence permit
    let (status, problem) = refused(&app, &bad).await;
    assert_eq!(status, 422);
    assert_eq!(problem["code"], "validation_failed");
    let mut got = faults(&problem);
    got.sort();
    assert_eq!(
        got,
        [
            (
                "/legal_representative/rnokpp".to_owned(),
                "check_digit".to_owned()
            ),
            (
                "/person/citizenship".to_owned(),
                "citizenship_mismatch".to_owned()
            ),
            (
                "/person/document/expires_on".to_owned(),
                "document_expired".to_owned()
            ),
        ]
    );

    let mut bad = doc.clone();
    bad["external_id"] = "v1-bad-2".into();
    bad["action"]["basis"] = json!({"type": "other"}); // names no document
    bad["previous_address"] = json!({"country": "POL", "katottg": "UA46060250000025047"});
    let (status, problem) = refused(&app, &bad).await;
    assert_eq!(status, 422);
    assert_eq!(problem["code"], "schema_violation");
    assert_eq!(
        faults(&problem),
        [
            ("/action/basis/document".to_owned(), "required".to_owned()),
            (
                "/previous_address/foreign_address".to_owned(),
                "required".to_owned()
            ),
            (
                "/previous_address/katottg".to_owned(),
                "not_allowed".to_owned()
            ),
        ]
    );
    assert_eq!(app.count("registration_actions").await, 0);

    // Without the representative (history may lack them) and with: both accepted.
    let mut without = doc.clone();
    without["external_id"] = "v1-ok-1".into();
    without
        .as_object_mut()
        .unwrap()
        .remove("legal_representative");
    assert_eq!(app.submit(&without).await.status(), 201);
    assert_eq!(app.submit(&doc).await.status(), 201);
}

#[tokio::test]
async fn the_address_must_be_a_known_settlement_inside_the_callers_hromada() {
    let app = spawn_app().await;
    let cases = [
        ("UA68040470010096614", "katottg_unknown"),
        // The hromada itself is not a settlement.
        ("UA68040470000053519", "katottg_not_settlement"),
        // Lviv hromada's city is outside Khmelnytskyi's hromada.
        (LVIV_HROMADA, "katottg_not_settlement"),
        ("UA46060250010015970", "address_outside_hromada"),
    ];
    for (i, (code, expected)) in cases.into_iter().enumerate() {
        let mut doc = person_action("declaration_of_residence", i as u32);
        doc["address"]["katottg"] = code.into();
        let (status, problem) = refused(&app, &doc).await;
        assert_eq!(status, 422, "{code}");
        assert_eq!(problem["code"], "validation_failed");
        assert_eq!(
            problem["errors"][0]["pointer"], "/address/katottg",
            "{code}"
        );
        assert_eq!(problem["errors"][0]["code"], expected, "{code}");
    }
    // A village of the Khmelnytskyi hromada is inside.
    let mut doc = person_action("declaration_of_residence", 99);
    doc["address"]["katottg"] = "UA68040470020031437".into();
    assert_eq!(app.submit(&doc).await.status(), 201);
    assert_eq!(app.count("registration_actions").await, 1);
}

#[tokio::test]
async fn malformed_bodies_get_clean_problems() {
    let app = spawn_app().await;
    let post = |body: Vec<u8>, ctype: &'static str| {
        app.listener()
            .request(Method::POST, ACTIONS)
            .bearer_auth(&app.token)
            .header("content-type", ctype)
            .body(body)
            .send()
    };
    let res = post(b"{\"external_id\": \"x\",".to_vec(), "application/json")
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let p: Value = res.json().await.unwrap();
    assert_eq!(p["code"], "malformed_json");
    let res = post(
        b"{\"external_id\": \"\xff\xfe\"}".to_vec(),
        "application/json",
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 400);
    let res = post(b"<xml/>".to_vec(), "text/xml").await.unwrap();
    assert_eq!(res.status(), 415);
    let p: Value = res.json().await.unwrap();
    assert_eq!(p["code"], "unsupported_media_type");
    let huge = format!("{{\"external_id\": \"{}\"}}", "a".repeat(256 * 1024));
    let res = post(huge.into_bytes(), "application/json").await.unwrap();
    assert_eq!(res.status(), 413);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let p: Value = res.json().await.unwrap();
    assert_eq!(p["code"], "payload_too_large");
    let res = post(b"[1,2,3]".to_vec(), "application/json").await.unwrap();
    assert_eq!(res.status(), 422);
    let nested = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let res = post(nested.into_bytes(), "application/json").await.unwrap();
    assert_eq!(
        res.status(),
        400,
        "nesting beyond serde_json's recursion limit"
    );
    assert_eq!(app.count("registration_actions").await, 0);
}

#[tokio::test]
async fn problems_speak_ukrainian_when_asked_and_codes_do_not_change() {
    let app = spawn_app().await;
    let mut doc = person_action("registration_of_residence", 1);
    doc["person"]["unzr"] = "19900315-12345".into();
    let ask = |lang: &'static str| {
        app.listener()
            .request(Method::POST, ACTIONS)
            .bearer_auth(&app.token)
            .header("accept-language", lang)
            .json(&doc)
            .send()
    };
    let uk: Value = ask("uk-UA,uk;q=0.9,en;q=0.5")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let en: Value = ask("en-GB,en;q=0.9").await.unwrap().json().await.unwrap();
    assert_eq!(uk["code"], "validation_failed");
    assert_eq!(uk["code"], en["code"]);
    // Pointers and codes are the same in both languages; the messages are in the language asked.
    let fault = |p: &Value| {
        p["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["pointer"].clone(), e["code"].clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(fault(&uk), fault(&en));
    assert_eq!(uk["errors"][0]["code"], "check_digit");
    assert_eq!(uk["errors"][0]["message"], "неправильна контрольна цифра");
    assert_ne!(en["errors"][0]["message"], uk["errors"][0]["message"]);
    assert_eq!(
        uk["title"],
        "документ коректний за формою, але деякі значення неприйнятні"
    );
    assert_eq!(
        en["title"],
        "the document is well-formed but some values are not acceptable"
    );
    let res = app
        .listener()
        .request(Method::POST, ACTIONS)
        .header("accept-language", "uk")
        .json(&doc)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let p: Value = res.json().await.unwrap();
    assert_eq!(
        (p["code"].as_str(), p["title"].as_str()),
        (
            Some("unauthenticated"),
            Some("облікові дані не надано або вони невідомі")
        )
    );
}

/// A member named twice (serde would keep the last, other parsers the first) and a control
/// character (U+0000 cannot even be stored) are refused with their pointers; nothing is stored.
#[tokio::test]
async fn duplicate_members_and_control_characters_are_refused() {
    let app = spawn_app().await;
    let doc = person_action("declaration_of_residence", 1);
    let text = serde_json::to_string(&doc).unwrap();
    // The same document with `external_id` written twice, the second time with another value.
    let twice = text.replacen('{', "{\"external_id\":\"SOMETHING-ELSE\",", 1);
    let res = app.submit_bytes(&app.token, twice.into_bytes()).await;
    assert_eq!(res.status(), 422);
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["code"], "schema_violation");
    assert_eq!(
        problem["errors"],
        json!([{"pointer": "/external_id", "code": "duplicate_member",
                "message": "appears more than once in its object"}])
    );

    let mut nul = doc.clone();
    nul["person"]["surname"] = "Шевч\u{0}енко".into();
    nul["address"]["street"] = "вулиця\u{7}".into();
    let (status, problem) = refused(&app, &nul).await;
    assert_eq!(status, 422);
    assert_no_personal_data(&problem);
    let faults: Vec<(&str, &str)> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["pointer"].as_str().unwrap(), e["code"].as_str().unwrap()))
        .collect();
    assert!(
        faults.contains(&("/person/surname", "control_character")),
        "{faults:?}"
    );
    assert!(
        faults.contains(&("/address/street", "control_character")),
        "{faults:?}"
    );
    assert_eq!(app.count("registration_actions").await, 0);

    // The same document, clean, is accepted: the refusals were about those bytes only.
    assert_eq!(app.submit(&doc).await.status(), 201);
}

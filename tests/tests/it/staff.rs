//! DMS staff: role-scoped access to the admin API, verification requests with a deadline of three
//! working days from receipt, answers that are final, and territorial bans that refuse actions.

use dms_tests::fixtures::store::seal_audit;
use dms_tests::process::api::cli;
use dms_tests::{
    kyiv_day, person_action, spawn_app, TestApp, KHMELNYTSKYI_CITY, KHMELNYTSKYI_EDRPOU,
    KYIV_PECHERSKYI, LVIV_EDRPOU,
};
use serde_json::{json, Value};

const KHMELNYTSKA_OBLAST: &str = "UA68000000000099709";
const LVIVSKA_OBLAST: &str = "UA46000000000026241";
const BUCHA_EDRPOU: &str = "04360586";

struct Staff {
    officer: String,
    lviv_officer: String,
    supervisor: String,
    auditor: String,
    /// The document-issuance system, a machine client.
    issuance: String,
}

async fn staff(app: &TestApp) -> Staff {
    Staff {
        officer: app
            .staff(
                "officer",
                "ГУ ДМС у Хмельницькій області",
                Some(KHMELNYTSKA_OBLAST),
            )
            .await
            .1,
        lviv_officer: app
            .staff(
                "officer",
                "ГУ ДМС у Львівській області",
                Some(LVIVSKA_OBLAST),
            )
            .await
            .1,
        supervisor: app.staff("supervisor", "ДМС України", None).await.1,
        auditor: app.staff("auditor", "ДМС України", None).await.1,
        issuance: app.staff("issuance", "Документ", None).await.1,
    }
}

fn request_doc(edrpou: &str) -> Value {
    json!({
        "registration_body_edrpou": edrpou,
        "person": {"unzr": "19900315-12346"},
        "question": "confirm_current_address",
        "details": "Перевірка у зв'язку з оформленням паспорта"
    })
}

#[tokio::test]
async fn every_admin_endpoint_admits_exactly_its_roles() {
    use reqwest::Method;
    let app = spawn_app().await;
    let s = staff(&app).await;
    let tokens_path = format!("/admin/v1/registration-bodies/{LVIV_EDRPOU}/tokens");
    let body_path = format!("/admin/v1/registration-bodies/{LVIV_EDRPOU}");
    // No such person, no such ban: the role is checked first, then 404.
    let nobody = "00000000-0000-7000-8000-000000000000";
    let history_path = format!("/admin/v1/persons/{nobody}/history");
    let end_path = format!("/admin/v1/territory-restrictions/{nobody}/end");
    let override_body = json!({"day": kyiv_day(30), "working": false, "reason": "Рішення КМУ"});
    let ban_body = json!({"katottg": "UA68040470020031437", "from": kyiv_day(100), "to": kyiv_day(101), "legal_basis": "Наказ військового командування"});
    // (method, path, body, [none, officer, supervisor, auditor, issuance])
    let cases: Vec<(Method, &str, Option<Value>, [u16; 5])> = vec![
        (
            Method::POST,
            "/admin/v1/verification-requests",
            Some(request_doc(KHMELNYTSKYI_EDRPOU)),
            [401, 201, 403, 403, 403],
        ),
        (
            Method::GET,
            "/admin/v1/verification-requests",
            None,
            [401, 200, 200, 403, 403],
        ),
        (
            Method::POST,
            "/admin/v1/calendar-overrides",
            Some(override_body),
            [401, 403, 204, 403, 403],
        ),
        (
            Method::POST,
            "/admin/v1/territory-restrictions",
            Some(ban_body),
            [401, 403, 201, 403, 403],
        ),
        (
            Method::GET,
            "/admin/v1/territory-restrictions",
            None,
            [401, 200, 200, 403, 403],
        ),
        (
            Method::GET,
            "/admin/v1/audit/verify",
            None,
            [401, 403, 403, 200, 403],
        ),
        (
            Method::GET,
            "/admin/v1/registration-actions?unzr=19900315-12346",
            None,
            [401, 200, 200, 403, 403],
        ),
        (
            Method::GET,
            "/admin/v1/reports/late?from=2026-01-01&to=2026-12-31",
            None,
            [401, 403, 200, 200, 403],
        ),
        (
            Method::POST,
            "/admin/v1/registration-bodies",
            Some(
                json!({"edrpou": BUCHA_EDRPOU, "name": "Бучанська міська рада", "hromada": "UA32080070000050759"}),
            ),
            [401, 403, 201, 403, 403],
        ),
        (Method::POST, &tokens_path, None, [401, 403, 201, 403, 403]),
        (
            Method::GET,
            "/admin/v1/registration-bodies",
            None,
            [401, 403, 200, 200, 403],
        ),
        (Method::GET, &body_path, None, [401, 403, 200, 200, 403]),
        (
            Method::GET,
            "/admin/v1/datasets",
            None,
            [401, 403, 200, 200, 403],
        ),
        (
            Method::GET,
            "/admin/v1/datasets/1",
            None,
            [401, 403, 404, 404, 403],
        ),
        (
            Method::POST,
            "/admin/v1/datasets/1/redeliver",
            None,
            [401, 403, 404, 403, 403],
        ),
        (
            Method::POST,
            "/admin/v1/register-entries",
            Some(json!({"unzr": "19900315-12346"})),
            [401, 403, 200, 403, 200],
        ),
        (
            Method::GET,
            "/admin/v1/audit",
            None,
            [401, 403, 403, 200, 403],
        ),
        (Method::GET, &history_path, None, [401, 404, 404, 403, 403]),
        (
            Method::POST,
            &end_path,
            Some(json!({"last_day": kyiv_day(0), "reason": "Рішення військового командування"})),
            [401, 403, 404, 403, 403],
        ),
        (
            Method::GET,
            "/admin/v1/calendar-overrides",
            None,
            [401, 200, 200, 200, 403],
        ),
    ];
    for (method, path, body, expected) in cases {
        let tokens = [
            None,
            Some(s.officer.as_str()),
            Some(s.supervisor.as_str()),
            Some(s.auditor.as_str()),
            Some(s.issuance.as_str()),
        ];
        for (token, want) in tokens.into_iter().zip(expected) {
            let (got, problem) = app
                .admin(token)
                .call(method.clone(), path, body.clone())
                .await;
            assert_eq!(got, want, "{method} {path} as {token:?}: {problem}");
            if got == 403 {
                assert_eq!(problem["code"], "forbidden");
            }
        }
    }
    // A community token means nothing on the admin listener, and staff tokens nothing on /v1.
    let (got, _) = app
        .admin(Some(&app.token))
        .call(Method::GET, "/admin/v1/verification-requests", None)
        .await;
    assert_eq!(got, 401);
    let (got, _) = app.community(&s.supervisor).verification_requests("").await;
    assert_eq!(got, 401);
    // Every refused staff member is audited; repeats within a minute are counted, not written.
    let refused = app
        .count("(SELECT DISTINCT actor_id FROM audit_log WHERE event = 'staff.forbidden') r")
        .await;
    assert_eq!(
        refused, 4,
        "officer, supervisor, auditor and the issuance system were each refused"
    );
    assert!(app.count("audit_log WHERE event = 'staff.forbidden'").await <= 8);
}

#[tokio::test]
async fn a_request_is_due_three_working_days_after_receipt_and_its_answer_is_final() {
    use reqwest::Method;
    let app = spawn_app().await;
    let s = staff(&app).await;
    // Make the next days explicit so the expectation does not depend on today's weekday:
    // days 1..4 are working days, then day 2 is declared a day off by a supervisor.
    for d in 1..=4 {
        let body = json!({"day": kyiv_day(d), "working": true, "reason": "тест"});
        assert_eq!(
            app.admin(Some(&s.supervisor))
                .call(Method::POST, "/admin/v1/calendar-overrides", Some(body))
                .await
                .0,
            204
        );
    }
    let body = json!({"day": kyiv_day(2), "working": false, "reason": "перенесення робочого дня"});
    assert_eq!(
        app.admin(Some(&s.supervisor))
            .call(Method::POST, "/admin/v1/calendar-overrides", Some(body))
            .await
            .0,
        204
    );

    let (status, created) = app
        .admin(Some(&s.officer))
        .call(
            Method::POST,
            "/admin/v1/verification-requests",
            Some(request_doc(KHMELNYTSKYI_EDRPOU)),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["state"], "open");
    assert!(
        created.get("due_date").is_none(),
        "no deadline before receipt"
    );
    let id = created["id"].as_str().unwrap();

    // Another community never sees it and cannot answer it.
    let (_, listed) = app
        .community(&app.lviv_token)
        .verification_requests("")
        .await;
    assert_eq!(listed, json!([]));
    let answer = json!({"result": "confirmed"});
    let (status, _) = app
        .community(&app.lviv_token)
        .answer_verification_request(id, answer.clone())
        .await;
    assert_eq!(status, 404);

    // First listing is the receipt: due = third working day after today = day 4.
    let (status, listed) = app
        .community(&app.token)
        .verification_requests("state=open")
        .await;
    assert_eq!(status, 200);
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["due_date"], kyiv_day(4));
    assert!(listed[0]["received_at"].is_string());
    // Listing again does not move the deadline.
    let (_, again) = app.community(&app.token).verification_requests("").await;
    assert_eq!(again[0]["due_date"], kyiv_day(4));
    assert_eq!(again[0]["received_at"], listed[0]["received_at"]);

    let bad = json!({"result": "address_is"});
    let (status, problem) = app
        .community(&app.token)
        .answer_verification_request(id, bad)
        .await;
    assert_eq!(status, 422);
    assert_eq!(problem["errors"][0]["pointer"], "/address");
    let (status, answered) = app
        .community(&app.token)
        .answer_verification_request(id, answer.clone())
        .await;
    assert_eq!(status, 200, "{answered}");
    assert_eq!(answered["state"], "answered");
    // Past the correction window a different answer is refused.
    let mut db = app.db().await;
    diesel_async::RunQueryDsl::execute(
        diesel::sql_query(
            "UPDATE verification_requests SET answered_at = answered_at - interval '25 hours'",
        ),
        &mut db,
    )
    .await
    .unwrap();
    let (status, problem) = app
        .community(&app.token)
        .answer_verification_request(id, json!({"result": "not_registered"}))
        .await;
    assert_eq!(status, 409);
    assert_eq!(problem["code"], "already_answered");
    let (_, open) = app
        .community(&app.token)
        .verification_requests("state=open")
        .await;
    assert_eq!(open, json!([]));
}

#[tokio::test]
async fn officers_work_only_within_their_territory_and_overdue_requests_are_listed() {
    use reqwest::Method;
    let app = spawn_app().await;
    let s = staff(&app).await;
    let (status, _) = app
        .admin(Some(&s.lviv_officer))
        .call(
            Method::POST,
            "/admin/v1/verification-requests",
            Some(request_doc(KHMELNYTSKYI_EDRPOU)),
        )
        .await;
    assert_eq!(status, 403);
    let (status, mine) = app
        .admin(Some(&s.lviv_officer))
        .call(
            Method::POST,
            "/admin/v1/verification-requests",
            Some(request_doc(LVIV_EDRPOU)),
        )
        .await;
    assert_eq!(status, 201);
    let (_, theirs) = app
        .admin(Some(&s.officer))
        .call(
            Method::POST,
            "/admin/v1/verification-requests",
            Some(request_doc(KHMELNYTSKYI_EDRPOU)),
        )
        .await;
    let (_, seen) = app
        .admin(Some(&s.lviv_officer))
        .call(
            Method::GET,
            "/admin/v1/verification-requests?state=all",
            None,
        )
        .await;
    let ids: Vec<&str> = seen
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [mine["id"].as_str().unwrap()],
        "an officer sees only their territory"
    );
    let (_, all) = app
        .admin(Some(&s.supervisor))
        .call(
            Method::GET,
            "/admin/v1/verification-requests?state=all",
            None,
        )
        .await;
    assert_eq!(all.as_array().unwrap().len(), 2);

    // Received, then the due day passes unanswered.
    app.community(&app.token).verification_requests("").await;
    {
        use diesel_async::RunQueryDsl;
        let mut conn = app.db().await;
        diesel::sql_query(format!(
            "UPDATE verification_requests SET due_date = '{}' WHERE id = '{}'",
            kyiv_day(-1),
            theirs["id"].as_str().unwrap()
        ))
        .execute(&mut conn)
        .await
        .unwrap();
    }
    let (_, overdue) = app
        .admin(Some(&s.supervisor))
        .call(
            Method::GET,
            &format!(
            "/admin/v1/verification-requests?state=overdue&registration_body={KHMELNYTSKYI_EDRPOU}"
        ),
            None,
        )
        .await;
    assert_eq!(overdue.as_array().unwrap().len(), 1);
    assert_eq!(overdue[0]["id"], theirs["id"]);
    let (_, own) = app
        .community(&app.token)
        .verification_requests("state=overdue")
        .await;
    assert_eq!(own.as_array().unwrap().len(), 1);
    // The scheduled job records the flag.
    let out = cli(&app.database_url)
        .arg("mark-overdue")
        .output()
        .await
        .unwrap();
    assert!(out.status.success());
    assert_eq!(app.count("verification_requests WHERE overdue").await, 1);
    assert!(
        app.count("audit_log WHERE event = 'verification_request.list'")
            .await
            >= 3
    );
}

#[tokio::test]
async fn registration_actions_in_a_banned_territory_are_refused_naming_the_basis() {
    use reqwest::Method;
    let app = spawn_app().await;
    let s = staff(&app).await;
    // A ban on the whole Khmelnytskyi oblast, from tomorrow: today's actions still go through.
    let ban = json!({"katottg": KHMELNYTSKA_OBLAST, "from": kyiv_day(1), "legal_basis": "Наказ НГШ ЗСУ № 1 (тест)"});
    let (status, stored) = app
        .admin(Some(&s.supervisor))
        .call(Method::POST, "/admin/v1/territory-restrictions", Some(ban))
        .await;
    assert_eq!(status, 201, "{stored}");
    assert_eq!(
        app.submit(&person_action("declaration_of_residence", 1))
            .await
            .status(),
        201
    );
    // A ban on the village covering today refuses an action there, and only there.
    let ban = json!({"katottg": "UA68040470020031437", "from": kyiv_day(-5), "to": kyiv_day(5), "legal_basis": "Рішення ради оборони області (тест)"});
    assert_eq!(
        app.admin(Some(&s.supervisor))
            .call(Method::POST, "/admin/v1/territory-restrictions", Some(ban))
            .await
            .0,
        201
    );
    let mut doc = person_action("declaration_of_residence", 2);
    doc["address"]["katottg"] = "UA68040470020031437".into();
    let res = app.submit(&doc).await;
    assert_eq!(res.status(), 422);
    let p: Value = res.json().await.unwrap();
    assert_eq!(p["code"], "territory_restricted");
    assert!(p["detail"]
        .as_str()
        .unwrap()
        .contains("Рішення ради оборони області"));
    assert_eq!(
        app.submit(&person_action("declaration_of_residence", 3))
            .await
            .status(),
        201
    );
    assert_eq!(app.count("registration_actions").await, 2);
    // Bad bans are refused with pointers.
    let bad = json!({"katottg": "UA00000000000000000", "from": kyiv_day(5), "to": kyiv_day(1), "legal_basis": " "});
    let (status, problem) = app
        .admin(Some(&s.supervisor))
        .call(Method::POST, "/admin/v1/territory-restrictions", Some(bad))
        .await;
    assert_eq!(status, 422);
    let pointers: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["pointer"].as_str().unwrap())
        .collect();
    assert_eq!(pointers, ["/katottg", "/to", "/legal_basis"]);
}

#[tokio::test]
async fn the_sealed_audit_chain_names_the_first_tampered_row() {
    use reqwest::Method;
    let app = spawn_app().await;
    let s = staff(&app).await;
    for i in 0..3 {
        assert_eq!(
            app.submit(&person_action("declaration_of_residence", i))
                .await
                .status(),
            201
        );
    }
    let sealed = seal_audit(&app.database_url).await;
    assert!(sealed >= 3);
    let (status, v) = app
        .admin(Some(&s.auditor))
        .call(Method::GET, "/admin/v1/audit/verify", None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(v["first_broken"], Value::Null);
    assert_eq!(v["sealed_rows"], sealed);

    // Tamper with the second sealed row directly in SQL, bypassing the append-only trigger.
    let target: i64 = {
        use diesel_async::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct Id {
            #[diesel(sql_type = diesel::sql_types::Int8)]
            audit_id: i64,
        }
        let mut conn = app.db().await;
        let id = diesel::sql_query(
            "SELECT audit_id FROM audit_seals ORDER BY audit_id OFFSET 1 LIMIT 1",
        )
        .get_result::<Id>(&mut conn)
        .await
        .unwrap()
        .audit_id;
        diesel::sql_query("SET session_replication_role = replica")
            .execute(&mut conn)
            .await
            .unwrap();
        diesel::sql_query(format!(
            "UPDATE audit_log SET target = 'someone-else' WHERE id = {id}"
        ))
        .execute(&mut conn)
        .await
        .unwrap();
        id
    };
    let (_, v) = app
        .admin(Some(&s.auditor))
        .call(Method::GET, "/admin/v1/audit/verify", None)
        .await;
    assert_eq!(v["first_broken"], target);
    let out = cli(&app.database_url)
        .arg("audit-verify")
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains(&format!("\"first_broken\":{target}")));
}

#[tokio::test]
async fn search_is_territorial_and_audited_reports_and_body_management_work() {
    use reqwest::Method;
    let app = spawn_app().await;
    let s = staff(&app).await;
    let res: Value = app
        .submit(&person_action("registration_of_residence", 1))
        .await
        .json()
        .await
        .unwrap();
    let mut late = person_action("declaration_of_residence", 2);
    late["action"]["date"] = kyiv_day(-1).into();
    assert_eq!(app.submit(&late).await.status(), 201);

    let (status, found) = app
        .admin(Some(&s.officer))
        .call(
            Method::GET,
            "/admin/v1/registration-actions?unzr=19900315-12346",
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(found.as_array().unwrap().len(), 2);
    assert!(found
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["action_id"] == res["action_id"]));
    let (_, none) = app
        .admin(Some(&s.lviv_officer))
        .call(
            Method::GET,
            "/admin/v1/registration-actions?unzr=19900315-12346",
            None,
        )
        .await;
    assert_eq!(none, json!([]), "outside the officer's territory");
    let q = "/admin/v1/registration-actions?surname=%D0%A8%D0%B5%D0%B2%D1%87%D0%B5%D0%BD%D0%BA%D0%BE&birth_date=1990-03-15";
    let (_, by_name) = app
        .admin(Some(&s.supervisor))
        .call(Method::GET, q, None)
        .await;
    assert_eq!(by_name.as_array().unwrap().len(), 2);
    let (status, p) = app
        .admin(Some(&s.supervisor))
        .call(
            Method::GET,
            "/admin/v1/registration-actions?unzr=19900315-12345",
            None,
        )
        .await;
    assert_eq!(
        (status, p["errors"][0]["pointer"].as_str()),
        (422, Some("/unzr"))
    );
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE event = 'registration_action.search' AND details->'returned' ? '{}'",
            res["action_id"].as_str().unwrap()
        ))
        .await,
        2
    );

    let today = kyiv_day(0);
    let (_, report) = app
        .admin(Some(&s.auditor))
        .call(
            Method::GET,
            &format!("/admin/v1/reports/late?from={today}&to={today}"),
            None,
        )
        .await;
    assert_eq!(
        report,
        json!([{"registration_body_edrpou": KHMELNYTSKYI_EDRPOU, "day": today, "action_type": null, "count": 1}])
    );
    let res = app
        .admin(Some(&s.auditor))
        .request(
            Method::GET,
            &format!("/admin/v1/reports/volumes?from={today}&to={today}&format=csv"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = res.text().await.unwrap();
    assert!(
        csv.starts_with("registration_body_edrpou,day,action_type,count\n"),
        "{csv}"
    );
    assert!(
        csv.contains(&format!(",{today},declaration_of_residence,1\n")),
        "{csv}"
    );

    // Suspension through the admin API takes effect at once.
    let suspend = format!("/admin/v1/registration-bodies/{KHMELNYTSKYI_EDRPOU}/suspend");
    assert_eq!(
        app.admin(Some(&s.supervisor))
            .call(Method::POST, &suspend, None)
            .await
            .0,
        204
    );
    assert_eq!(
        app.submit(&person_action("declaration_of_residence", 3))
            .await
            .status(),
        403
    );
    let reactivate = format!("/admin/v1/registration-bodies/{KHMELNYTSKYI_EDRPOU}/reactivate");
    assert_eq!(
        app.admin(Some(&s.supervisor))
            .call(Method::POST, &reactivate, None)
            .await
            .0,
        204
    );
    assert_eq!(
        app.submit(&person_action("declaration_of_residence", 4))
            .await
            .status(),
        201
    );
    // A token issued through the API works, and its revocation too.
    let (status, issued) = app
        .admin(Some(&s.supervisor))
        .call(
            Method::POST,
            &format!("/admin/v1/registration-bodies/{KHMELNYTSKYI_EDRPOU}/tokens"),
            None,
        )
        .await;
    assert_eq!(status, 201);
    let token = issued["token"].as_str().unwrap();
    let doc = person_action("declaration_of_residence", 5);
    assert_eq!(
        app.submit_bytes(token, serde_json::to_vec(&doc).unwrap())
            .await
            .status(),
        201
    );
    let revoke = format!("/admin/v1/registration-bodies/{KHMELNYTSKYI_EDRPOU}/tokens-revoke");
    assert_eq!(
        app.admin(Some(&s.supervisor))
            .call(Method::POST, &revoke, Some(json!({"value": token})))
            .await
            .0,
        204
    );
    assert_eq!(
        app.submit_bytes(token, serde_json::to_vec(&doc).unwrap())
            .await
            .status(),
        401
    );
    // Revoking what is not a live credential of this body is not answered as done: a token
    // already revoked, and another body's token (which keeps working).
    for value in [token, app.lviv_token.as_str()] {
        assert_eq!(
            app.admin(Some(&s.supervisor))
                .call(Method::POST, &revoke, Some(json!({"value": value})))
                .await
                .0,
            404
        );
    }
    let (still, _) = app
        .community(&app.lviv_token)
        .call(Method::GET, "/v1/notifications", None)
        .await;
    assert_eq!(still, 200, "the other body's token still works");
    // A Трембіта client must name the body's own ЄДРПОУ.
    let clients = format!("/admin/v1/registration-bodies/{KHMELNYTSKYI_EDRPOU}/trembita-clients");
    let (status, _) = app
        .admin(Some(&s.supervisor))
        .call(
            Method::POST,
            &clients,
            Some(json!({"value": "SEVDEIR/GOV/12345678/Other"})),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(
        app.admin(Some(&s.supervisor))
            .call(
                Method::POST,
                &clients,
                Some(json!({"value": "SEVDEIR/GOV/04060772/KhmelnytskyiRTG"}))
            )
            .await
            .0,
        204
    );
}

async fn received_request(app: &TestApp, officer: &str) -> String {
    use reqwest::Method;
    let (status, created) = app
        .admin(Some(officer))
        .call(
            Method::POST,
            "/admin/v1/verification-requests",
            Some(request_doc(KHMELNYTSKYI_EDRPOU)),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let (status, _) = app.community(&app.token).verification_requests("").await;
    assert_eq!(status, 200);
    created["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn an_answer_is_checked_like_an_address_and_all_its_faults_are_named_at_once() {
    let app = spawn_app().await;
    let s = staff(&app).await;
    let id = received_request(&app, &s.officer).await;
    let tomorrow = kyiv_day(1);
    let cases = [
        // A district of Kyiv, outside this community; and a date not yet come.
        (
            json!({"result": "address_is", "registered_since": tomorrow,
                   "address": {"katottg": KYIV_PECHERSKYI, "building": "1"}}),
            vec![
                ("/address/katottg", "address_outside_hromada"),
                ("/registered_since", "in_future"),
            ],
        ),
        // Not in the codifier.
        (
            json!({"result": "address_is", "address": {"katottg": "UA68040470019999999", "building": "1"}}),
            vec![("/address/katottg", "katottg_unknown")],
        ),
        // The oblast, not a settlement; and a date in 2030.
        (
            json!({"result": "address_is", "registered_since": "2030-01-01",
                   "address": {"katottg": KHMELNYTSKA_OBLAST, "building": "1"}}),
            vec![
                ("/address/katottg", "katottg_not_settlement"),
                ("/registered_since", "in_future"),
            ],
        ),
        // A date of residence for a person who is not registered here.
        (
            json!({"result": "not_registered", "registered_since": "2020-01-01"}),
            vec![("/registered_since", "not_allowed")],
        ),
        // An explanation given empty.
        (
            json!({"result": "confirmed", "details": ""}),
            vec![("/details", "min_length")],
        ),
    ];
    for (answer, expected) in cases {
        let (status, problem) = app
            .community(&app.token)
            .answer_verification_request(&id, answer.clone())
            .await;
        assert_eq!(status, 422, "{answer} → {problem}");
        let mut got: Vec<(String, String)> = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["pointer"].as_str().unwrap().to_owned(),
                    e["code"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        got.sort();
        let mut want: Vec<(String, String)> = expected
            .iter()
            .map(|(p, c)| ((*p).to_owned(), (*c).to_owned()))
            .collect();
        want.sort();
        assert_eq!(got, want, "{answer}");
    }
    // A body that is not declared JSON is refused before it is read, like every body.
    let res = app
        .listener()
        .request(
            reqwest::Method::POST,
            &format!("/v1/verification-requests/{id}/answer"),
        )
        .bearer_auth(&app.token)
        .header("content-type", "text/plain")
        .body(r#"{"result": "confirmed"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 415);
    // Nothing of that was stored: the request is still open.
    let (_, open) = app
        .community(&app.token)
        .verification_requests("state=open")
        .await;
    assert_eq!(open.as_array().unwrap().len(), 1);
    let good = json!({"result": "address_is", "registered_since": "2020-05-04",
                      "address": {"katottg": KHMELNYTSKYI_CITY, "street": "вул. Проскурівська",
                                  "building": "1"}});
    let (status, answered) = app
        .community(&app.token)
        .answer_verification_request(&id, good.clone())
        .await;
    assert_eq!(status, 200, "{answered}");
    assert_eq!(answered["answer"], good);
}

#[tokio::test]
async fn an_answer_can_be_corrected_within_the_window_and_the_first_is_kept() {
    let app = spawn_app().await;
    let s = staff(&app).await;
    let id = received_request(&app, &s.officer).await;
    let first = json!({"result": "confirmed"});
    let (status, answered) = app
        .community(&app.token)
        .answer_verification_request(&id, first.clone())
        .await;
    assert_eq!(status, 200, "{answered}");
    let answered_at = answered["answered_at"].clone();
    assert!(answered.get("first_answer").is_none());

    let corrected = json!({"result": "not_registered", "details": "вибув у 2025 році"});
    let (status, view) = app
        .community(&app.token)
        .answer_verification_request(&id, corrected.clone())
        .await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["answer"], corrected);
    assert_eq!(view["first_answer"], first);
    assert_eq!(
        view["answered_at"], answered_at,
        "the deadline counts the first"
    );
    assert!(view["corrected_at"].is_string());
    // The same correction again is a retry: nothing more is stored.
    let (status, again) = app
        .community(&app.token)
        .answer_verification_request(&id, corrected.clone())
        .await;
    assert_eq!(status, 200);
    assert_eq!(again["corrected_at"], view["corrected_at"]);
    assert_eq!(app.count("verification_answer_corrections").await, 1);
    // Staff see the answer in force and the first one.
    let (_, listed) = app
        .admin(Some(&s.officer))
        .call(
            reqwest::Method::GET,
            "/admin/v1/verification-requests?state=answered",
            None,
        )
        .await;
    assert_eq!(listed[0]["answer"], corrected);
    assert_eq!(listed[0]["first_answer"], first);
    assert_eq!(
        app.count("audit_log WHERE event = 'verification_request.answer_corrected'")
            .await,
        1
    );
}

#[tokio::test]
async fn listings_of_requests_are_paged_with_an_enforced_limit() {
    use reqwest::Method;
    let app = spawn_app().await;
    let s = staff(&app).await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(received_request(&app, &s.officer).await);
    }
    let community = app.listener();
    let page = |path: String| {
        community
            .request(Method::GET, &path)
            .bearer_auth(&app.token)
            .send()
    };
    let first = page("/v1/verification-requests?state=all&limit=2".into())
        .await
        .unwrap();
    assert_eq!(first.status(), 200);
    let link = first.headers()["link"].to_str().unwrap().to_owned();
    let body: Value = first.json().await.unwrap();
    let got: Vec<&str> = body
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(got, [ids[0].as_str(), ids[1].as_str()], "oldest first");
    let next = link
        .strip_prefix('<')
        .and_then(|l| l.split_once('>'))
        .map(|(url, rel)| {
            assert_eq!(rel, "; rel=\"next\"");
            url.to_owned()
        })
        .unwrap();
    assert!(
        next.contains("state=all") && next.contains("limit=2"),
        "{next}"
    );
    let second = page(next).await.unwrap();
    assert!(second.headers().get("link").is_none(), "the last page");
    let body: Value = second.json().await.unwrap();
    assert_eq!(body[0]["id"], ids[2].as_str());
    assert_eq!(body.as_array().unwrap().len(), 1);

    for bad in ["limit=0", "limit=501", "after=nonsense"] {
        let (status, problem) = app.community(&app.token).verification_requests(bad).await;
        assert_eq!(status, 422, "{bad}: {problem}");
    }
    // Staff: newest first, the same limits.
    let (status, listed) = app
        .admin(Some(&s.supervisor))
        .call(
            Method::GET,
            "/admin/v1/verification-requests?state=all&limit=1",
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(listed[0]["id"], ids[2].as_str());
    let (status, _) = app
        .admin(Some(&s.supervisor))
        .call(
            Method::GET,
            "/admin/v1/verification-requests?limit=100000",
            None,
        )
        .await;
    assert_eq!(status, 422);
}

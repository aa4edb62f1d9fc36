//! Every operation of the community and staff listeners leaves an audit row under its request
//! id: when it succeeds (a read of personal data or a change) and when it is refused for want
//! of a valid credential or role. The operations are enumerated from the OpenAPI document, so a
//! new operation fails this test until it is listed here with a request that exercises it.

use dms_tests::{kyiv_day, person_action, spawn_app, TestApp, KHMELNYTSKYI_EDRPOU, LVIV_EDRPOU};
use reqwest::Method;
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// Operations that read no personal data and change nothing: not audited.
const UNAUDITED: [(&str, &str); 6] = [
    ("GET", "/.well-known/jwks.json"),
    // Reference data (the territorial codifier): nothing personal.
    ("GET", "/v1/katottg"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),
    ("GET", "/openapi.json"),
];

#[derive(Clone, Copy)]
enum Door {
    Community,
    Staff,
}

/// One exercise of an operation: who calls, the concrete path, the body, the success status.
struct Call {
    op: (&'static str, &'static str),
    door: Door,
    token: String,
    path: String,
    body: Option<Value>,
    status: u16,
}

/// Send with a fresh request id; (status, JSON answer, request id).
async fn send(app: &TestApp, call: &Call, token: &str, n: &mut u32) -> (u16, Value, String) {
    let body = call.body.as_ref().map(|b| serde_json::to_vec(b).unwrap());
    send_raw(app, call, &call.path, token, body, n).await
}

async fn send_raw(
    app: &TestApp,
    call: &Call,
    path: &str,
    token: &str,
    body: Option<Vec<u8>>,
    n: &mut u32,
) -> (u16, Value, String) {
    *n += 1;
    let rid = format!("audit-coverage-{n}");
    let listener = match call.door {
        Door::Community => app.listener(),
        Door::Staff => app.admin(None).listener,
    };
    let method = Method::from_bytes(call.op.0.as_bytes()).unwrap();
    let mut req = listener
        .request(method, path)
        .bearer_auth(token)
        .header("x-request-id", &rid);
    if let Some(b) = body {
        req = req.header("content-type", "application/json").body(b);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::Null),
        rid,
    )
}

async fn audited(app: &TestApp, rid: &str) -> i64 {
    app.count(&format!("audit_log WHERE request_id = '{rid}'"))
        .await
}

#[tokio::test]
async fn every_operation_that_reads_personal_data_or_changes_anything_is_audited() {
    let app = spawn_app().await;
    let officer = app
        .staff(
            "officer",
            "ГУ ДМС у Хмельницькій області",
            Some("UA68000000000099709"),
        )
        .await
        .1;
    let supervisor = app.staff("supervisor", "ДМС України", None).await.1;
    let auditor = app.staff("auditor", "ДМС України", None).await.1;
    let issuance = app.staff("issuance", "Документ", None).await.1;
    // A data set the feeder gave up on, for the data set operations.
    {
        use diesel_async::RunQueryDsl;
        let mut conn = app.db().await;
        diesel::sql_query(
            "INSERT INTO datasets (seq, state, created_at, record_count, attempts) \
             VALUES (1, 'failed', now(), 0, 5)",
        )
        .execute(&mut conn)
        .await
        .unwrap();
    }
    let body = app.token.clone();
    let mut n = 0u32;
    let mut covered = BTreeSet::new();

    // Operations in an order where each one's inputs exist; ids come from earlier answers.
    let mut calls: Vec<Call> = Vec::new();
    let community = |op, path: &str, body_doc: Option<Value>, status| Call {
        op,
        door: Door::Community,
        token: body.clone(),
        path: path.to_owned(),
        body: body_doc,
        status,
    };
    let staff = |op, token: &str, path: &str, body_doc: Option<Value>, status| Call {
        op,
        door: Door::Staff,
        token: token.to_owned(),
        path: path.to_owned(),
        body: body_doc,
        status,
    };
    let lviv = |what: &str| format!("/admin/v1/registration-bodies/{LVIV_EDRPOU}/{what}");
    calls.push(community(
        ("POST", "/v1/registration-actions"),
        "/v1/registration-actions",
        Some(person_action("declaration_of_residence", 1)),
        201,
    ));
    calls.push(community(
        ("GET", "/v1/registration-actions"),
        "/v1/registration-actions?limit=5",
        None,
        200,
    ));
    calls.push(community(
        ("POST", "/v1/registration-actions/validate"),
        "/v1/registration-actions/validate",
        Some(person_action("declaration_of_residence", 2)),
        200,
    ));
    calls.push(community(
        ("GET", "/v1/reconciliation/{date}"),
        &format!(
            "/v1/reconciliation/{}",
            dms_tests::fixtures::actions::kyiv_day(0)
        ),
        None,
        200,
    ));
    calls.push(staff(
        ("POST", "/admin/v1/verification-requests"),
        &officer,
        "/admin/v1/verification-requests",
        Some(json!({
            "registration_body_edrpou": KHMELNYTSKYI_EDRPOU,
            "person": {"unzr": "19900315-12346"},
            "question": "confirm_current_address",
            "details": "Перевірка"
        })),
        201,
    ));
    calls.push(community(
        ("GET", "/v1/verification-requests"),
        "/v1/verification-requests",
        None,
        200,
    ));
    calls.push(community(
        ("GET", "/v1/notifications"),
        "/v1/notifications",
        None,
        200,
    ));
    for (op, token, path, doc, status) in [
        (
            ("GET", "/admin/v1/bulk-load-conflicts"),
            &supervisor,
            "/admin/v1/bulk-load-conflicts".to_owned(),
            None,
            200,
        ),
        (
            ("GET", "/admin/v1/verification-requests"),
            &officer,
            "/admin/v1/verification-requests".to_owned(),
            None,
            200,
        ),
        (
            ("GET", "/admin/v1/registration-actions"),
            &officer,
            "/admin/v1/registration-actions?unzr=19900315-12346".to_owned(),
            None,
            200,
        ),
        (
            ("POST", "/admin/v1/calendar-overrides"),
            &supervisor,
            "/admin/v1/calendar-overrides".to_owned(),
            Some(json!({"day": kyiv_day(30), "working": false, "reason": "Рішення КМУ"})),
            204,
        ),
        (
            ("POST", "/admin/v1/territory-restrictions"),
            &supervisor,
            "/admin/v1/territory-restrictions".to_owned(),
            Some(
                json!({"katottg": "UA68040470020031437", "from": kyiv_day(100), "legal_basis": "Наказ"}),
            ),
            201,
        ),
        (
            ("GET", "/admin/v1/territory-restrictions"),
            &supervisor,
            "/admin/v1/territory-restrictions".to_owned(),
            None,
            200,
        ),
        (
            ("GET", "/admin/v1/reports/{kind}"),
            &supervisor,
            "/admin/v1/reports/late?from=2026-01-01&to=2026-12-31".to_owned(),
            None,
            200,
        ),
        (
            ("GET", "/admin/v1/audit/verify"),
            &auditor,
            "/admin/v1/audit/verify".to_owned(),
            None,
            200,
        ),
        (
            ("POST", "/admin/v1/registration-bodies"),
            &supervisor,
            "/admin/v1/registration-bodies".to_owned(),
            Some(
                json!({"edrpou": "04360586", "name": "Бучанська міська рада", "hromada": "UA32080070000050759"}),
            ),
            201,
        ),
        (
            ("POST", "/admin/v1/registration-bodies/{edrpou}/officials"),
            &supervisor,
            lviv("officials"),
            Some(json!({"login": "lviv.audit", "name": "Гнатюк Ірина"})),
            201,
        ),
        (
            ("GET", "/admin/v1/registration-bodies/{edrpou}/officials"),
            &supervisor,
            lviv("officials"),
            None,
            200,
        ),
        (
            ("POST", "/admin/v1/officials/{login}/reset"),
            &supervisor,
            "/admin/v1/officials/lviv.audit/reset".to_owned(),
            None,
            200,
        ),
        (
            ("POST", "/admin/v1/officials/{login}/disable"),
            &supervisor,
            "/admin/v1/officials/lviv.audit/disable".to_owned(),
            None,
            204,
        ),
        (
            ("POST", "/admin/v1/registration-bodies/{edrpou}/suspend"),
            &supervisor,
            lviv("suspend"),
            None,
            204,
        ),
        (
            ("POST", "/admin/v1/registration-bodies/{edrpou}/reactivate"),
            &supervisor,
            lviv("reactivate"),
            None,
            204,
        ),
        (
            ("POST", "/admin/v1/registration-bodies/{edrpou}/tokens"),
            &supervisor,
            lviv("tokens"),
            None,
            201,
        ),
        (
            (
                "POST",
                "/admin/v1/registration-bodies/{edrpou}/trembita-clients",
            ),
            &supervisor,
            lviv("trembita-clients"),
            Some(json!({"value": "SEVDEIR-TEST/GOV/04055896/Audit"})),
            204,
        ),
        (
            (
                "POST",
                "/admin/v1/registration-bodies/{edrpou}/trembita-clients-revoke",
            ),
            &supervisor,
            lviv("trembita-clients-revoke"),
            Some(json!({"value": "SEVDEIR-TEST/GOV/04055896/Audit"})),
            204,
        ),
        (
            (
                "POST",
                "/admin/v1/registration-bodies/{edrpou}/client-certificates",
            ),
            &supervisor,
            lviv("client-certificates"),
            Some(json!({"value": "ab".repeat(32)})),
            204,
        ),
        (
            (
                "POST",
                "/admin/v1/registration-bodies/{edrpou}/client-certificates-revoke",
            ),
            &supervisor,
            lviv("client-certificates-revoke"),
            Some(json!({"value": "ab".repeat(32)})),
            204,
        ),
        (
            ("GET", "/admin/v1/registration-bodies/{edrpou}/credentials"),
            &supervisor,
            lviv("credentials"),
            None,
            200,
        ),
        (
            ("GET", "/admin/v1/registration-bodies"),
            &auditor,
            "/admin/v1/registration-bodies?q=04".to_owned(),
            None,
            200,
        ),
        (
            ("GET", "/admin/v1/registration-bodies/{edrpou}"),
            &auditor,
            format!("/admin/v1/registration-bodies/{LVIV_EDRPOU}"),
            None,
            200,
        ),
        (
            ("GET", "/admin/v1/datasets"),
            &auditor,
            "/admin/v1/datasets?state=failed".to_owned(),
            None,
            200,
        ),
        (
            ("GET", "/admin/v1/datasets/{seq}"),
            &auditor,
            "/admin/v1/datasets/1".to_owned(),
            None,
            200,
        ),
        (
            ("POST", "/admin/v1/datasets/{seq}/redeliver"),
            &supervisor,
            "/admin/v1/datasets/1/redeliver".to_owned(),
            None,
            200,
        ),
        (
            ("POST", "/admin/v1/register-entries"),
            &issuance,
            "/admin/v1/register-entries".to_owned(),
            Some(json!({"unzr": "19900315-12346"})),
            200,
        ),
        (
            ("GET", "/admin/v1/calendar-overrides"),
            &officer,
            "/admin/v1/calendar-overrides".to_owned(),
            None,
            200,
        ),
        (
            ("GET", "/admin/v1/audit"),
            &auditor,
            "/admin/v1/audit?event=registration_body.&limit=5".to_owned(),
            None,
            200,
        ),
    ] {
        calls.push(staff(op, token, &path, doc, status));
    }

    let mut action_id = String::new();
    let mut request_id = String::new();
    let mut issued = String::new();
    let mut issued_id = String::new();
    let mut person_id = String::new();
    let mut ban_id = String::new();
    let mut run = Vec::new();
    for mut call in calls.into_iter().chain([
        // Placeholders resolved below from earlier answers.
        community(("GET", "/v1/registration-actions/{id}"), "", None, 200),
        community(
            ("POST", "/v1/verification-requests/{id}/answer"),
            "",
            Some(json!({"result": "confirmed"})),
            200,
        ),
        staff(
            (
                "POST",
                "/admin/v1/registration-bodies/{edrpou}/tokens-revoke",
            ),
            &supervisor,
            &lviv("tokens-revoke"),
            None,
            204,
        ),
        // A second token, revoked by its id.
        staff(
            ("POST", "/admin/v1/registration-bodies/{edrpou}/tokens"),
            &supervisor,
            &lviv("tokens"),
            None,
            201,
        ),
        staff(
            ("POST", "/admin/v1/credentials/{id}/revoke"),
            &supervisor,
            "",
            None,
            204,
        ),
        staff(
            ("GET", "/admin/v1/persons/{id}/history"),
            &officer,
            "",
            None,
            200,
        ),
        staff(
            ("POST", "/admin/v1/territory-restrictions/{id}/end"),
            &supervisor,
            "",
            Some(json!({"last_day": kyiv_day(100), "reason": "Рішення"})),
            200,
        ),
    ]) {
        match call.op.1 {
            "/v1/registration-actions/{id}" => {
                call.path = format!("/v1/registration-actions/{action_id}")
            }
            "/v1/verification-requests/{id}/answer" => {
                call.path = format!("/v1/verification-requests/{request_id}/answer")
            }
            "/admin/v1/registration-bodies/{edrpou}/tokens-revoke" => {
                call.body = Some(json!({"value": issued}))
            }
            "/admin/v1/credentials/{id}/revoke" => {
                call.path = format!("/admin/v1/credentials/{issued_id}/revoke")
            }
            "/admin/v1/persons/{id}/history" => {
                call.path = format!("/admin/v1/persons/{person_id}/history")
            }
            "/admin/v1/territory-restrictions/{id}/end" => {
                call.path = format!("/admin/v1/territory-restrictions/{ban_id}/end")
            }
            _ => {}
        }
        let (status, answer, rid) = send(&app, &call, &call.token, &mut n).await;
        assert_eq!(status, call.status, "{} {}: {answer}", call.op.0, call.path);
        match call.op.1 {
            "/v1/registration-actions" if call.op.0 == "POST" => {
                action_id = answer["action_id"].as_str().unwrap().to_owned()
            }
            "/admin/v1/verification-requests" if call.op.0 == "POST" => {
                request_id = answer["id"].as_str().unwrap().to_owned()
            }
            "/admin/v1/registration-bodies/{edrpou}/tokens" => {
                issued = answer["token"].as_str().unwrap().to_owned();
                issued_id = answer["id"].as_str().unwrap().to_owned();
            }
            "/admin/v1/registration-actions" => {
                person_id = answer[0]["person_id"].as_str().unwrap().to_owned()
            }
            "/admin/v1/territory-restrictions" if call.op.0 == "POST" => {
                ban_id = answer["id"].as_str().unwrap().to_owned()
            }
            _ => {}
        }
        assert!(
            audited(&app, &rid).await >= 1,
            "{} {} succeeded without an audit row",
            call.op.0,
            call.op.1
        );
        covered.insert((call.op.0.to_owned(), call.op.1.to_owned()));
        run.push(call);
    }

    // Refused for want of a credential: audited too, boundedly. The first refusal of a source
    // and kind in a minute is written with its request id; its repeats that minute are counted
    // and written as one `auth.refusals_repeated` row when the minute is over
    // (`dms_service::refusals`), so a flood cannot choose the number of rows.
    let mut first = None;
    for call in &run {
        let (status, _, rid) = send(&app, call, "not-a-token-of-anyone-at-all", &mut n).await;
        assert_eq!(status, 401, "{} {}", call.op.0, call.path);
        first.get_or_insert(rid);
    }
    let first = first.expect("operations were called");
    assert!(
        audited(&app, &first).await >= 1,
        "the first refusal of the minute has its row"
    );
    let written = app
        .count("audit_log WHERE event IN ('auth.unknown_client', 'staff.unknown_token')")
        .await;
    assert!(
        (1..=4).contains(&written),
        "{written} rows for {} refusals from one source: repeats are counted, not written",
        run.len()
    );

    // Refused after authentication (a body that is not JSON, a record that is not there):
    // audited as well. Listings without a body or a path parameter have no such refusal.
    for call in &run {
        let path = call
            .path
            .replace(&action_id, "00000000-0000-7000-8000-000000000000")
            .replace(&request_id, "00000000-0000-7000-8000-000000000000")
            .replace(&issued_id, "00000000-0000-7000-8000-000000000000")
            .replace(&person_id, "00000000-0000-7000-8000-000000000000")
            .replace(&ban_id, "00000000-0000-7000-8000-000000000000")
            .replace("/datasets/1", "/datasets/999")
            .replace(LVIV_EDRPOU, "12345678");
        let body = call.body.as_ref().map(|_| b"{\"truncated\": ".to_vec());
        if body.is_none() && path == call.path {
            continue;
        }
        let (status, answer, rid) = send_raw(&app, call, &path, &call.token, body, &mut n).await;
        assert!(
            (400..500).contains(&status) && status != 401,
            "{} {path}: {status} {answer}",
            call.op.0
        );
        assert!(
            app.count(&format!(
                "audit_log WHERE request_id = '{rid}' AND event = 'request.refused'"
            ))
            .await
                == 1,
            "{} {path}: a refusal ({status}) without its audit row",
            call.op.0
        );
    }

    // Bulk loads: an NDJSON upload, then its state and its results, each under its request id.
    let line = person_action("declaration_of_residence", 3).to_string();
    let mut load_id = String::new();
    for (op, path) in [
        ("POST", "/v1/bulk-loads"),
        ("GET", "/v1/bulk-loads/{id}"),
        ("GET", "/v1/bulk-loads/{id}/results"),
    ] {
        n += 1;
        let rid = format!("audit-coverage-{n}");
        let concrete = path.replace("{id}", &load_id);
        let mut req = app
            .listener()
            .request(Method::from_bytes(op.as_bytes()).unwrap(), &concrete)
            .bearer_auth(&app.token)
            .header("x-request-id", &rid);
        if op == "POST" {
            req = req
                .header("content-type", "application/x-ndjson")
                .body(format!("{line}\n"));
        }
        let res = req.send().await.unwrap();
        assert!(
            res.status().is_success(),
            "{op} {concrete}: {}",
            res.status()
        );
        if op == "POST" {
            let load: Value = res.json().await.unwrap();
            load_id = load["load_id"].as_str().unwrap().to_owned();
        }
        assert!(
            audited(&app, &rid).await >= 1,
            "{op} {path} succeeded without an audit row"
        );
        covered.insert((op.to_owned(), path.to_owned()));
    }

    // The sandbox's reset, on a sandbox app over a database marked as one.
    {
        use diesel_async::RunQueryDsl;
        let sandbox = dms_tests::app::spawn_app_with(dms_tests::app::AppOptions {
            sandbox: true,
            ..Default::default()
        })
        .await;
        let mut conn = dms_tests::db::connect(&sandbox.database_url).await;
        diesel::sql_query("INSERT INTO sandbox_mode DEFAULT VALUES")
            .execute(&mut conn)
            .await
            .unwrap();
        let rid = "audit-coverage-sandbox-reset";
        let res = sandbox
            .listener()
            .request(Method::POST, "/v1/sandbox/reset")
            .bearer_auth(&sandbox.token)
            .header("x-request-id", rid)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        assert!(
            audited(&sandbox, rid).await >= 1,
            "the sandbox reset without an audit row"
        );
        covered.insert(("POST".to_owned(), "/v1/sandbox/reset".to_owned()));
    }

    // The document lists exactly the audited operations and the exempt ones.
    let spec = app.operations().openapi().await;
    let mut listed = BTreeSet::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                listed.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    let exempt: BTreeSet<_> = UNAUDITED
        .iter()
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    let unexercised: Vec<_> = listed
        .difference(&covered)
        .filter(|op| !exempt.contains(op))
        .collect();
    assert!(
        unexercised.is_empty(),
        "operations with no audit check here: {unexercised:?}"
    );
}

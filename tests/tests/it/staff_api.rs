//! The staff console's API: data sets (and re-delivering a failed one through the feeder),
//! register entries by the document-issuance system, territorial bans ended early, a person's
//! history across communities, the registration bodies, the calendar's overrides and the audit
//! log as staff read them.

use diesel_async::RunQueryDsl;
use dms_tests::doubles::eddr::Eddr;
use dms_tests::fixtures::actions::{action_with_unzr, cancellation};
use dms_tests::process::api::{cli, register_entry};
use dms_tests::process::feeder::temp_outbox;
use dms_tests::{
    kyiv_day, person_action, spawn_app, KHMELNYTSKYI_CLIENT, KHMELNYTSKYI_EDRPOU, LVIV_EDRPOU,
};
use reqwest::Method;
use serde_json::{json, Value};

const VILLAGE: &str = "UA68040470020031437";
const KHMELNYTSKYI: &str = "UA68040470010096613";
const LVIVSKA_OBLAST: &str = "UA46000000000026241";
const KYIV: &str = "UA80000000000093317";

#[tokio::test]
async fn a_failed_data_set_is_delivered_again_once_a_supervisor_redelivers_it() {
    let app = spawn_app().await;
    let eddr = Eddr::start().await;
    let dir = temp_outbox();
    let feeder = app.feeder(&dir).eddr(&eddr.url);
    let supervisor = app.as_staff("supervisor", "ДМС України", None).await;
    let auditor = app.as_staff("auditor", "ДМС України", None).await;
    let (doc1, unzr1) = action_with_unzr(1);
    let (doc2, unzr2) = action_with_unzr(2);
    register_entry(&app.database_url, &unzr1).await;
    register_entry(&app.database_url, &unzr2).await;
    let a1 = app.submit_ok(&doc1).await;
    let a2 = app.submit_ok(&doc2).await;
    eddr.state
        .lock()
        .unwrap()
        .reject
        .insert(a2["action_id"].as_str().unwrap().to_owned());

    // ЄДДР is down through the last attempt: the feeder gives the data set up.
    eddr.set_down(true);
    let once = [("DMS_FEEDER_MAX_ATTEMPTS", "1")];
    let r = feeder.run_once(&once).await.expect_report();
    assert_eq!(r["failed"], json!([1]), "{r}");
    let (status, page) = auditor
        .call(Method::GET, "/admin/v1/datasets?state=failed", None)
        .await;
    assert_eq!(status, 200, "{page}");
    let listed = page.as_array().unwrap();
    assert_eq!(listed.len(), 1, "{page}");
    assert_eq!(
        (
            &listed[0]["seq"],
            &listed[0]["state"],
            &listed[0]["attempts"]
        ),
        (&json!(1), &json!("failed"), &json!(1))
    );
    assert_eq!(listed[0]["record_count"], 2);
    assert!(listed[0]["last_error"].as_str().is_some(), "{page}");
    let (_, none) = auditor
        .call(Method::GET, "/admin/v1/datasets?state=acknowledged", None)
        .await;
    assert_eq!(none, json!([]));

    // ЄДДР is back, but a failed data set stays failed until someone decides otherwise.
    eddr.set_down(false);
    let r = feeder.run_once(&once).await.expect_report();
    assert_eq!(r["delivered"], json!([]), "{r}");
    assert!(eddr.state.lock().unwrap().deliveries.is_empty());

    // Only supervisors re-deliver, only what exists.
    let redeliver = "/admin/v1/datasets/1/redeliver";
    assert_eq!(auditor.call(Method::POST, redeliver, None).await.0, 403);
    let (status, _) = supervisor
        .call(Method::POST, "/admin/v1/datasets/99/redeliver", None)
        .await;
    assert_eq!(status, 404);
    let (status, again) = supervisor.call(Method::POST, redeliver, None).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(
        (&again["state"], &again["attempts"]),
        (&json!("sealed"), &json!(0))
    );
    assert!(again["next_attempt_at"].as_str().is_some(), "{again}");
    // A data set that is not failed is not re-delivered.
    let (status, problem) = supervisor.call(Method::POST, redeliver, None).await;
    assert_eq!(
        (status, &problem["code"]),
        (409, &json!("dataset_not_failed"))
    );

    // The feeder's next run delivers it, and ЄДДР's verdicts are counted.
    let r = feeder.run_once(&once).await.expect_report();
    assert_eq!(r["delivered"], json!([1]), "{r}");
    let (status, ds) = auditor
        .call(Method::GET, "/admin/v1/datasets/1", None)
        .await;
    assert_eq!(status, 200, "{ds}");
    assert_eq!(ds["state"], "acknowledged");
    assert_eq!((&ds["accepted"], &ds["rejected"]), (&json!(1), &json!(1)));
    assert_eq!(ds["awaiting"], 0);
    assert_eq!(ds["records_sha256"].as_str().unwrap().len(), 64);
    assert_eq!(ds["manifest_sha256"].as_str().unwrap().len(), 64);
    assert!(eddr
        .accepted_counts()
        .contains_key(a1["action_id"].as_str().unwrap()));
    let (status, problem) = supervisor.call(Method::POST, redeliver, None).await;
    assert_eq!(
        (status, &problem["code"]),
        (409, &json!("dataset_not_failed"))
    );
    assert_eq!(
        app.count("audit_log WHERE event = 'dataset.redeliver' AND target = '1'")
            .await,
        1
    );
    eddr.stop().await;
}

#[tokio::test]
async fn the_issuance_system_records_register_entries_and_nothing_else() {
    let app = spawn_app().await;
    // `dms-api staff add --role issuance` and `staff token` make the machine client.
    let out = cli(&app.database_url)
        .args(["staff", "add", "--name", "Документ", "--role", "issuance"])
        .args(["--unit", "ДП «Документ»"])
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let id = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    let out = cli(&app.database_url)
        .args(["staff", "token", "--id", &id])
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    let issuance = app.admin(Some(&token));

    let (doc, unzr) = action_with_unzr(7);
    let a = app.submit_ok(&doc).await;
    let id_of = a["action_id"].as_str().unwrap();
    assert_eq!(app.action_state(id_of).await["feed"]["state"], "held");
    let entry = json!({"unzr": unzr});
    let (status, answer) = issuance
        .call(
            Method::POST,
            "/admin/v1/register-entries",
            Some(entry.clone()),
        )
        .await;
    assert_eq!((status, &answer), (200, &json!({"released": 1})));
    assert_eq!(app.action_state(id_of).await["feed"]["state"], "pending");
    let (status, answer) = issuance
        .call(Method::POST, "/admin/v1/register-entries", Some(entry))
        .await;
    assert_eq!((status, &answer), (200, &json!({"released": 0})));
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE event = 'register_entry.record' AND actor_id = '{id}'"
        ))
        .await,
        2
    );

    // Faults are named by pointer; nothing is recorded.
    let bad = json!({"unzr": "19900315-12345", "document": {"type": "id_card", "number": "12"}});
    let (status, problem) = issuance
        .call(Method::POST, "/admin/v1/register-entries", Some(bad))
        .await;
    assert_eq!(status, 422, "{problem}");
    let pointers: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["pointer"].as_str().unwrap())
        .collect();
    assert_eq!(pointers, ["/unzr", "/document/number"]);
    let bad = json!({"unzr": unzr, "document": {"type": "driving_licence", "number": "1"}});
    let (status, problem) = issuance
        .call(Method::POST, "/admin/v1/register-entries", Some(bad))
        .await;
    assert_eq!(
        (status, &problem["errors"][0]["pointer"]),
        (422, &json!("/document/type"))
    );

    // Any other staff endpoint refuses the machine client.
    for (method, path) in [
        (Method::GET, "/admin/v1/datasets"),
        (Method::GET, "/admin/v1/registration-bodies"),
        (Method::GET, "/admin/v1/territory-restrictions"),
        (Method::GET, "/admin/v1/audit"),
    ] {
        let (status, problem) = issuance.call(method, path, None).await;
        assert_eq!(
            (status, &problem["code"]),
            (403, &json!("forbidden")),
            "{path}"
        );
    }
}

/// A supervisor's end of a ban, as the admin role writes it (a ban ended some days ago: the
/// API itself never ends a ban retroactively).
async fn ended_before(app: &dms_tests::TestApp, ban: &str, last_day: &str, by: uuid::Uuid) {
    let mut conn = app.db().await;
    diesel::sql_query(format!(
        "INSERT INTO territory_restriction_ends (restriction_id, last_day, reason, ended_by, ended_at) \
         VALUES ('{ban}', '{last_day}', 'Рішення (тест)', '{by}', now() - interval '5 days')"
    ))
    .execute(&mut conn)
    .await
    .unwrap();
}

#[tokio::test]
async fn a_ban_ended_early_lets_actions_after_its_last_day_through() {
    let app = spawn_app().await;
    let (supervisor_id, token) = app.staff("supervisor", "ДМС України", None).await;
    let supervisor = app.admin(Some(&token));
    let in_place = |katottg: &str, date: String, n: u32| {
        let mut d = person_action("declaration_of_residence", n);
        d["address"]["katottg"] = katottg.into();
        d["action"]["date"] = date.into();
        d
    };
    let ban = |katottg: &str| json!({"katottg": katottg, "from": kyiv_day(-10), "legal_basis": "Наказ військового командування (тест)"});
    let (status, village_ban) = supervisor
        .call(
            Method::POST,
            "/admin/v1/territory-restrictions",
            Some(ban(VILLAGE)),
        )
        .await;
    assert_eq!(status, 201, "{village_ban}");
    let end_path = format!(
        "/admin/v1/territory-restrictions/{}/end",
        village_ban["id"].as_str().unwrap()
    );
    let refused = |doc: Value| {
        let app = &app;
        async move {
            let (status, p) = app.community(&app.token).submit(&doc).await;
            assert_eq!(
                (status, &p["code"]),
                (422, &json!("territory_restricted")),
                "{p}"
            );
        }
    };
    refused(in_place(VILLAGE, kyiv_day(-3), 1)).await;

    // No retroactive end, none before the ban began, and a reason is needed.
    for (body, pointers) in [
        (
            json!({"last_day": kyiv_day(-2), "reason": "Рішення"}),
            vec!["/last_day"],
        ),
        (
            json!({"last_day": kyiv_day(-12), "reason": " "}),
            vec!["/last_day", "/last_day", "/reason"],
        ),
    ] {
        let (status, problem) = supervisor.call(Method::POST, &end_path, Some(body)).await;
        assert_eq!(status, 422, "{problem}");
        let got: Vec<&str> = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["pointer"].as_str().unwrap())
            .collect();
        assert_eq!(got, pointers, "{problem}");
    }
    // Not after the ban's own last day.
    let (status, short) = supervisor
        .call(
            Method::POST,
            "/admin/v1/territory-restrictions",
            Some(json!({"katottg": KHMELNYTSKYI, "from": kyiv_day(-2), "to": kyiv_day(3), "legal_basis": "Наказ (тест)"})),
        )
        .await;
    assert_eq!(status, 201);
    let (status, problem) = supervisor
        .call(
            Method::POST,
            &format!(
                "/admin/v1/territory-restrictions/{}/end",
                short["id"].as_str().unwrap()
            ),
            Some(json!({"last_day": kyiv_day(4), "reason": "Рішення"})),
        )
        .await;
    assert_eq!(
        (status, &problem["errors"][0]["pointer"]),
        (422, &json!("/last_day"))
    );

    // Ended as of today: today is still banned (the last day is inclusive).
    let end = json!({"last_day": kyiv_day(0), "reason": "Рішення військового командування про скасування"});
    let (status, ended) = supervisor
        .call(Method::POST, &end_path, Some(end.clone()))
        .await;
    assert_eq!(status, 200, "{ended}");
    assert_eq!(ended["ended"]["last_day"], kyiv_day(0));
    assert_eq!(ended["effective_to"], kyiv_day(0));
    assert!(
        ended.get("to").is_none(),
        "the ban's own range is kept: {ended}"
    );
    assert_eq!(ended["ended"]["by"], supervisor_id.to_string());
    let (status, problem) = supervisor.call(Method::POST, &end_path, Some(end)).await;
    assert_eq!(
        (status, &problem["code"]),
        (409, &json!("restriction_already_ended"))
    );
    refused(in_place(VILLAGE, kyiv_day(0), 2)).await;
    assert_eq!(
        app.count("audit_log WHERE event = 'territory_restriction.end'")
            .await,
        1
    );

    // A ban ended five days ago: an action dated after its last day goes through, one dated
    // within it does not — on the single endpoint and in a listing alike.
    let (_, city_ban) = supervisor
        .call(
            Method::POST,
            "/admin/v1/territory-restrictions",
            Some(ban(KHMELNYTSKYI)),
        )
        .await;
    let city_id = city_ban["id"].as_str().unwrap();
    refused(in_place(KHMELNYTSKYI, kyiv_day(-4), 3)).await;
    ended_before(&app, city_id, &kyiv_day(-5), supervisor_id).await;
    refused(in_place(KHMELNYTSKYI, kyiv_day(-6), 4)).await;
    refused(in_place(KHMELNYTSKYI, kyiv_day(-5), 5)).await;
    let (status, ok) = app
        .community(&app.token)
        .submit(&in_place(KHMELNYTSKYI, kyiv_day(-4), 6))
        .await;
    assert_eq!(status, 201, "{ok}");
    let (status, listed) = supervisor
        .call(Method::GET, "/admin/v1/territory-restrictions", None)
        .await;
    assert_eq!(status, 200);
    let city = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == city_id)
        .unwrap();
    assert_eq!(city["effective_to"], kyiv_day(-5));
    assert_eq!(city["ended"]["reason"], "Рішення (тест)");
    // The end of a ban is append-only for the runtime role too.
    let mut conn = dms_tests::db::connect(&app.runtime_url).await;
    let changed = diesel::sql_query(format!(
        "UPDATE territory_restriction_ends SET last_day = last_day + 1 WHERE restriction_id = '{city_id}'"
    ))
    .execute(&mut conn)
    .await;
    assert!(changed.is_err());
}

#[tokio::test]
async fn a_persons_history_spans_communities_for_those_who_may_see_it() {
    let app = spawn_app().await;
    let supervisor = app.as_staff("supervisor", "ДМС України", None).await;
    let lviv_officer = app
        .as_staff(
            "officer",
            "ГУ ДМС у Львівській області",
            Some(LVIVSKA_OBLAST),
        )
        .await;
    let kyiv_officer = app
        .as_staff("officer", "ГУ ДМС у м. Києві", Some(KYIV))
        .await;
    let mut first = person_action("registration_of_residence", 1);
    first["action"]["date"] = kyiv_day(-2).into();
    let home = app.submit_ok(&first).await;
    let mut moved = person_action("registration_of_residence", 2);
    moved["address"] =
        json!({"katottg": "UA46060250010015970", "street": "вулиця Городоцька", "building": "15"});
    moved["action"]["date"] = kyiv_day(-1).into();
    let (status, lviv) = app.community(&app.lviv_token).submit(&moved).await;
    assert_eq!(status, 201, "{lviv}");
    let cancel = cancellation(json!({"action_id": lviv["action_id"], "reason": "помилка"}));
    let (status, cancelled) = app.community(&app.lviv_token).submit(&cancel).await;
    assert_eq!(status, 201, "{cancelled}");

    let unzr = first["person"]["unzr"].as_str().unwrap();
    let (status, found) = supervisor
        .call(
            Method::GET,
            &format!("/admin/v1/registration-actions?unzr={unzr}"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{found}");
    let person = found[0]["person_id"].as_str().unwrap().to_owned();
    let path = format!("/admin/v1/persons/{person}/history");
    let (status, history) = supervisor.call(Method::GET, &path, None).await;
    assert_eq!(status, 200, "{history}");
    let ids: Vec<&Value> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|h| &h["action_id"])
        .collect();
    assert_eq!(
        ids,
        [
            &home["action_id"],
            &lviv["action_id"],
            &cancelled["action_id"]
        ],
        "oldest first: {history}"
    );
    let (h0, h1, h2) = (&history[0], &history[1], &history[2]);
    assert_eq!(h0["registration_body_edrpou"], KHMELNYTSKYI_EDRPOU);
    assert_eq!(h1["registration_body_edrpou"], LVIV_EDRPOU);
    assert_eq!(
        h1["previous_action_id"], home["action_id"],
        "the move: {h1}"
    );
    assert_eq!(h1["previous_registration_body_edrpou"], KHMELNYTSKYI_EDRPOU);
    assert_eq!(h1["cancelled_by_action_id"], cancelled["action_id"]);
    assert_eq!(h2["action_type"], "cancellation");
    assert_eq!(h2["cancels_action_id"], lviv["action_id"]);
    assert_eq!(h0["feed_state"], "held");
    assert_eq!(h0["action_date"], kyiv_day(-2));

    // An officer sees a person with an action in their territory; to another, no such person.
    assert_eq!(lviv_officer.call(Method::GET, &path, None).await.0, 200);
    let (status, problem) = kyiv_officer.call(Method::GET, &path, None).await;
    assert_eq!((status, &problem["code"]), (404, &json!("not_found")));
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE event = 'person.history' AND target = '{person}'"
        ))
        .await,
        2
    );
    let unknown = "/admin/v1/persons/00000000-0000-7000-8000-000000000000/history";
    assert_eq!(supervisor.call(Method::GET, unknown, None).await.0, 404);
    assert_eq!(
        supervisor
            .call(Method::GET, "/admin/v1/persons/x/history", None)
            .await
            .0,
        404
    );
}

#[tokio::test]
async fn staff_read_the_bodies_the_calendar_and_the_audit_log() {
    let app = spawn_app().await;
    let (supervisor_id, token) = app.staff("supervisor", "ДМС України", None).await;
    let supervisor = app.admin(Some(&token));
    let auditor = app.as_staff("auditor", "ДМС України", None).await;
    let officer = app
        .as_staff("officer", "ГУ ДМС у Хмельницькій області", Some(VILLAGE))
        .await;

    // Bodies: searched by name or ЄДРПОУ, by status, paged.
    let (status, all) = auditor
        .call(Method::GET, "/admin/v1/registration-bodies", None)
        .await;
    assert_eq!(status, 200, "{all}");
    let edrpous: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["edrpou"].as_str().unwrap())
        .collect();
    let mut sorted = edrpous.clone();
    sorted.sort_unstable();
    assert_eq!(edrpous, sorted);
    assert!(edrpous.len() >= 3 && edrpous.contains(&KHMELNYTSKYI_EDRPOU));
    let (_, found) = auditor
        .call(
            Method::GET,
            "/admin/v1/registration-bodies?q=%D1%85%D0%BC%D0%B5%D0%BB%D1%8C%D0%BD",
            None,
        )
        .await;
    assert_eq!(found.as_array().unwrap().len(), 1, "{found}");
    assert_eq!(found[0]["edrpou"], KHMELNYTSKYI_EDRPOU);
    let (_, found) = auditor
        .call(
            Method::GET,
            &format!("/admin/v1/registration-bodies?q={}", &LVIV_EDRPOU[2..6]),
            None,
        )
        .await;
    assert_eq!(found[0]["edrpou"], LVIV_EDRPOU, "{found}");
    app.set_body_status(&app.lviv, "suspended").await;
    let (_, suspended) = auditor
        .call(
            Method::GET,
            "/admin/v1/registration-bodies?status=suspended",
            None,
        )
        .await;
    assert_eq!(suspended.as_array().unwrap().len(), 1);
    assert_eq!(suspended[0]["edrpou"], LVIV_EDRPOU);
    let res = auditor
        .request(Method::GET, "/admin/v1/registration-bodies?limit=1")
        .send()
        .await
        .unwrap();
    let link = res.headers()["link"].to_str().unwrap().to_owned();
    assert!(link.contains(&format!("after={}", edrpous[0])), "{link}");
    let page: Value = res.json().await.unwrap();
    assert_eq!(page.as_array().unwrap().len(), 1);
    let (_, second) = auditor
        .call(
            Method::GET,
            &format!("/admin/v1/registration-bodies?limit=1&after={}", edrpous[0]),
            None,
        )
        .await;
    assert_eq!(second[0]["edrpou"], edrpous[1]);
    let (status, problem) = auditor
        .call(
            Method::GET,
            "/admin/v1/registration-bodies?status=closed&limit=0",
            None,
        )
        .await;
    assert_eq!(status, 422);
    let pointers: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["pointer"].as_str().unwrap())
        .collect();
    assert_eq!(pointers, ["/limit", "/status"]);

    // One body: its credentials without secrets, its officials.
    let (status, body) = auditor
        .call(
            Method::GET,
            &format!("/admin/v1/registration-bodies/{KHMELNYTSKYI_EDRPOU}"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "active");
    assert!(!body["tokens"].as_array().unwrap().is_empty(), "{body}");
    assert!(body["tokens"][0]["id"].is_string() && body["tokens"][0].get("value").is_none());
    assert_eq!(body["trembita_clients"][0]["client"], KHMELNYTSKYI_CLIENT);
    let text = body.to_string();
    let hash = dms_service::bodies::token_lookup(&app.token);
    assert!(
        !text.contains(&app.token) && !text.contains(&hash[..12]),
        "{text}"
    );
    assert_eq!(
        auditor
            .call(Method::GET, "/admin/v1/registration-bodies/12345678", None)
            .await
            .0,
        404
    );

    // The calendar's overrides: who set which day, and when.
    let day = kyiv_day(40);
    let set = json!({"day": day, "working": false, "reason": "Рішення КМУ (тест)"});
    assert_eq!(
        supervisor
            .call(Method::POST, "/admin/v1/calendar-overrides", Some(set))
            .await
            .0,
        204
    );
    let (status, listed) = officer
        .call(
            Method::GET,
            &format!(
                "/admin/v1/calendar-overrides?from={}&to={}",
                kyiv_day(39),
                kyiv_day(41)
            ),
            None,
        )
        .await;
    assert_eq!(status, 200, "{listed}");
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed[0]["day"], day);
    assert_eq!(listed[0]["working"], false);
    assert_eq!(listed[0]["set_by"], supervisor_id.to_string());
    let (_, none) = officer
        .call(
            Method::GET,
            &format!("/admin/v1/calendar-overrides?to={}", kyiv_day(39)),
            None,
        )
        .await;
    assert_eq!(none, json!([]));
    let (status, problem) = officer
        .call(
            Method::GET,
            &format!(
                "/admin/v1/calendar-overrides?from={}&to={}",
                kyiv_day(2),
                kyiv_day(1)
            ),
            None,
        )
        .await;
    assert_eq!(
        (status, &problem["errors"][0]["pointer"]),
        (422, &json!("/to"))
    );

    // The audit log: newest first, by event prefix, actor and target, paged; listing it is
    // audited too.
    let (status, rows) = auditor
        .call(
            Method::GET,
            "/admin/v1/audit?event=registration_body.",
            None,
        )
        .await;
    assert_eq!(status, 200, "{rows}");
    let rows = rows.as_array().unwrap().clone();
    assert!(rows.iter().all(|r| r["event"]
        .as_str()
        .unwrap()
        .starts_with("registration_body.")));
    assert!(
        rows.iter().any(|r| r["event"] == "registration_body.view"),
        "{rows:?}"
    );
    let ids: Vec<i64> = rows.iter().map(|r| r["id"].as_i64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first: {ids:?}");
    let (_, exact) = auditor
        .call(Method::GET, "/admin/v1/audit?event=calendar.override", None)
        .await;
    assert_eq!(exact.as_array().unwrap().len(), 1, "{exact}");
    assert_eq!(exact[0]["actor_id"], supervisor_id.to_string());
    assert_eq!(exact[0]["target"], day);
    let (_, by_actor) = auditor
        .call(
            Method::GET,
            &format!("/admin/v1/audit?actor={supervisor_id}"),
            None,
        )
        .await;
    assert!(!by_actor.as_array().unwrap().is_empty());
    assert!(by_actor
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["actor_id"] == supervisor_id.to_string()));
    let (_, by_target) = auditor
        .call(
            Method::GET,
            &format!("/admin/v1/audit?target={day}&actor=staff"),
            None,
        )
        .await;
    assert_eq!(by_target.as_array().unwrap().len(), 1, "{by_target}");
    let (_, future) = auditor
        .call(
            Method::GET,
            "/admin/v1/audit?from=2999-01-01T00:00:00Z",
            None,
        )
        .await;
    assert_eq!(future, json!([]));
    let res = auditor
        .request(Method::GET, "/admin/v1/audit?limit=2")
        .send()
        .await
        .unwrap();
    let link = res.headers()["link"].to_str().unwrap().to_owned();
    let page: Value = res.json().await.unwrap();
    let last = page[1]["id"].as_i64().unwrap();
    assert!(link.contains(&format!("after={last}")), "{link}");
    let (_, next) = auditor
        .call(
            Method::GET,
            &format!("/admin/v1/audit?limit=2&after={last}"),
            None,
        )
        .await;
    assert!(next[0]["id"].as_i64().unwrap() < last);
    let (status, problem) = auditor
        .call(Method::GET, "/admin/v1/audit?from=yesterday", None)
        .await;
    assert_eq!(
        (status, &problem["errors"][0]["pointer"]),
        (422, &json!("/from"))
    );
    assert!(app.count("audit_log WHERE event = 'audit.list'").await >= 7);
}

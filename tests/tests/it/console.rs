//! The staff console over real HTTP: staff sign in with their own web accounts (password and a
//! current TOTP code) on the console only, and each door refuses the other's accounts; each role
//! reaches its screens and is refused the others' (the API's role matrix); an officer's request
//! made on the console reaches the community with the calendar's deadline; a ban set on the
//! console refuses the next submission there; a search on the console is audited as the
//! console's; a revoked staff member's session ends. (The pages in a real browser, with
//! axe-core, are `ops/webtest`.)

use dms_service::{officials, Actor, Services};
use dms_tests::web_client::{attr, code, current_step, Browser, Official};
use dms_tests::{
    action_with_unzr, kyiv_day, person_action, spawn_app, TestApp, KHMELNYTSKYI_HROMADA,
};
use reqwest::header::LOCATION;
use serde_json::Value;

fn services(app: &TestApp) -> Services {
    let pool = dms_db::pool::connect(&app.database_url, 2).unwrap();
    Services::new(pool, dms_crypto::KeyRing::empty()).unwrap()
}

/// A staff member of `role` with a web account set up at once.
async fn staff_account(
    app: &TestApp,
    role: &str,
    territory: Option<&str>,
) -> (uuid::Uuid, Official) {
    let (id, _) = app.staff(role, "ГУ ДМС (тест)", territory).await;
    let login = format!(
        "{role}.{}",
        &uuid::Uuid::now_v7().simple().to_string()[20..]
    );
    let (account, password, secret) =
        officials::add_for_staff_enrolled(&services(app), &Actor::operator(), id, &login)
            .await
            .unwrap();
    (
        id,
        Official {
            login: account.login,
            password,
            secret,
        },
    )
}

async fn console(app: &TestApp, who: &Official) -> Browser {
    let mut b = Browser::new(&app.console_url);
    assert_eq!(
        b.sign_in(who, &code(&who.secret, current_step())).await,
        303
    );
    assert!(b.has_session());
    b
}

#[tokio::test]
async fn staff_sign_in_on_the_console_only_and_officials_only_on_their_web() {
    let app = spawn_app().await;
    let (_, supervisor) = staff_account(&app, "supervisor", None).await;
    // The staff account opens nothing on the officials' web: an unknown login there.
    let mut web = Browser::new(&app.web_url);
    assert_eq!(
        web.sign_in(&supervisor, &code(&supervisor.secret, current_step()))
            .await,
        401
    );
    assert!(!web.has_session());
    // An official's account opens nothing on the console.
    let (o, password, secret) = officials::add_enrolled(
        &services(&app),
        &Actor::operator(),
        app.body.edrpou.as_str(),
        "khm.console",
        "Тест Олена",
    )
    .await
    .unwrap();
    let official = Official {
        login: o.login,
        password,
        secret,
    };
    let mut b = Browser::new(&app.console_url);
    assert_eq!(
        b.sign_in(&official, &code(&official.secret, current_step()))
            .await,
        401
    );
    assert!(!b.has_session());
    // The staff member signs in on the console, under the console's own cookie.
    let mut b = Browser::new(&app.console_url);
    assert_eq!(
        b.sign_in(&supervisor, &code(&supervisor.secret, current_step() - 1))
            .await,
        303
    );
    let (status, _, page) = b.get("/").await;
    assert_eq!(status, 200);
    assert!(page.contains("Органи реєстрації"), "{page}");
    // Its session cookie does not open the officials' web (cookies do not tell ports apart).
    let mut web = Browser::new(&app.web_url);
    for (n, v) in &b.cookies {
        web.cookies.push((n.replace("console_", ""), v.clone()));
    }
    let (status, headers, _) = web.get("/actions").await;
    assert_eq!(status, 303);
    assert!(headers[LOCATION].to_str().unwrap().starts_with("/sign-in"));
    let rows = app
        .count("audit_log WHERE event = 'web.sign_in' AND actor_kind = 'staff' AND channel = 'console'")
        .await;
    assert_eq!(rows, 1);
}

#[tokio::test]
async fn each_role_reaches_its_screens_and_is_refused_the_others() {
    let app = spawn_app().await;
    let (_, officer) = staff_account(&app, "officer", Some(KHMELNYTSKYI_HROMADA)).await;
    let (_, supervisor) = staff_account(&app, "supervisor", None).await;
    let (_, auditor) = staff_account(&app, "auditor", None).await;
    let edrpou = app.body.edrpou.as_str().to_owned();
    let body_page = format!("/bodies/{edrpou}");
    let matrix: [(&str, [u16; 3]); 12] = [
        // (page, [officer, supervisor, auditor])
        ("/requests", [200, 200, 403]),
        ("/requests/new", [200, 403, 403]),
        ("/search", [200, 200, 403]),
        ("/bans", [200, 200, 403]),
        ("/calendar", [200, 200, 200]),
        (&body_page, [403, 200, 200]),
        ("/datasets", [403, 200, 200]),
        ("/register-entries", [403, 200, 403]),
        ("/audit", [403, 403, 200]),
        ("/audit/verify", [403, 403, 200]),
        ("/reports", [403, 200, 200]),
        ("/", [200, 200, 200]),
    ];
    let mut browsers = [
        console(&app, &officer).await,
        console(&app, &supervisor).await,
        console(&app, &auditor).await,
    ];
    for (path, expected) in matrix {
        for (i, b) in browsers.iter_mut().enumerate() {
            let (status, _, _) = b.get(path).await;
            assert_eq!(status, expected[i], "{path} as role #{i}");
        }
    }
    // A change by a role that may not make it changes nothing.
    let (_, _, page) = browsers[2].get("/").await;
    let csrf = attr(&page, "name=\"csrf\" value=\"").to_owned();
    let ban = [
        ("csrf", csrf.as_str()),
        ("katottg", KHMELNYTSKYI_HROMADA),
        ("from", &kyiv_day(0)),
        ("to", ""),
        ("legal_basis", "Тест"),
    ];
    assert_eq!(browsers[2].post("/bans", &ban).await.0, 403);
    assert_eq!(app.count("territory_restrictions").await, 0);
    // Refusals and unknown addresses answer in the console's own layout.
    for path in [
        "/audit/verify",
        "/requests/00000000-0000-0000-0000-000000000000",
        "/nowhere",
    ] {
        let (status, _, page) = browsers[0].get(path).await;
        assert!(status == 403 || status == 404, "{path}: {status}");
        assert!(
            page.contains("Консоль працівника ДМС України"),
            "{path}: {page}"
        );
        assert!(
            !page.contains("Реєстр територіальної громади"),
            "{path}: {page}"
        );
    }
}

#[tokio::test]
async fn an_officers_request_reaches_the_community_with_the_calendars_deadline() {
    let app = spawn_app().await;
    let (doc, unzr) = action_with_unzr(7);
    let stored = app.submit_ok(&doc).await;
    let (_, officer) = staff_account(&app, "officer", Some(KHMELNYTSKYI_HROMADA)).await;
    let mut b = console(&app, &officer).await;
    // Find the person first: the result offers a request to the body of their address.
    let (status, _, page) = b.get(&format!("/requests/new?unzr={unzr}")).await;
    assert_eq!(status, 200, "{page}");
    let action_id = stored["action_id"].as_str().unwrap();
    assert!(
        page.contains(&format!("/requests/new?action={action_id}")),
        "{page}"
    );
    let (status, _, page) = b.get(&format!("/requests/new?action={action_id}")).await;
    assert_eq!(status, 200);
    assert!(page.contains(app.body.edrpou.as_str()));
    let csrf = attr(&page, "name=\"csrf\" value=\"").to_owned();
    // Without a question the form comes back with the message at the field; nothing is sent.
    let (status, _, page) = b
        .post(
            "/requests/new",
            &[
                ("csrf", &csrf),
                ("action", action_id),
                ("question", ""),
                ("details", ""),
            ],
        )
        .await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("id=\"question-error\""), "{page}");
    assert_eq!(app.count("verification_requests").await, 0);
    let (status, headers, _) = b
        .post(
            "/requests/new",
            &[
                ("csrf", &csrf),
                ("action", action_id),
                ("question", "confirm_current_address"),
                ("details", "Перевірка"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let to = headers[LOCATION].to_str().unwrap().to_owned();
    let id = to
        .trim_start_matches("/requests/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    // The community's list has it (listing it is its receipt: the deadline starts today).
    let (status, listed) = app.community(&app.token).verification_requests("").await;
    assert_eq!(status, 200);
    let mine = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id.as_str())
        .unwrap_or_else(|| panic!("{listed}"));
    assert_eq!(mine["person"]["unzr"], unzr.as_str());
    let due: chrono::NaiveDate = mine["due_date"].as_str().unwrap().parse().unwrap();
    let calendar = {
        let mut conn = app.db().await;
        dms_db::calendar::calendar(&mut conn).await.unwrap()
    };
    let today = dms_schemas::time::kyiv_date(chrono::Utc::now());
    assert_eq!(due, calendar.answer_due(today));
    // The console shows the same deadline.
    let (status, _, page) = b.get(&to).await;
    assert_eq!(status, 200);
    assert!(
        page.contains(&format!("{}", due.format("%d.%m.%Y"))),
        "{page}"
    );
    // A search on the console is audited as the console's, naming what it returned.
    let searches = app
        .count(&format!(
            "audit_log WHERE event = 'registration_action.search' AND channel = 'console' \
             AND details->'returned' ? '{action_id}'"
        ))
        .await;
    assert_eq!(searches, 1);
}

#[tokio::test]
async fn a_ban_set_on_the_console_refuses_the_next_submission_there() {
    let app = spawn_app().await;
    let (_, supervisor) = staff_account(&app, "supervisor", None).await;
    let mut b = console(&app, &supervisor).await;
    let (_, _, page) = b.get("/bans").await;
    let csrf = attr(&page, "name=\"csrf\" value=\"").to_owned();
    let from = kyiv_day(-1);
    let form = [
        ("csrf", csrf.as_str()),
        ("katottg", "UA68040470020031437"),
        ("from", from.as_str()),
        ("to", ""),
        ("legal_basis", "Рішення ради оборони (тест)"),
    ];
    // Without the CSRF token nothing is stored.
    let mut forged = form;
    forged[0] = ("csrf", "forged");
    assert_eq!(b.post("/bans", &forged).await.0, 403);
    assert_eq!(app.count("territory_restrictions").await, 0);
    let (status, headers, _) = b.post("/bans", &form).await;
    assert_eq!(status, 303);
    assert_eq!(headers[LOCATION], "/bans?done=ban");
    let mut doc = person_action("declaration_of_residence", 2);
    doc["address"]["katottg"] = "UA68040470020031437".into();
    let res = app.submit(&doc).await;
    assert_eq!(res.status(), 422);
    let p: Value = res.json().await.unwrap();
    assert_eq!(p["code"], "territory_restricted");
    // Elsewhere the next submission is accepted.
    assert_eq!(
        app.submit(&person_action("declaration_of_residence", 3))
            .await
            .status(),
        201
    );
}

#[tokio::test]
async fn a_revoked_staff_members_session_ends() {
    let app = spawn_app().await;
    let (id, auditor) = staff_account(&app, "auditor", None).await;
    let mut b = console(&app, &auditor).await;
    assert_eq!(b.get("/audit/verify").await.0, 200);
    assert!(
        dms_service::staff::revoke(&services(&app), &Actor::operator(), id)
            .await
            .unwrap()
    );
    let (status, headers, _) = b.get("/audit/verify").await;
    assert_eq!(status, 303);
    assert!(headers[LOCATION].to_str().unwrap().starts_with("/sign-in"));
    let mut again = Browser::new(&app.console_url);
    assert_eq!(
        again
            .sign_in(&auditor, &code(&auditor.secret, current_step() + 1))
            .await,
        401
    );
}

#[tokio::test]
async fn only_a_supervisor_changes_registration_bodies_on_the_console() {
    let app = spawn_app().await;
    let (_, officer) = staff_account(&app, "officer", Some(KHMELNYTSKYI_HROMADA)).await;
    let (_, auditor) = staff_account(&app, "auditor", None).await;
    let edrpou = app.lviv.edrpou.as_str().to_owned();
    let credentials = || async {
        app.count(&format!(
            "credentials WHERE registration_body_id = '{}'",
            app.lviv.id
        ))
        .await
    };
    let before = credentials().await;
    let token_id: String = {
        let mut conn = app.db().await;
        let row: Vec<String> = diesel_async::RunQueryDsl::load(
            diesel::dsl::sql_query(format!(
                "SELECT id::text AS id FROM credentials WHERE registration_body_id = '{}' LIMIT 1",
                app.lviv.id
            )),
            &mut conn,
        )
        .await
        .map(|rows: Vec<IdRow>| rows.into_iter().map(|r| r.id).collect())
        .unwrap();
        row[0].clone()
    };
    for who in [&officer, &auditor] {
        let mut b = console(&app, who).await;
        let (_, _, page) = b.get("/").await;
        let csrf = attr(&page, "name=\"csrf\" value=\"").to_owned();
        for (path, form) in [
            (
                "/bodies".to_owned(),
                vec![
                    ("edrpou", "43210987"),
                    ("name", "Тест"),
                    ("hromada", KHMELNYTSKYI_HROMADA),
                ],
            ),
            (format!("/bodies/{edrpou}/suspend"), vec![]),
            (format!("/bodies/{edrpou}/token"), vec![]),
            (
                format!("/bodies/{edrpou}/trembita"),
                vec![("client", "SEVDEIR-TEST/GOV/04055896/X")],
            ),
            (format!("/bodies/{edrpou}/revoke/{token_id}"), vec![]),
        ] {
            let mut fields = vec![("csrf", csrf.as_str())];
            fields.extend(form);
            let (status, _, _) = b.post(&path, &fields).await;
            assert_eq!(status, 403, "{path} as {}", who.login);
        }
    }
    assert_eq!(credentials().await, before);
    assert_eq!(
        app.count("registration_bodies WHERE status = 'suspended' OR edrpou = '43210987'")
            .await,
        0
    );
    // Every refusal is audited as the console's staff member's.
    assert_eq!(
        app.count("audit_log WHERE event = 'request.refused' AND actor_kind = 'staff' AND channel = 'console'")
            .await,
        10
    );
}

#[derive(diesel::QueryableByName)]
struct IdRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    id: String,
}

#[tokio::test]
async fn a_staff_account_is_managed_at_the_command_line_only_and_set_up_on_the_console() {
    let app = spawn_app().await;
    let (_, auditor) = staff_account(&app, "auditor", None).await;
    let supervisor = app.as_staff("supervisor", "ДМС України", None).await;
    // To the staff API's officials endpoints a staff account does not exist.
    for action in ["reset", "disable"] {
        let (status, _) = supervisor
            .call(
                reqwest::Method::POST,
                &format!("/admin/v1/officials/{}/{action}", auditor.login),
                None,
            )
            .await;
        assert_eq!(status, 404, "{action}");
    }
    let mut b = console(&app, &auditor).await;
    assert_eq!(b.get("/audit/verify").await.0, 200);
    // The operator resets it: its new one-time link opens the console's set-up, not the web's.
    let invited = officials::reset(&services(&app), &Actor::operator(), &auditor.login)
        .await
        .unwrap();
    let path = format!("/setup/{}", invited.setup_secret);
    assert_eq!(Browser::new(&app.web_url).get(&path).await.0, 404);
    let (status, _, page) = Browser::new(&app.console_url).get(&path).await;
    assert_eq!(status, 200);
    assert!(page.contains(&auditor.login), "{page}");
    // A machine client gets no web account.
    let (issuance, _) = app
        .staff("issuance", "Система оформлення документів", None)
        .await;
    let refused = officials::add_for_staff(
        &services(&app),
        &Actor::operator(),
        issuance,
        "issuance.web",
    )
    .await;
    assert!(refused.is_err());
}

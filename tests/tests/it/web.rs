//! The web interface for officials over real HTTP: sign-in needs the password and a current
//! TOTP code (each code once; five failures lock), every form needs its CSRF token, a form
//! resubmitted stores one action, an idle session goes back to sign-in, another community's
//! official sees nothing of ours, and every page carries the security headers. (The pages in a
//! real browser, with axe-core, are `ops/webtest`.)

use chrono::NaiveDate;
use dms_service::{officials, Actor, Services};
use dms_tests::app::{spawn_app, TestApp};
use dms_tests::db;
use dms_tests::fixtures::people;
use dms_tests::web_client::{attr, code, current_step, Browser, Official};
use reqwest::header::{LOCATION, SET_COOKIE};

async fn enrolled(app: &TestApp, edrpou: &str, login: &str) -> Official {
    let pool = dms_db::pool::connect(&app.database_url, 2).unwrap();
    let services = Services::new(pool, dms_crypto::KeyRing::empty()).unwrap();
    let (o, password, secret) =
        officials::add_enrolled(&services, &Actor::operator(), edrpou, login, "Тест Олена")
            .await
            .unwrap();
    Official {
        login: o.login,
        password,
        secret,
    }
}

#[tokio::test]
async fn sign_in_needs_the_password_and_a_current_code_and_each_code_works_once() {
    let app = spawn_app().await;
    let o = enrolled(&app, app.body.edrpou.as_str(), "khm.one").await;
    let step = current_step();
    let mut b = Browser::new(&app.web_url);
    assert_eq!(b.sign_in(&o, &code(&o.secret, step + 5)).await, 401);
    assert!(!b.has_session());
    let wrong = Official {
        login: o.login.clone(),
        password: format!("{}x", o.password),
        secret: o.secret.clone(),
    };
    assert_eq!(b.sign_in(&wrong, &code(&o.secret, step)).await, 401);
    assert!(!b.has_session());
    assert_eq!(b.sign_in(&o, &code(&o.secret, step)).await, 303);
    assert!(b.has_session());
    let (status, _, page) = b.get("/").await;
    assert_eq!(status, 200);
    assert!(page.contains("Тест Олена"), "{page}");
    // The same code again, from another browser: refused (a code is accepted once).
    let mut other = Browser::new(&app.web_url);
    assert_eq!(other.sign_in(&o, &code(&o.secret, step)).await, 401);
    assert!(!other.has_session());
    let audited = db::count(
        &app.database_url,
        "audit_log WHERE event = 'web.sign_in' AND channel = 'web'",
    )
    .await;
    assert_eq!(audited, 1);
}

#[tokio::test]
async fn five_failures_in_a_row_lock_the_official_even_against_the_right_code() {
    let app = spawn_app().await;
    let o = enrolled(&app, app.body.edrpou.as_str(), "khm.lock").await;
    let mut b = Browser::new(&app.web_url);
    for _ in 0..5 {
        assert_eq!(b.sign_in(&o, "000000").await, 401);
    }
    assert_eq!(b.sign_in(&o, &code(&o.secret, current_step())).await, 401);
    assert!(!b.has_session());
    let (_, _, page) = b.get("/sign-in").await;
    assert!(!page.contains("заблоковано"), "a fresh page shows no lock");
    let locked = db::count(
        &app.database_url,
        "officials WHERE login = 'khm.lock' AND locked_until > now()",
    )
    .await;
    assert_eq!(locked, 1);
}

fn action_form<'a>(
    csrf: &'a str,
    token: &'a str,
    unzr: &'a str,
    step: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("form_token", token),
        ("step", step),
        ("unzr", unzr),
        ("surname", "Коваленко"),
        ("given_name", "Андрій"),
        ("birth_date", "1985-07-01"),
        ("doc_type", "id_card"),
        ("doc_number", "004512876"),
        ("katottg", dms_tests::fixtures::bodies::KHMELNYTSKYI_CITY),
        ("building", "44"),
        ("action_date", "2026-11-20"),
    ]
}

async fn signed_in(app: &TestApp, edrpou: &str, login: &str) -> Browser {
    let o = enrolled(app, edrpou, login).await;
    let mut b = Browser::new(&app.web_url);
    assert_eq!(b.sign_in(&o, &code(&o.secret, current_step())).await, 303);
    b
}

#[tokio::test]
async fn forms_need_the_session_csrf_token_and_a_resubmitted_form_stores_one_action() {
    let app = spawn_app().await;
    let mut b = signed_in(&app, app.body.edrpou.as_str(), "khm.forms").await;
    let (_, _, page) = b.get("/actions/new/registration_of_residence").await;
    let csrf = attr(&page, "name=\"csrf\" value=\"").to_owned();
    let token = attr(&page, "name=\"form_token\" value=\"").to_owned();
    let unzr = people::unzr(NaiveDate::from_ymd_opt(1985, 7, 1).unwrap(), 1);
    let path = "/actions/new/registration_of_residence";
    let actions = || db::count(&app.database_url, "registration_actions");
    // Without the token, and with another session's: refused, nothing stored.
    let (status, _, _) = b
        .post(path, &action_form("", &token, &unzr, "submit"))
        .await;
    assert_eq!(status, 403);
    let (status, _, _) = b
        .post(
            path,
            &action_form(
                "forged-token-forged-token-forged-00",
                &token,
                &unzr,
                "submit",
            ),
        )
        .await;
    assert_eq!(status, 403);
    assert_eq!(actions().await, 0);
    // A wrong check digit: the message on the form, nothing stored.
    let bad = format!("{}{}", &unzr[..13], (unzr.as_bytes()[13] - b'0' + 1) % 10);
    let (status, _, page) = b
        .post(path, &action_form(&csrf, &token, &bad, "submit"))
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("id=\"unzr-error\""), "{page}");
    assert!(
        page.contains("href=\"#unzr\""),
        "the summary links to the field"
    );
    assert_eq!(actions().await, 0);
    // Submitted, then the same form again (a double click, a reload): one action, one receipt.
    let (status, headers, _) = b
        .post(path, &action_form(&csrf, &token, &unzr, "submit"))
        .await;
    assert_eq!(status, 303);
    let first = headers.get(LOCATION).unwrap().to_str().unwrap().to_owned();
    let (status, headers, _) = b
        .post(path, &action_form(&csrf, &token, &unzr, "submit"))
        .await;
    assert_eq!(status, 303);
    assert_eq!(headers.get(LOCATION).unwrap().to_str().unwrap(), first);
    assert_eq!(actions().await, 1);
    let web = db::count(
        &app.database_url,
        "registration_actions WHERE channel = 'web' AND transport_user_id = 'khm.forms'",
    )
    .await;
    assert_eq!(web, 1);
    let (status, _, page) = b.get(&first).await;
    assert_eq!(status, 200);
    assert!(page.contains("id=\"dms-number\""), "{page}");
}

#[tokio::test]
async fn an_idle_session_goes_back_to_sign_in_and_stays_ended() {
    let app = spawn_app().await;
    let mut b = signed_in(&app, app.body.edrpou.as_str(), "khm.idle").await;
    assert_eq!(b.get("/").await.0, 200);
    let mut conn = db::connect(&app.database_url).await;
    diesel_async::RunQueryDsl::execute(
        diesel::sql_query("UPDATE web_sessions SET last_seen_at = now() - interval '2 hours'"),
        &mut conn,
    )
    .await
    .unwrap();
    let (status, headers, _) = b.get("/actions").await;
    assert_eq!(status, 303);
    let to = headers.get(LOCATION).unwrap().to_str().unwrap();
    assert!(to.starts_with("/sign-in?expired=1"), "{to}");
    // The session ended: a fresh last_seen_at does not revive it.
    diesel_async::RunQueryDsl::execute(
        diesel::sql_query("UPDATE web_sessions SET last_seen_at = now()"),
        &mut conn,
    )
    .await
    .unwrap();
    assert_eq!(b.get("/").await.0, 303);
}

#[tokio::test]
async fn another_communitys_official_sees_nothing_of_ours() {
    let app = spawn_app().await;
    let mut ours = signed_in(&app, app.body.edrpou.as_str(), "khm.ours").await;
    let (_, _, page) = ours.get("/actions/new/registration_of_residence").await;
    let csrf = attr(&page, "name=\"csrf\" value=\"").to_owned();
    let token = attr(&page, "name=\"form_token\" value=\"").to_owned();
    let unzr = people::unzr(NaiveDate::from_ymd_opt(1985, 7, 1).unwrap(), 2);
    let (_, headers, _) = ours
        .post(
            "/actions/new/registration_of_residence",
            &action_form(&csrf, &token, &unzr, "submit"),
        )
        .await;
    let action = headers
        .get(LOCATION)
        .unwrap()
        .to_str()
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let (_, _, residents) = ours.get("/residents").await;
    let person = attr(&residents, "href=\"/residents/").to_owned();
    let mut theirs = signed_in(&app, app.lviv.edrpou.as_str(), "lviv.theirs").await;
    for path in [
        action.clone(),
        format!("{action}/receipt"),
        format!("{action}/cancel"),
        format!("/residents/{person}"),
        format!("/residents/{person}/extract"),
    ] {
        assert_eq!(theirs.get(&path).await.0, 404, "{path}");
    }
    let (_, _, list) = theirs.get("/residents").await;
    assert!(!list.contains("Коваленко"), "{list}");
    let (_, _, list) = theirs.get("/actions").await;
    assert!(!list.contains("Коваленко"), "{list}");
}

#[tokio::test]
async fn pages_carry_the_security_headers_and_the_cookies_are_strict() {
    let app = spawn_app().await;
    let mut b = Browser::new(&app.web_url);
    let (status, headers, page) = b.get("/sign-in").await;
    assert_eq!(status, 200);
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(headers["x-frame-options"], "DENY");
    assert_eq!(headers["referrer-policy"], "no-referrer");
    assert!(
        !page.contains("<script>") && !page.contains(" style=\""),
        "no inline script or style"
    );
    for c in headers.get_all(SET_COOKIE) {
        let c = c.to_str().unwrap();
        assert!(
            c.contains("HttpOnly") && c.contains("SameSite=Strict") && c.contains("Path=/"),
            "{c}"
        );
    }
    let (status, headers, _) = b.get("/actions").await;
    assert_eq!(status, 303, "no session: to sign-in");
    assert!(headers[LOCATION].to_str().unwrap().starts_with("/sign-in"));
}

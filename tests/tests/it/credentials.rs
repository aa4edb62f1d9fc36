//! Credentials of registration bodies and staff by id: listed without their secrets, revoked by
//! id (unknown or already revoked is 404), audited; a revoked value is never made live again.

use dms_tests::process::api::cli;
use dms_tests::{person_action, spawn_app, TestApp, KHMELNYTSKYI_EDRPOU};
use reqwest::Method;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

const CREDS: &str = "/admin/v1/registration-bodies/04060772/credentials";

async fn listing(app: &TestApp, supervisor: &str) -> Vec<Value> {
    let (status, listed) = app
        .admin(Some(supervisor))
        .call(Method::GET, CREDS, None)
        .await;
    assert_eq!(status, 200, "{listed}");
    listed.as_array().unwrap().clone()
}

async fn revoke(app: &TestApp, who: &str, id: &str) -> (u16, Value) {
    app.admin(Some(who))
        .call(
            Method::POST,
            &format!("/admin/v1/credentials/{id}/revoke"),
            None,
        )
        .await
}

async fn submits(app: &TestApp, token: &str, n: u32) -> u16 {
    let doc = person_action("declaration_of_residence", n);
    app.submit_bytes(token, serde_json::to_vec(&doc).unwrap())
        .await
        .status()
        .as_u16()
}

#[tokio::test]
async fn a_credential_is_listed_without_its_secret_and_revoked_by_its_id_once() {
    assert_eq!(
        CREDS,
        format!("/admin/v1/registration-bodies/{KHMELNYTSKYI_EDRPOU}/credentials")
    );
    let app = spawn_app().await;
    let (_, supervisor) = app.staff("supervisor", "ДМС України", None).await;
    let (_, officer) = app
        .staff("officer", "ГУ ДМС", Some("UA68000000000099709"))
        .await;
    let (status, issued) = app
        .admin(Some(&supervisor))
        .call(
            Method::POST,
            &format!("/admin/v1/registration-bodies/{KHMELNYTSKYI_EDRPOU}/tokens"),
            None,
        )
        .await;
    assert_eq!(status, 201);
    let id = issued["id"].as_str().unwrap().to_owned();
    let token = issued["token"].as_str().unwrap().to_owned();
    assert_eq!(submits(&app, &token, 1).await, 201);

    // The listing names the token by id and a hash prefix, never by its value.
    let listed = listing(&app, &supervisor).await;
    let text = serde_json::to_string(&listed).unwrap();
    assert!(!text.contains(&token), "a token's value is never listed");
    assert!(
        !text.contains(&app.token),
        "a token's value is never listed"
    );
    let full_hash = hex::encode(Sha256::digest(token.as_bytes()));
    assert!(!text.contains(&full_hash), "not even its whole hash");
    let mine = listed
        .iter()
        .find(|c| c["id"] == id.as_str())
        .expect("listed by id");
    assert_eq!(mine["kind"], "token");
    assert_eq!(mine["value"], format!("sha256:{}", &full_hash[..12]));
    assert_eq!(mine["label"], "admin");
    assert!(mine["revoked_at"].is_null());
    let client = listed
        .iter()
        .find(|c| c["kind"] == "trembita")
        .expect("the body's Трембіта client");
    assert_eq!(client["value"], dms_tests::KHMELNYTSKYI_CLIENT);
    assert!(listed.iter().all(|c| c["created_at"].is_string()));

    // Only supervisors revoke; an officer changes nothing.
    assert_eq!(revoke(&app, &officer, &id).await.0, 403);
    assert_eq!(submits(&app, &token, 2).await, 201);

    assert_eq!(revoke(&app, &supervisor, &id).await.0, 204);
    assert_eq!(submits(&app, &token, 3).await, 401, "revoked at once");
    assert_eq!(
        submits(&app, &app.token, 4).await,
        201,
        "the body's other token works"
    );
    let listed = listing(&app, &supervisor).await;
    let mine = listed.iter().find(|c| c["id"] == id.as_str()).unwrap();
    assert!(mine["revoked_at"].is_string(), "{mine}");

    // Already revoked, unknown, or not an id at all: 404 problem+json, nothing written.
    let before = app
        .count("audit_log WHERE event = 'registration_body.credential-revoke'")
        .await;
    assert_eq!(before, 1, "the revocation is audited once");
    for unknown in [
        id.as_str(),
        "019aab3c-0000-7000-8000-000000000000",
        "not-a-uuid",
    ] {
        let (status, problem) = revoke(&app, &supervisor, unknown).await;
        assert_eq!(status, 404, "{unknown}: {problem}");
        assert_eq!(problem["code"], "not_found");
    }
    assert_eq!(
        app.count("audit_log WHERE event = 'registration_body.credential-revoke'")
            .await,
        1
    );
    assert!(
        app.count("audit_log WHERE event = 'registration_body.credentials'")
            .await
            >= 2
    );
}

#[tokio::test]
async fn a_revoked_credential_is_not_added_again() {
    let app = spawn_app().await;
    let (_, supervisor) = app.staff("supervisor", "ДМС України", None).await;
    let admin = app.admin(Some(&supervisor));
    let clients = format!("/admin/v1/registration-bodies/{KHMELNYTSKYI_EDRPOU}/trembita-clients");
    let client = json!({"value": "SEVDEIR-TEST/GOV/04060772/Second"});
    assert_eq!(
        admin
            .call(Method::POST, &clients, Some(client.clone()))
            .await
            .0,
        204
    );
    // Adding a live one again changes nothing and is no error.
    assert_eq!(
        admin
            .call(Method::POST, &clients, Some(client.clone()))
            .await
            .0,
        204
    );
    let revoke = format!("{clients}-revoke");
    assert_eq!(
        admin
            .call(Method::POST, &revoke, Some(client.clone()))
            .await
            .0,
        204
    );
    let (status, problem) = admin
        .call(Method::POST, &clients, Some(client.clone()))
        .await;
    assert_eq!(status, 409, "{problem}");
    assert_eq!(problem["code"], "credential_revoked");
    let listed = listing(&app, &supervisor).await;
    let second: Vec<&Value> = listed
        .iter()
        .filter(|c| c["value"] == "SEVDEIR-TEST/GOV/04060772/Second")
        .collect();
    assert_eq!(second.len(), 1);
    assert!(second[0]["revoked_at"].is_string(), "it stays revoked");

    // The same through the command line: a revoked token given again is refused.
    let out = cli(&app.database_url)
        .args(["token-revoke"])
        .env("DMS_TOKEN", &app.token)
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(submits(&app, &app.token, 1).await, 401);
    let out = cli(&app.database_url)
        .args(["token-issue", "--edrpou", KHMELNYTSKYI_EDRPOU])
        .env("DMS_TOKEN", &app.token)
        .output()
        .await
        .unwrap();
    assert!(!out.status.success(), "a revoked token is not issued again");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("revoked"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(submits(&app, &app.token, 2).await, 401, "it stays revoked");
}

#[tokio::test]
async fn the_command_line_revokes_body_credentials_and_staff_tokens_by_id() {
    let app = spawn_app().await;
    let run = |args: Vec<String>| {
        let url = app.database_url.clone();
        async move {
            let out = cli(&url).args(&args).output().await.unwrap();
            (
                out.status.success(),
                String::from_utf8_lossy(&out.stdout).into_owned(),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            )
        }
    };
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();

    // A body's token: its id is on stderr when issued, and in the listing.
    let (ok, token, err) = run(s(&["token-issue", "--edrpou", KHMELNYTSKYI_EDRPOU])).await;
    assert!(ok, "{err}");
    let token = token.trim().to_owned();
    let id = err
        .lines()
        .find_map(|l| l.strip_prefix("credential id "))
        .expect("the credential's id")
        .trim()
        .to_owned();
    let (ok, listed, err) = run(s(&["credentials", "--edrpou", KHMELNYTSKYI_EDRPOU])).await;
    assert!(ok, "{err}");
    assert!(listed.lines().any(|l| l.starts_with(&id)), "{listed}");
    assert!(!listed.contains(&token), "{listed}");
    assert_eq!(submits(&app, &token, 1).await, 201);
    let (ok, _, err) = run(s(&["credential-revoke", "--id", &id])).await;
    assert!(ok, "{err}");
    assert_eq!(submits(&app, &token, 2).await, 401);
    let (ok, _, err) = run(s(&["credential-revoke", "--id", &id])).await;
    assert!(!ok, "revoking twice is an error");
    assert!(err.contains("no live credential"), "{err}");

    // A staff member's token, by id; the member and their other tokens stay.
    let (staff_id, first) = app.staff("supervisor", "ДМС України", None).await;
    let (ok, second, err) = run(s(&["staff", "token", "--id", &staff_id.to_string()])).await;
    assert!(ok, "{err}");
    let second = second.trim().to_owned();
    let token_id = err
        .lines()
        .find_map(|l| l.strip_prefix("token id "))
        .expect("the token's id")
        .trim()
        .to_owned();
    assert_eq!(listing_status(&app, &second).await, 200);
    let (ok, _, err) = run(s(&["staff", "token-revoke", "--id", &token_id])).await;
    assert!(ok, "{err}");
    assert_eq!(listing_status(&app, &second).await, 401);
    assert_eq!(
        listing_status(&app, &first).await,
        200,
        "the other token stays"
    );
    let (ok, _, _) = run(s(&["staff", "token-revoke", "--id", &token_id])).await;
    assert!(!ok, "revoking twice is an error");
    assert_eq!(
        app.count("audit_log WHERE event IN ('registration_body.credential-revoke', 'staff.token-revoke')")
            .await,
        2
    );
}

async fn listing_status(app: &TestApp, staff_token: &str) -> u16 {
    app.admin(Some(staff_token))
        .call(Method::GET, CREDS, None)
        .await
        .0
}

fn kids(jwks: &Value) -> Vec<String> {
    let mut kids: Vec<String> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_owned())
        .collect();
    kids.sort();
    kids
}

#[tokio::test]
async fn a_key_added_while_the_service_runs_is_published_and_the_named_key_keeps_signing() {
    let app = spawn_app().await;
    let first = kids(&app.listener().jwks().await);
    assert_eq!(first.len(), 1);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let added = dms_api::keys::KeyRing::generate(&app.keys_dir).unwrap();
    // Within a few seconds of its creation, without a restart.
    let deadline = std::time::Instant::now() + dms_api::published::REREAD_AFTER * 3;
    let jwks = loop {
        let jwks = app.listener().jwks().await;
        if kids(&jwks).len() == 2 || std::time::Instant::now() > deadline {
            break jwks;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    let mut both = vec![first[0].clone(), added.clone()];
    both.sort();
    assert_eq!(kids(&jwks), both, "the added key is published");
    // The signing key is still the one the service started with, and its receipts verify.
    let answer: Value = app
        .submit_ok(&person_action("declaration_of_residence", 1))
        .await;
    let (header, _) = crate::support::verify_receipt(answer["receipt"].as_str().unwrap(), &jwks);
    assert_eq!(header["kid"], first[0]);
}

#[tokio::test]
async fn the_service_refuses_to_guess_among_several_private_keys() {
    let dir = std::env::temp_dir().join(format!("dms-kids-{}", uuid::Uuid::now_v7().simple()));
    let first = dms_api::keys::KeyRing::generate(&dir).unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    dms_api::keys::KeyRing::generate(&dir).unwrap();
    let settings = dms_api::Settings {
        listen: "127.0.0.1:0".into(),
        keys_dir: dir.clone(),
        ..dms_api::Settings::new(dms_tests::db::runtime_url(
            &dms_tests::db::fresh_database().await,
        ))
    };
    let err = dms_api::start(&settings).await.err().expect("refused");
    let text = format!("{err:#}");
    assert!(text.contains("DMS_SIGNING_KID"), "{text}");
    // Named, it starts and signs with that key.
    let app = dms_tests::spawn_app_with(dms_tests::AppOptions {
        keys_dir: Some(dir),
        signing_kid: Some(first.clone()),
        ..Default::default()
    })
    .await;
    let answer: Value = app
        .submit_ok(&person_action("declaration_of_residence", 1))
        .await;
    let jwks = app.listener().jwks().await;
    let (header, _) = crate::support::verify_receipt(answer["receipt"].as_str().unwrap(), &jwks);
    assert_eq!(header["kid"], first);
}

#[tokio::test]
async fn an_expired_credential_authenticates_no_one_and_an_expiry_in_the_past_is_refused() {
    use chrono::{Duration, Utc};
    use dms_tests::fixtures::store;
    let app = dms_tests::spawn_app().await;
    let mut conn = app.db().await;
    let expired = "dms_expired_0123456789abcdefghij";
    let current = "dms_current_0123456789abcdefghij";
    store::add_token_until(
        &mut conn,
        &app.body,
        expired,
        Utc::now() - Duration::seconds(1),
    )
    .await;
    store::add_token_until(
        &mut conn,
        &app.body,
        current,
        Utc::now() + Duration::hours(1),
    )
    .await;
    let (status, _) = app
        .community(expired)
        .call(reqwest::Method::GET, "/v1/notifications", None)
        .await;
    assert_eq!(status, 401, "an expired token is unknown");
    let (status, _) = app
        .community(current)
        .call(reqwest::Method::GET, "/v1/notifications", None)
        .await;
    assert_eq!(status, 200, "a token before its expiry works");
    assert!(
        app.count("audit_log WHERE event = 'auth.unknown_client'")
            .await
            >= 1
    );

    // A staff token past its expiry is unknown as well.
    let (staff_id, _) = app.staff("supervisor", "ДМС України", None).await;
    let staff_token = "staff-expired-0123456789abcdef";
    dms_db::staff::add_token(
        &mut conn,
        staff_id,
        &dms_service::bodies::token_lookup(staff_token),
        Some(Utc::now() - Duration::seconds(1)),
    )
    .await
    .unwrap();
    let (status, _) = app
        .admin(Some(staff_token))
        .call(
            reqwest::Method::GET,
            "/admin/v1/verification-requests",
            None,
        )
        .await;
    assert_eq!(status, 401);

    // Issuing with an expiry that has already passed is refused; nothing is stored.
    let before = app.count("credentials").await;
    let services = dms_service::Services::new(
        dms_db::connect(&app.database_url, 1).unwrap(),
        dms_crypto::KeyRing::empty(),
    )
    .unwrap();
    let refused = dms_service::bodies::issue_token_until(
        &services,
        &dms_service::Actor::operator(),
        &app.body,
        None,
        "late",
        Some(Utc::now() - Duration::minutes(1)),
    )
    .await;
    assert!(refused.is_err());
    assert_eq!(app.count("credentials").await, before);
}

//! Authenticated peers over real TLS: the Трембіта listener requires the security server's client
//! certificate and refuses conflicting client headers; plain HTTP for it only when asked for and
//! on loopback; the direct channel in mtls mode finds the body by its registered certificate;
//! the feeder delivers to an HTTPS ЄДДР double of a private CA over mutual TLS and refuses one it
//! does not trust.

use crate::support::verify_receipt;
use dms_tests::app::TestPki;
use dms_tests::client::{Listener, ACTIONS};
use dms_tests::doubles::eddr::Eddr;
use dms_tests::fixtures::actions::action_with_unzr;
use dms_tests::process::api::register_entry;
use dms_tests::process::feeder::temp_outbox;
use dms_tests::{person_action, spawn_app, spawn_app_with, AppOptions, KHMELNYTSKYI_CLIENT};
use reqwest::Method;
use serde_json::{json, Value};

#[tokio::test]
async fn the_trembita_listener_requires_the_security_servers_client_certificate() {
    let app = spawn_app().await;
    let doc = person_action("declaration_of_residence", 1);
    let send = |http: reqwest::Client, doc: Value| {
        let url = app.trembita_url.clone();
        async move {
            Listener::new(http, url)
                .request(Method::POST, ACTIONS)
                .header("Uxp-Client", KHMELNYTSKYI_CLIENT)
                .json(&doc)
                .send()
                .await
        }
    };
    // No client certificate: the handshake fails, nothing is read.
    let res = send(app.pki.client(None), doc.clone()).await;
    assert!(res.is_err(), "{res:?}");
    // A client certificate from another CA.
    let other = dms_api::tls::demo::Ca::new("not the security server's CA").unwrap();
    app.pki
        .write_identity("stranger", &other.client("stranger").unwrap());
    let res = send(app.pki.client(Some("stranger")), doc.clone()).await;
    assert!(res.is_err(), "{res:?}");
    // Plain HTTP to the TLS listener gets no answer.
    let plain = app.trembita_url.replace("https://", "http://");
    let res = Listener::new(app.http.clone(), plain)
        .request(Method::POST, ACTIONS)
        .header("Uxp-Client", KHMELNYTSKYI_CLIENT)
        .json(&doc)
        .send()
        .await;
    assert!(res.is_err() || !res.unwrap().status().is_success());
    assert_eq!(app.count("registration_actions").await, 0);
    // The security server's certificate.
    let res = send(app.trembita_http.clone(), doc).await.unwrap();
    assert_eq!(res.status(), 201);
}

#[tokio::test]
async fn conflicting_client_headers_are_refused_and_audited() {
    let app = spawn_app().await;
    let other = "SEVDEIR-TEST/GOV/26346009/LvivRTG";
    let cases: [&[(&str, &str)]; 3] = [
        &[("Uxp-Client", KHMELNYTSKYI_CLIENT), ("Uxp-Client", other)],
        &[
            ("Uxp-Client", KHMELNYTSKYI_CLIENT),
            ("Uxp-Client", KHMELNYTSKYI_CLIENT),
        ],
        &[
            ("Uxp-Client", KHMELNYTSKYI_CLIENT),
            ("X-Road-Client", other),
        ],
    ];
    for (i, headers) in cases.iter().enumerate() {
        let mut req = app.trembita().request(Method::POST, ACTIONS);
        for (name, value) in *headers {
            req = req.header(*name, *value);
        }
        let res = req
            .json(&person_action("declaration_of_residence", i as u32 + 1))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401, "{headers:?}");
        let p: Value = res.json().await.unwrap();
        assert_eq!(p["code"], "unauthenticated");
    }
    assert_eq!(app.count("registration_actions").await, 0);
    // Audited; the repeats from the same source within a minute are counted, not written.
    let rows = app
        .count("audit_log WHERE event = 'auth.conflicting_client' AND channel = 'trembita'")
        .await;
    assert!((1..=2).contains(&rows), "{rows}");
    // Both headers naming the same client is no conflict.
    let res = app
        .trembita()
        .request(Method::POST, ACTIONS)
        .header("Uxp-Client", KHMELNYTSKYI_CLIENT)
        .header("X-Road-Client", KHMELNYTSKYI_CLIENT)
        .json(&person_action("declaration_of_residence", 9))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
}

#[tokio::test]
async fn plain_http_for_trembita_only_when_asked_for_and_on_loopback() {
    let database_url = dms_tests::fresh_database().await;
    let base = || dms_api::Settings {
        listen: "127.0.0.1:0".into(),
        trembita_listen: Some("127.0.0.1:0".into()),
        ..dms_api::Settings::new(database_url.clone())
    };
    let refused = |settings: dms_api::Settings| async move {
        match dms_api::start(&settings).await {
            Ok(_) => panic!("started with {:?}", settings.tls),
            Err(e) => format!("{e:#}"),
        }
    };
    let err = refused(base()).await;
    assert!(err.contains("api.trembita_tls_cert"), "{err}");
    let mut elsewhere = base();
    elsewhere.trembita_listen = Some("0.0.0.0:0".into());
    elsewhere.tls.trembita_insecure_http = true;
    let err = refused(elsewhere).await;
    assert!(err.contains("loopback"), "{err}");
    let pki = TestPki::new();
    let mut no_client_auth = base();
    no_client_auth.tls.trembita = pki.listener(false);
    let err = refused(no_client_auth).await;
    assert!(err.contains("client certificate"), "{err}");
    // Asked for, on loopback: it starts.
    let mut dev = base();
    dev.tls.trembita_insecure_http = true;
    let running = dms_api::start(&dev).await.unwrap();
    for server in running.servers {
        tokio::spawn(server);
    }
    for h in running.handles {
        h.stop(false).await;
    }
}

#[tokio::test]
async fn the_mtls_direct_channel_finds_the_body_by_its_registered_certificate() {
    let app = spawn_app_with(AppOptions {
        mtls: true,
        ..AppOptions::default()
    })
    .await;
    let register = app.pki.ca.client("Khmelnytskyi register").unwrap();
    app.pki.write_identity("register", &register);
    let unregistered = app.pki.ca.client("someone else").unwrap();
    app.pki.write_identity("unregistered", &unregistered);
    let (_, supervisor) = app.staff("supervisor", "ДМС", None).await;
    let admin = app.admin(Some(&supervisor));
    let path = format!(
        "/admin/v1/registration-bodies/{}/client-certificates",
        app.body.edrpou
    );
    let (status, p) = admin
        .call(
            Method::POST,
            &path,
            Some(json!({"value": "not-a-fingerprint"})),
        )
        .await;
    assert_eq!(
        (status, p["code"].as_str()),
        (422, Some("validation_failed"))
    );
    let colons = register
        .fingerprint
        .to_uppercase()
        .as_bytes()
        .chunks(2)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(":");
    let (status, _) = admin
        .call(Method::POST, &path, Some(json!({"value": colons})))
        .await;
    assert_eq!(status, 204);

    let submit = |identity: &'static str, n: u32| {
        let http = app.pki.client(Some(identity));
        let url = app.url.clone();
        async move {
            Listener::new(http, url)
                .request(Method::POST, ACTIONS)
                .json(&person_action("declaration_of_residence", n))
                .send()
                .await
                .unwrap()
        }
    };
    let res = submit("register", 1).await;
    assert_eq!(res.status(), 201);
    let body: Value = res.json().await.unwrap();
    let http = app.pki.client(Some("register"));
    let jwks = Listener::new(http, app.url.clone()).jwks().await;
    let (_, claims) = verify_receipt(body["receipt"].as_str().unwrap(), &jwks);
    assert_eq!(claims["transport"]["channel"], "mtls");
    assert_eq!(
        app.count(&format!(
            "registration_actions WHERE channel = 'mtls' AND registration_body_id = '{}'",
            app.body.id
        ))
        .await,
        1
    );
    // A certificate of the same CA that no body registered, and a bearer token: refused.
    assert_eq!(submit("unregistered", 2).await.status(), 401);
    let res = Listener::new(app.pki.client(Some("unregistered")), app.url.clone())
        .request(Method::POST, ACTIONS)
        .bearer_auth(&app.token)
        .json(&person_action("declaration_of_residence", 3))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    // No certificate at all: no connection.
    let res = app
        .pki
        .client(None)
        .get(format!("{}/healthz", app.url))
        .send()
        .await;
    assert!(res.is_err(), "{res:?}");
    // Revoked: refused from then on.
    let (status, _) = admin
        .call(
            Method::POST,
            &format!("{path}-revoke"),
            Some(json!({"value": register.fingerprint})),
        )
        .await;
    assert_eq!(status, 204);
    assert_eq!(submit("register", 4).await.status(), 401);
    assert_eq!(
        app.count("audit_log WHERE event LIKE 'registration_body.client-certificates%'")
            .await,
        2
    );
}

#[tokio::test]
async fn the_feeder_delivers_over_mutual_tls_to_a_private_ca_and_refuses_an_unknown_one() {
    let app = spawn_app().await;
    let (doc, unzr) = action_with_unzr(1);
    register_entry(&app.database_url, &unzr).await;
    let id = app.submit_ok(&doc).await["action_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let eddr_pki = TestPki::new();
    eddr_pki.write_identity("feeder", &eddr_pki.ca.client("dms-feeder").unwrap());
    let path = |name: &str| eddr_pki.dir.join(name).display().to_string();
    let (ca, cert, key) = (path("ca.crt"), path("feeder.crt"), path("feeder.key"));
    let tls = [
        ("DMS_EDDR_CA", ca.as_str()),
        ("DMS_EDDR_CLIENT_CERT", cert.as_str()),
        ("DMS_EDDR_CLIENT_KEY", key.as_str()),
    ];
    let delivered =
        "datasets WHERE state IN ('delivered', 'acknowledged') OR delivered_at IS NOT NULL";
    let dir = temp_outbox();

    // A server whose certificate is from a CA the feeder does not trust.
    let stranger = TestPki::new();
    let unknown = Eddr::start_tls(stranger.listener(false)).await;
    let feeder = app.feeder(&dir).eddr(&unknown.url);
    let _ = feeder.run_once(&tls).await;
    assert!(unknown.state.lock().unwrap().datasets.is_empty());
    assert_eq!(app.count(delivered).await, 0);

    // The right server, which requires the feeder's client certificate: none presented.
    let eddr = Eddr::start_tls(eddr_pki.listener(true)).await;
    let feeder = app.feeder(&dir).eddr(&eddr.url);
    let _ = feeder.run_once(&tls[..1]).await;
    assert!(eddr.state.lock().unwrap().datasets.is_empty());
    assert_eq!(app.count(delivered).await, 0);

    // With it.
    let out = feeder
        .run_once(&[tls.as_slice(), &[("DMS_FEEDER_BACKOFF_SECS", "0")]].concat())
        .await;
    assert!(out.success(), "{}", out.describe());
    let counts = eddr.accepted_counts();
    assert_eq!(counts.get(&id), Some(&1), "{counts:?}");
    assert!(app.count(delivered).await >= 1);
    unknown.stop().await;
    eddr.stop().await;
}

//! The real `dms-api` binary as a process: its JSON logs carry request ids and routes, never
//! names, identifiers or document numbers, whatever is submitted.

use dms_tests::{fresh_database, person_action};
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::Duration;

fn binary() -> std::path::PathBuf {
    // target/debug/deps/it-… → target/debug/dms-api (built by ops/test before the tests run).
    let exe = std::env::current_exe().unwrap();
    exe.parent().unwrap().parent().unwrap().join("dms-api")
}

#[tokio::test]
async fn logs_never_carry_personal_data() {
    let db = fresh_database().await;
    let keys = std::env::temp_dir().join(format!("dms-log-keys-{}", uuid::Uuid::now_v7().simple()));
    dms_api::keys::KeyRing::generate(&keys).unwrap();
    let token = "log-test-token-0123456789";
    {
        let pool = dms_db::connect(&db, 1).unwrap();
        let mut conn = dms_db::pool::get(&pool).await.unwrap();
        let body = dms_db::bodies::ensure_body(
            &mut conn,
            "04060772",
            "Хмельницька",
            dms_tests::KHMELNYTSKYI_HROMADA,
        )
        .await
        .unwrap();
        dms_db::bodies::add_credential(
            &mut conn,
            body.id,
            dms_db::bodies::CredentialKind::Token,
            &dms_service::bodies::token_lookup(token),
            "",
        )
        .await
        .unwrap();
    }
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut child = Command::new(binary())
        .arg("serve")
        .env("DATABASE_URL", &db)
        .env("DMS_API_LISTEN", format!("127.0.0.1:{port}"))
        .env("DMS_KEYS_DIR", &keys)
        .env("RUST_LOG", "debug")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run target/debug/dms-api (ops/test builds it)");
    let url = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    for _ in 0..100 {
        if http
            .get(format!("{url}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status() == 200)
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let post = |body: Vec<u8>| {
        http.post(format!("{url}/v1/registration-actions"))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let good = person_action("registration_of_residence", 1);
    assert_eq!(
        post(serde_json::to_vec(&good).unwrap())
            .await
            .unwrap()
            .status(),
        201
    );
    let mut bad = person_action("registration_of_residence", 2);
    bad["person"]["unzr"] = "19900315-12345".into();
    bad["person"]["surname"] = "Smith-Шевченко".into();
    assert_eq!(
        post(serde_json::to_vec(&bad).unwrap())
            .await
            .unwrap()
            .status(),
        422
    );
    let truncated = serde_json::to_vec(&good).unwrap()[..200].to_vec();
    assert_eq!(post(truncated).await.unwrap().status(), 400);

    // SIGTERM: a graceful stop.
    Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    let mut logs = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut logs)
        .unwrap();
    let status = child.wait().unwrap();
    assert!(
        status.success() || status.code().is_none(),
        "stopped cleanly: {status:?}"
    );

    assert!(
        logs.contains("\"http.route\":\"/v1/registration-actions\""),
        "{logs}"
    );
    assert!(logs.contains("request.id"), "{logs}");
    for line in logs.lines() {
        assert!(
            serde_json::from_str::<serde_json::Value>(line).is_ok(),
            "not a JSON log line: {line}"
        );
    }
    for pd in [
        "Шевченко",
        "Олена",
        "Петрівна",
        "Smith",
        "19900315",
        "3294631454",
        "004512876",
        "Проскурівська",
        token,
    ] {
        assert!(
            !logs.contains(pd),
            "the logs contain personal data or a secret ({pd})"
        );
    }
}

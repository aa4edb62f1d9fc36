//! Health, readiness, metrics, and the committed OpenAPI document.

use dms_tests::process::run::binary;
use dms_tests::{person_action, spawn_app};
use reqwest::Method;
use serde_json::Value;

#[tokio::test]
async fn health_readiness_and_metrics() {
    let app = spawn_app().await;
    let health = app.listener().healthz().await;
    assert_eq!(health.status(), 200);
    let ready = app.listener().readyz().await;
    assert_eq!(ready.status(), 200);
    let ready: Value = ready.json().await.unwrap();
    for check in ["database", "migrations_current", "codifier", "signing_key"] {
        assert_eq!(ready["checks"][check], true, "{check}");
    }
    assert_eq!(
        app.submit(&person_action("registration_of_stay", 1))
            .await
            .status(),
        201
    );
    assert_eq!(
        app.submit_bytes(&app.token, b"{".to_vec()).await.status(),
        400
    );
    // Invented methods share one label: they cannot grow the number of series.
    for i in 0..5 {
        let method = reqwest::Method::from_bytes(format!("INVENTED{i}").as_bytes()).unwrap();
        let res = app
            .listener()
            .request(method, "/v1/registration-actions")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 405);
    }
    // Metrics are served on the operations listener only, never where bodies reach.
    for (listener, http) in [
        (&app.url, &app.http),
        (&app.trembita_url, &app.trembita_http),
        (&app.admin_url, &app.http),
    ] {
        let res = dms_tests::client::Listener::new(http.clone(), listener.as_str())
            .metrics()
            .await;
        assert_eq!(res.status(), 404, "/metrics on {listener}");
    }
    let res = app.operations().metrics().await;
    assert!(res.headers()["x-request-id"].to_str().unwrap().len() >= 16);
    let text = res.text().await.unwrap();
    assert!(
        text.contains(r#"dms_actions_stored_total{type="registration_of_stay"} 1"#),
        "{text}"
    );
    assert!(text.contains(r#"dms_http_requests_total{method="POST",route="/v1/registration-actions",status="201"} 1"#), "{text}");
    assert!(text.contains(r#"dms_http_requests_total{method="POST",route="/v1/registration-actions",status="400"} 1"#), "{text}");
    assert!(
        text.contains("dms_http_request_duration_seconds_bucket"),
        "{text}"
    );
    assert!(!text.contains("INVENTED"), "{text}");
    assert!(text.contains(r#"dms_http_requests_total{method="other",route="/v1/registration-actions",status="405"} 5"#), "{text}");
}

#[tokio::test]
async fn metrics_ask_for_their_token_when_one_is_set() {
    let app = dms_tests::spawn_app_with(dms_tests::AppOptions {
        metrics_token: Some("metrics-token-for-the-test".into()),
        ..Default::default()
    })
    .await;
    let url = format!("{}/metrics", app.ops_url);
    let none = app.http.get(&url).send().await.unwrap();
    assert_eq!(none.status(), 401);
    let wrong = app
        .http
        .get(&url)
        .bearer_auth("metrics-token-for-the-tesT")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let right = app
        .http
        .get(&url)
        .bearer_auth("metrics-token-for-the-test")
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), 200);
    assert!(right
        .text()
        .await
        .unwrap()
        .contains("dms_http_requests_total"));
}

#[tokio::test]
async fn unknown_routes_are_problem_json_404() {
    let app = spawn_app().await;
    let res = app.listener().get("/v2/nothing").await;
    assert_eq!(res.status(), 404);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
}

#[tokio::test]
async fn the_request_id_is_taken_from_the_client_when_sane() {
    let app = spawn_app().await;
    let res = app
        .listener()
        .request(Method::GET, "/healthz")
        .header("x-request-id", "abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-request-id"], "abc-123");
    let res = app
        .listener()
        .request(Method::GET, "/healthz")
        .header("x-request-id", "bad id\t")
        .send()
        .await
        .unwrap();
    assert_ne!(res.headers()["x-request-id"], "bad id\t");
}

#[test]
fn the_committed_openapi_document_is_current() {
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../api/openapi.json"))
            .expect("api/openapi.json is committed");
    let generated = dms_api::openapi::document_text();
    assert!(
        committed == generated,
        "api/openapi.json is stale: regenerate it with `cargo run -p dms-api -- openapi > api/openapi.json`"
    );
    let doc: Value = serde_json::from_str(&generated).unwrap();
    assert_eq!(doc["openapi"].as_str().map(|v| &v[..3]), Some("3.1"));
    let body = &doc["paths"]["/v1/registration-actions"]["post"]["requestBody"]["content"]
        ["application/json"];
    assert_eq!(
        body["schema"]["$ref"],
        "#/components/schemas/RegistrationAction"
    );
    assert_eq!(body["examples"].as_object().unwrap().len(), 8);
    assert!(
        !generated.contains("#/$defs/"),
        "every internal reference resolves inside the document"
    );
}

/// The reference client, as vendors get it (`dms-client`) and as it still answers under
/// `dms-api client`: the same code, so the same behaviour.
fn reference_clients() -> [(std::path::PathBuf, &'static [&'static str]); 2] {
    [
        (binary("dms-client"), &[]),
        (binary("dms-api"), &["client"]),
    ]
}

#[tokio::test]
async fn the_reference_client_submits_and_verifies_receipts_offline() {
    let app = spawn_app().await;
    for (seq, (bin, prefix)) in reference_clients().into_iter().enumerate() {
        let dir =
            std::env::temp_dir().join(format!("dms-client-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("action.json");
        let token_file = dir.join("token");
        std::fs::write(&token_file, format!("{}\n", app.token)).unwrap();
        std::fs::write(
            &file,
            serde_json::to_vec_pretty(&person_action("registration_of_stay", 1 + seq as u32))
                .unwrap(),
        )
        .unwrap();
        let command = || {
            let mut c = tokio::process::Command::new(&bin);
            c.args(prefix.iter())
                .env_remove("DMS_URL")
                .env_remove("DMS_TOKEN");
            c
        };
        let submit = || {
            command()
                .args(["submit", "--url", &app.url, "--token-file"])
                .arg(&token_file)
                .arg(&file)
                .output()
        };
        let first = submit().await.unwrap();
        assert!(
            first.status.success(),
            "{}",
            String::from_utf8_lossy(&first.stderr)
        );
        assert_eq!(String::from_utf8_lossy(&first.stderr).trim(), "HTTP 201");
        // The URL and the token from the environment; a retry gets the same answer.
        let again = command()
            .env("DMS_URL", &app.url)
            .env("DMS_TOKEN", &app.token)
            .arg("submit")
            .arg(&file)
            .output()
            .await
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&again.stderr).trim(), "HTTP 200");
        assert_eq!(again.stdout, first.stdout, "a retry gets the same answer");
        // A refused submission: status on stderr, the problem alone on stdout, exit status 1.
        // The token from standard input.
        let mut child = command()
            .args(["submit", "--url", &app.url, "--token-stdin"])
            .arg(&file)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        {
            use tokio::io::AsyncWriteExt as _;
            let mut stdin = child.stdin.take().unwrap();
            stdin.write_all(b"not-a-token-of-anyone\n").await.unwrap();
        }
        let refused = child.wait_with_output().await.unwrap();
        assert_eq!(refused.status.code(), Some(1));
        assert_eq!(String::from_utf8_lossy(&refused.stderr).trim(), "HTTP 401");
        let problem: Value = serde_json::from_slice(&refused.stdout).unwrap();
        assert_eq!(problem["code"], "unauthenticated");
        // A token among the process arguments is refused, naming the ways to give it; nothing
        // is sent.
        let before = app.count("registration_actions").await;
        let argued = command()
            .args(["submit", "--url", &app.url, "--token", &app.token])
            .arg(&file)
            .output()
            .await
            .unwrap();
        assert!(!argued.status.success());
        let err = String::from_utf8_lossy(&argued.stderr);
        assert!(
            err.contains("--token-file")
                && err.contains("--token-stdin")
                && err.contains("DMS_TOKEN"),
            "{err}"
        );
        assert!(argued.stdout.is_empty());
        assert_eq!(app.count("registration_actions").await, before);

        let answer = dir.join("answer.json");
        std::fs::write(&answer, &first.stdout).unwrap();
        let verify = |path: std::path::PathBuf| {
            command()
                .args(["verify-receipt", "--jwks", &app.url])
                .arg(path)
                .output()
        };
        let ok = verify(answer.clone()).await.unwrap();
        assert!(
            ok.status.success(),
            "{}",
            String::from_utf8_lossy(&ok.stderr)
        );
        assert!(String::from_utf8_lossy(&ok.stdout).starts_with("valid receipt signed by dms-"));
        // A reader that has gone away (`| head -0`) makes no panic and no failure: the pipe is
        // closed while the client still fetches the JWKS, so its writes meet a broken pipe.
        let mut child = command()
            .args(["verify-receipt", "--jwks", &app.url])
            .arg(&answer)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let closed = child.wait_with_output().await.unwrap();
        assert!(
            closed.status.success(),
            "{}",
            String::from_utf8_lossy(&closed.stderr)
        );
        assert!(!String::from_utf8_lossy(&closed.stderr).contains("panicked"));
        // A receipt with one character of its payload changed does not verify.
        let body: Value = serde_json::from_slice(&std::fs::read(&answer).unwrap()).unwrap();
        let jws = body["receipt"].as_str().unwrap();
        let dot = jws.find('.').unwrap() + 5;
        let mut forged = jws.to_owned();
        let c = if &jws[dot..dot + 1] == "A" { "B" } else { "A" };
        forged.replace_range(dot..dot + 1, c);
        let forged_file = dir.join("forged.jws");
        std::fs::write(&forged_file, forged).unwrap();
        let bad = verify(forged_file).await.unwrap();
        assert!(!bad.status.success());
        assert!(String::from_utf8_lossy(&bad.stderr).contains("INVALID"));
    }
}

/// `dms-api` run with a configuration file and environment of its own (no `DMS_*` from the
/// test runner's environment).
fn dms_api(app: &dms_tests::TestApp) -> tokio::process::Command {
    let mut c = tokio::process::Command::new(binary("dms-api"));
    c.env("DATABASE_URL", &app.database_url);
    c
}

#[tokio::test]
async fn token_commands_take_the_token_from_a_file_stdin_or_the_environment_never_an_argument() {
    let app = spawn_app().await;
    let issue = |extra: &[&str]| {
        let mut c = dms_api(&app);
        c.env_remove("DMS_TOKEN")
            .args(["token-issue", "--edrpou", dms_tests::KHMELNYTSKYI_EDRPOU])
            .args(extra);
        c
    };
    let given = "dms_given_token_0123456789abcdef";
    let out = issue(&["--token", given]).output().await.unwrap();
    assert!(!out.status.success(), "a token as an argument is refused");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--token-file") && err.contains("--token-stdin"),
        "{err}"
    );
    let lookup = dms_service::bodies::token_lookup(given);
    let stored = format!("credentials WHERE lookup = '{lookup}'");
    assert_eq!(app.count(&stored).await, 0, "nothing stored");
    // From a file.
    let file = std::env::temp_dir().join(format!("dms-token-{}", uuid::Uuid::now_v7().simple()));
    std::fs::write(&file, format!("{given}\n")).unwrap();
    let out = issue(&["--token-file", file.to_str().unwrap()])
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), given);
    assert_eq!(app.count(&stored).await, 1);
    std::fs::remove_file(&file).unwrap();
    // From standard input: revoking it.
    let mut child = dms_api(&app)
        .env_remove("DMS_TOKEN")
        .args(["token-revoke", "--token-stdin"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use tokio::io::AsyncWriteExt as _;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(given.as_bytes()).await.unwrap();
    }
    let out = child.wait_with_output().await.unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "revoked");
    // From the environment (the variable is not among the arguments).
    let other = "dms_env_token_0123456789abcdef";
    let out = issue(&[]).env("DMS_TOKEN", other).output().await.unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), other);
}

#[tokio::test]
async fn body_ensure_takes_a_hromada_or_special_status_city_as_the_staff_api_does() {
    let app = spawn_app().await;
    let ensure = |edrpou: &str, hromada: &str| {
        let mut c = dms_api(&app);
        c.args([
            "body-ensure",
            "--edrpou",
            edrpou,
            "--name",
            "Тест",
            "--hromada",
            hromada,
        ]);
        c
    };
    use dms_tests::{KHMELNYTSKYI_CITY, KHMELNYTSKYI_EDRPOU, KYIV_CITY, KYIV_EDRPOU};
    use dms_tests::{LVIV_EDRPOU, LVIV_HROMADA};
    // A city inside the Khmelnytskyi hromada is not a hromada.
    let city = ensure(KHMELNYTSKYI_EDRPOU, KHMELNYTSKYI_CITY)
        .output()
        .await
        .unwrap();
    assert!(!city.status.success());
    assert!(String::from_utf8_lossy(&city.stderr).contains("hromada"));
    // A hromada, and a special-status city (the existing bodies are shown again).
    let ok = ensure(LVIV_EDRPOU, LVIV_HROMADA).output().await.unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let special = ensure(KYIV_EDRPOU, KYIV_CITY).output().await.unwrap();
    assert!(
        special.status.success(),
        "{}",
        String::from_utf8_lossy(&special.stderr)
    );
}

#[tokio::test]
async fn a_configuration_file_is_read_and_every_problem_in_it_is_named() {
    let app = spawn_app().await;
    let dir = std::env::temp_dir().join(format!("dms-config-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("dms.toml");
    std::fs::write(
        &file,
        format!(
            "database_url = \"{}\"\n[api]\nlisten = \"nowhere\"\nbody_timeout_secs = 0\n",
            app.database_url
        ),
    )
    .unwrap();
    // The database URL comes from the file: the environment does not set it here.
    let mut c = dms_api(&app);
    c.env_remove("DATABASE_URL")
        .arg("--config")
        .arg(&file)
        .arg("serve");
    let out = c.output().await.unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("2 problem(s)"), "{err}");
    assert!(err.contains("api.listen = \"nowhere\""), "{err}");
    assert!(err.contains("api.body_timeout_secs = 0"), "{err}");
    // A flag fixes one problem and `config show` names where each value came from.
    let mut c = dms_api(&app);
    c.env_remove("DATABASE_URL")
        .env("DMS_BODY_TIMEOUT_SECS", "5")
        .arg("--config")
        .arg(&file)
        .args(["config", "show", "--listen", "127.0.0.1:0"]);
    let out = c.output().await.unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(shown.contains("# flag --listen"), "{shown}");
    assert!(shown.contains("# env DMS_BODY_TIMEOUT_SECS"), "{shown}");
    assert!(
        shown.contains(&format!("# file {}", file.display())),
        "{shown}"
    );
    // The file's database URL serves a one-off job too.
    let mut c = dms_api(&app);
    c.env_remove("DATABASE_URL")
        .arg("--config")
        .arg(&file)
        .arg("audit-seal")
        .env("DMS_API_LISTEN", "127.0.0.1:0")
        .env("DMS_BODY_TIMEOUT_SECS", "5");
    let out = c.output().await.unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("sealed: "));
}

//! The real `dms-api` binary as a process: its JSON logs carry request ids and routes, never
//! names, identifiers or document numbers, whatever is submitted.

use dms_tests::person_action;
use dms_tests::process::api::ApiProcess;
use dms_tests::process::run::binary;
use std::time::Duration;

#[tokio::test]
async fn logs_never_carry_personal_data() {
    let mut api = ApiProcess::provision(binary("dms-api")).await;
    api.log = "debug".into();
    api.start()
        .await
        .expect("run target/debug/dms-api (ops/test builds it)");
    let _ = api.wait_for("/readyz", Duration::from_secs(10)).await;
    let token = api.token.clone();
    let community = api.community();
    let post = |body: Vec<u8>| community.submission(body).send();
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
    let stopped = api.terminate().await.expect("the service was running");
    let status = stopped.status.expect("it stopped");
    assert!(
        status.success() || status.code().is_none(),
        "stopped cleanly: {status:?}"
    );
    let logs = stopped.stderr;
    api.teardown().await;

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
        "3294631448",
        "004512876",
        "Проскурівська",
        token.as_str(),
    ] {
        assert!(
            !logs.contains(pd),
            "the logs contain personal data or a secret ({pd})"
        );
    }
}

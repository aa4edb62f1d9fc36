//! A staff write and its audit row are one transaction: with the database connection cut at the
//! moment the audit row is sent, neither is stored and the client gets 503; its retry stores
//! exactly one of each.

use dms_tests::{spawn_app_with, AppOptions, TestApp, LVIV_HROMADA};
use serde_json::{json, Value};

/// A valid ЄДРПОУ no test body uses: `4407210` and the check digit that makes it valid.
fn fresh_edrpou() -> String {
    (0..10)
        .map(|d| format!("4407210{d}"))
        .find(|c| dms_schemas::Edrpou::parse(c).is_ok())
        .expect("one check digit fits")
}

/// `(table rows matching, audit rows of the event)`.
async fn stored(app: &TestApp, table_filter: &str, event: &str) -> (i64, i64) {
    (
        app.count(table_filter).await,
        app.count(&format!("audit_log WHERE event = '{event}'"))
            .await,
    )
}

async fn post(app: &TestApp, token: &str, path: &str, body: &Value) -> u16 {
    app.http
        .post(format!("{}{path}", app.admin_url))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn a_cut_between_a_staff_write_and_its_audit_row_stores_neither_and_the_retry_one() {
    let app = spawn_app_with(AppOptions {
        proxy: true,
        ..AppOptions::default()
    })
    .await;
    let (_, supervisor) = app.staff("supervisor", "ДМС", None).await;
    let proxy = app.proxy.clone().unwrap();
    let edrpou = fresh_edrpou();
    let cases = [
        (
            "/admin/v1/territory-restrictions",
            json!({"katottg": LVIV_HROMADA, "from": "2026-01-01", "legal_basis": "рішення військового командування № 1"}),
            format!("territory_restrictions WHERE katottg = '{LVIV_HROMADA}'"),
            "territory_restriction.create",
            201,
        ),
        (
            "/admin/v1/registration-bodies",
            json!({"edrpou": edrpou, "name": "Тестовий орган реєстрації", "hromada": LVIV_HROMADA}),
            format!("registration_bodies WHERE edrpou = '{edrpou}'"),
            "registration_body.create",
            201,
        ),
    ];
    for (path, body, rows, event, created) in cases {
        // The audit row's statement is the first text naming `audit_log` that the service sends
        // after the write: the proxy cuts the connection right there.
        proxy.cut_when_client_sends(b"audit_log");
        let status = post(&app, &supervisor, path, &body).await;
        assert_eq!(status, 503, "{path}: the cut write is not confirmed");
        assert_eq!(
            stored(&app, &rows, event).await,
            (0, 0),
            "{path}: neither the write nor its audit row is stored"
        );
        let mut status = 0;
        for _ in 0..20 {
            status = post(&app, &supervisor, path, &body).await;
            if status != 503 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        }
        assert_eq!(status, created, "{path}: the retry succeeds");
        assert_eq!(
            stored(&app, &rows, event).await,
            (1, 1),
            "{path}: the retry stores one write and one audit row"
        );
    }
}

//! The text of a finished load's lines is cleared once the retention period is over
//! (`bulk-lines-purge`): only loads done before the cut-off, a window of lines per transaction
//! that a later run resumes, each window audited, and the load's results and receipts read the
//! same afterwards.

use super::bulk::{historical, ndjson, results, upload, wait_done};
use dms_service::bulk::PURGE_WINDOW;
use dms_tests::app::{spawn_app_with, AppOptions, TestApp};
use dms_tests::process::api::cli;
use serde_json::Value;

/// Lines of `load` whose text is still there.
async fn with_text(app: &TestApp, load: &str) -> i64 {
    app.count(&format!(
        "bulk_load_lines WHERE load_id = '{load}' AND raw <> ''"
    ))
    .await
}

async fn purge_audits(app: &TestApp, load: &str) -> i64 {
    app.count(&format!(
        "audit_log WHERE event = 'bulk_load.lines_purged' AND target = '{load}'"
    ))
    .await
}

/// Move a load's end `days` into the past, as if it had finished then.
async fn finished_days_ago(app: &TestApp, load: &str, days: i32) {
    use diesel_async::RunQueryDsl;
    let mut conn = app.db().await;
    diesel::sql_query(format!(
        "UPDATE bulk_loads SET finished_at = now() - interval '{days} days', \
         started_at = now() - interval '{days} days' WHERE id = '{load}'"
    ))
    .execute(&mut conn)
    .await
    .unwrap();
}

#[tokio::test]
async fn only_loads_done_before_the_retention_period_lose_their_line_text_and_keep_their_results() {
    let app = spawn_app_with(AppOptions {
        no_bulk_worker: true,
        ..Default::default()
    })
    .await;
    let services = dms_service::Services::new(
        dms_db::connect(&app.runtime_url, 2).unwrap(),
        dms_crypto::KeyRing::load(&app.keys_dir, None).unwrap(),
    )
    .unwrap()
    .with_database_url(&app.runtime_url);
    let tag = uuid::Uuid::now_v7().simple().to_string();
    let file = |name: &str, from: u64, n: u64| -> Vec<u8> {
        let mut lines: Vec<String> = (from..from + n)
            .map(|i| {
                historical(
                    &format!("P-{tag}-{name}-{i}"),
                    "declaration_of_residence",
                    "2019-05-01",
                    5000 + i,
                )
                .to_string()
            })
            .collect();
        lines.push("{\"external_id\": \"broken".into());
        ndjson(&lines)
    };
    let mut loads = Vec::new();
    for (name, from) in [("old", 0), ("recent", 10)] {
        let (status, location, load) =
            upload(&app, &app.token, file(name, from, 4), false, None).await;
        assert_eq!(status, 202, "{load}");
        loads.push((
            load["load_id"].as_str().unwrap().to_owned(),
            location.unwrap(),
        ));
    }
    dms_service::bulk::apply::work(&services, 100, None)
        .await
        .unwrap();
    for (_, location) in &loads {
        wait_done(&app, &app.token, location).await;
    }
    // A third load is received long ago and never applied: not done, so never cleared.
    let (status, location, load) =
        upload(&app, &app.token, file("queued", 20, 2), false, None).await;
    assert_eq!(status, 202, "{load}");
    let queued = (
        load["load_id"].as_str().unwrap().to_owned(),
        location.unwrap(),
    );
    let ((old, old_at), (recent, _)) = (&loads[0], &loads[1]);
    finished_days_ago(&app, old, 31).await;
    // A day inside the retention period.
    finished_days_ago(&app, recent, 29).await;
    // Received, and given an end, long ago, but never applied: not done.
    finished_days_ago(&app, &queued.0, 60).await;
    let before: Vec<Value> = results(&app, &app.token, old_at).await;
    assert_eq!(before.len(), 5);
    assert_eq!(with_text(&app, old).await, 5);

    // One window of two lines, as a run cut off after its first commit would leave it.
    let actor = dms_service::Actor::job("bulk-lines-purge");
    let first = dms_service::bulk::purge_lines(&services, &actor, 30, 2, Some(1))
        .await
        .unwrap();
    assert_eq!((first.lines, first.loads), (2, 0));
    assert_eq!(with_text(&app, old).await, 3);
    assert_eq!(purge_audits(&app, old).await, 1);
    let through = format!("bulk_loads WHERE id = '{old}' AND lines_purged_through = ");
    assert_eq!(app.count(&format!("{through}2")).await, 1);
    // The next window goes on from the cursor.
    let second = dms_service::bulk::purge_lines(&services, &actor, 30, 2, Some(1))
        .await
        .unwrap();
    assert_eq!((second.lines, second.loads), (2, 0));
    assert_eq!(with_text(&app, old).await, 1);
    assert_eq!(app.count(&format!("{through}4")).await, 1);

    // The operator's command (as the runtime role) resumes and finishes.
    let out = cli(&app.database_url)
        .arg("bulk-lines-purge")
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("lines cleared: 1;"), "{stdout}");
    assert_eq!(with_text(&app, old).await, 0, "the old load's text is gone");
    assert_eq!(
        with_text(&app, recent).await,
        5,
        "a recent load keeps its text"
    );
    assert_eq!(
        with_text(&app, &queued.0).await,
        3,
        "a load not done keeps its text"
    );
    assert_eq!(purge_audits(&app, old).await, 3);
    assert_eq!(
        app.count(&format!(
            "bulk_loads WHERE id = '{old}' AND lines_purged_at IS NOT NULL"
        ))
        .await,
        1
    );
    // What the vendor reads of the load is unchanged: receipts, numbers, the refusal.
    assert_eq!(results(&app, &app.token, old_at).await, before);
    assert_eq!(
        app.count(&format!(
            "registration_actions WHERE bulk_load_id = '{old}'"
        ))
        .await,
        4
    );

    // Nothing is left to clear: another run changes and audits nothing.
    let again = dms_service::bulk::purge_lines(&services, &actor, 30, PURGE_WINDOW, None)
        .await
        .unwrap();
    assert_eq!((again.lines, again.loads), (0, 0));
    assert_eq!(
        app.count("audit_log WHERE event = 'bulk_load.lines_purged'")
            .await,
        3
    );
    // With a retention period shorter than its age, the recent load goes too; the load that
    // was never applied still stays.
    let now = dms_service::bulk::purge_lines(&services, &actor, 28, PURGE_WINDOW, None)
        .await
        .unwrap();
    assert_eq!((now.lines, now.loads), (5, 1));
    assert_eq!(with_text(&app, recent).await, 0);
    assert_eq!(with_text(&app, &queued.0).await, 3);
}

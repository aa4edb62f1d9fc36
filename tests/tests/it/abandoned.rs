//! The intake sends `BEGIN` with its first statements and `COMMIT` with its last, outside
//! diesel's transaction wrapper. A submission abandoned in between (its caller gone while it
//! waited for the key's lock) must never be committed by whoever uses the connection next, and
//! must leave nothing behind: the pool drops that connection instead of handing it out again.

use diesel::sql_types::Text;
use diesel_async::{AsyncConnection, RunQueryDsl, SimpleAsyncConnection};
use dms_db::actions::{self, NewAction, Recorded, SignedReceipt, Transport};
use dms_tests::spawn_app;
use sha2::Digest;
use uuid::Uuid;

fn action(body: Uuid, external_id: &str) -> NewAction {
    let document = serde_json::json!({ "external_id": external_id, "test": "abandoned" });
    NewAction {
        id: Uuid::now_v7(),
        registration_body_id: body,
        external_id: external_id.to_owned(),
        action_type: dms_schemas::ActionType::DeclarationOfResidence,
        action_date: chrono::Utc::now().date_naive(),
        person: Some((format!("person-{external_id}"), None)),
        katottg: Some("UA68040470010096613".to_owned()),
        territory_path: vec!["UA68040470010096613".to_owned()],
        cancels: None,
        body_sha256: sha2::Sha256::digest(document.to_string().as_bytes()).into(),
        body: document,
        schema_version: "registration-action.v1".to_owned(),
        received_at: chrono::Utc::now(),
        number_year: 2026,
        late: false,
        bulk_load: None,
        transport: Transport {
            channel: "token".to_owned(),
            ..Transport::default()
        },
        request_id: format!("req-{external_id}"),
    }
}

fn sign(a: &actions::Assigned<'_>) -> SignedReceipt {
    SignedReceipt {
        kid: "test".to_owned(),
        jws: format!("receipt-of-{}", a.dms_number),
    }
}

#[tokio::test]
async fn an_intake_abandoned_mid_transaction_is_never_committed_by_the_next_one() {
    let app = spawn_app().await;
    let body = app.body.id;
    // One connection, so that the next intake would get the same one were it handed out again.
    let pool = dms_db::connect(&app.runtime_url, 1).unwrap();
    // A first intake prepares the statements on that connection, so that later ones are sent
    // whole in one pipeline.
    let warm = action(body, "W");
    let mut conn = dms_db::pool::get(&pool).await.unwrap();
    let recorded = actions::record(&mut conn, &warm, &sign).await.unwrap();
    assert!(matches!(recorded, Recorded::Created(_)), "{recorded:?}");
    drop(conn);

    // Another session holds the lock of key "A", as a concurrent submission under it would.
    let mut holder = diesel_async::AsyncPgConnection::establish(&app.database_url)
        .await
        .unwrap();
    holder.batch_execute("BEGIN").await.unwrap();
    diesel::sql_query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
        .bind::<Text, _>(format!("{body}/A"))
        .execute(&mut holder)
        .await
        .unwrap();

    // Submission "A" is sent (BEGIN, the lock, the opening statement) and abandoned while it
    // waits for the lock.
    let abandoned = action(body, "A");
    {
        let mut conn = dms_db::pool::get(&pool).await.unwrap();
        let waited = tokio::time::timeout(
            std::time::Duration::from_millis(300),
            actions::record(&mut conn, &abandoned, &sign),
        )
        .await;
        assert!(
            waited.is_err(),
            "submission A must still be waiting: {waited:?}"
        );
    }
    // The lock is released: the abandoned session goes on and stores action A, uncommitted.
    holder.batch_execute("ROLLBACK").await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;

    // The next submission on the pool commits; A must not ride along in its transaction.
    let next = action(body, "B");
    let mut conn = dms_db::pool::get(&pool).await.unwrap();
    let recorded = actions::record(&mut conn, &next, &sign).await.unwrap();
    assert!(matches!(recorded, Recorded::Created(_)), "{recorded:?}");
    drop(conn);

    assert_eq!(
        app.count(&format!(
            "registration_actions WHERE registration_body_id = '{body}'"
        ))
        .await,
        2,
        "only W and B are stored"
    );
    assert_eq!(
        app.count(&format!("registration_actions WHERE id = '{}'", next.id))
            .await,
        1
    );
    assert_eq!(
        app.count(&format!(
            "registration_actions WHERE id = '{}'",
            abandoned.id
        ))
        .await,
        0,
        "the abandoned action was never committed"
    );
    // Every stored action has its confirmation and feed item.
    assert_eq!(
        app.count("registration_actions a WHERE NOT EXISTS (SELECT 1 FROM confirmations c WHERE c.action_id = a.id)")
            .await,
        0
    );
    // A retry of A now stores it, once.
    let mut conn = dms_db::pool::get(&pool).await.unwrap();
    let retried = actions::record(&mut conn, &action(body, "A"), &sign)
        .await
        .unwrap();
    assert!(matches!(retried, Recorded::Created(_)), "{retried:?}");
    assert_eq!(
        app.count(&format!(
            "registration_actions WHERE registration_body_id = '{body}'"
        ))
        .await,
        3
    );
}

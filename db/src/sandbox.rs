//! The sandbox's reset: one registration body's actions and everything hanging from them,
//! removed by `sandbox_reset` (a function of the schema owner that refuses outside a database
//! marked as a sandbox), with the caller's audit row, in one transaction.

use crate::audit::AuditEvent;
use crate::{DbError, PgConn};
use diesel::sql_types::{Integer, Uuid as SqlUuid};
use diesel::QueryableByName;
use diesel_async::{AsyncConnection, RunQueryDsl};
use uuid::Uuid;

#[derive(QueryableByName)]
struct Removed {
    #[diesel(sql_type = Integer)]
    removed: i32,
}

/// Why a reset did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ResetError {
    /// The database is not marked as a sandbox (`sandbox_mode`).
    #[error("this database is not a sandbox")]
    NotSandbox,
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Remove the body's actions and what hangs from them; returns how many actions.
pub async fn reset(conn: &mut PgConn, body: Uuid, audit: &AuditEvent) -> Result<i32, ResetError> {
    let outcome = conn
        .transaction(async |conn| {
            let r: Removed = diesel::sql_query("SELECT sandbox_reset($1) AS removed")
                .bind::<SqlUuid, _>(body)
                .get_result(conn)
                .await?;
            let mut event = audit.clone();
            event.details = serde_json::json!({"removed_actions": r.removed});
            crate::audit::record(conn, &event).await?;
            Ok::<i32, DbError>(r.removed)
        })
        .await;
    match outcome {
        Err(DbError::Query(diesel::result::Error::DatabaseError(_, info)))
            if info.message().contains("not a sandbox") =>
        {
            Err(ResetError::NotSandbox)
        }
        other => Ok(other?),
    }
}

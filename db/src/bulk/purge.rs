//! Clearing the text of a finished load's lines once the retention period is over
//! (`purge_bulk_load_lines`, a function of the schema owner: the runtime role updates nothing in
//! `bulk_load_lines`). One window of one load per transaction, with its audit row.

use crate::audit::AuditEvent;
use crate::{DbError, PgConn};
use chrono::{DateTime, Utc};
use diesel::sql_types::{Bool, Integer, Timestamptz, Uuid as SqlUuid};
use diesel::{OptionalExtension, QueryableByName};
use diesel_async::{AsyncConnection, RunQueryDsl};
use uuid::Uuid;

/// One window cleared.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct Purged {
    #[diesel(sql_type = SqlUuid)]
    pub load_id: Uuid,
    /// Lines whose text was cleared in this window.
    #[diesel(sql_type = Integer)]
    pub cleared: i32,
    /// The load's lines up to this number are cleared.
    #[diesel(sql_type = Integer)]
    pub through_line: i32,
    /// Every line of the load is cleared.
    #[diesel(sql_type = Bool)]
    pub complete: bool,
}

/// Clear up to `max_lines` lines of the oldest load done before `finished_before` whose lines
/// are not yet all cleared, and record `audit` (completed with what was cleared) in the same
/// transaction. `None`: no such load.
pub async fn purge_window(
    conn: &mut PgConn,
    finished_before: DateTime<Utc>,
    max_lines: i32,
    audit: &AuditEvent,
) -> Result<Option<Purged>, DbError> {
    conn.transaction(async |conn| {
        let purged: Option<Purged> = diesel::sql_query(
            "SELECT load_id, cleared, through_line, complete \
             FROM purge_bulk_load_lines($1, $2)",
        )
        .bind::<Timestamptz, _>(finished_before)
        .bind::<Integer, _>(max_lines)
        .get_result(conn)
        .await
        .optional()?;
        if let Some(p) = &purged {
            let mut event = audit.clone();
            event.target = Some(p.load_id.to_string());
            event.details = serde_json::json!({
                "cleared": p.cleared,
                "through_line": p.through_line,
                "complete": p.complete,
                "finished_before": finished_before,
            });
            crate::audit::record(conn, &event).await?;
        }
        Ok(purged)
    })
    .await
}

//! Data sets for ЄДДР as DMS staff see them: listed newest first with ЄДДР's verdict counts,
//! one in detail with its hashes, and a failed one put back for delivery. The feeder's own
//! bookkeeping (claim, seal, deliver, acknowledge) is in [`crate::feed`].

use crate::enums::DatasetState;
use crate::{DbError, PgConn};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use uuid::Uuid;

/// A data set with the counts of its records by ЄДДР's verdict.
#[derive(Debug, Clone, QueryableByName)]
pub struct DatasetRow {
    #[diesel(sql_type = BigInt)]
    pub seq: i64,
    #[diesel(sql_type = Text)]
    pub state: DatasetState,
    #[diesel(sql_type = Integer)]
    pub record_count: i32,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub sealed_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub delivered_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub acknowledged_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Integer)]
    pub attempts: i32,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub next_attempt_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Text>)]
    pub last_error: Option<String>,
    /// Records ЄДДР accepted.
    #[diesel(sql_type = BigInt)]
    pub accepted: i64,
    /// Records ЄДДР rejected.
    #[diesel(sql_type = BigInt)]
    pub rejected: i64,
    /// Records without a verdict yet.
    #[diesel(sql_type = BigInt)]
    pub awaiting: i64,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub first_action_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub last_action_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<Text>)]
    pub records_sha256: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub manifest_sha256: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub previous_manifest_sha256: Option<String>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub audit_head_seq: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    pub audit_head_hash: Option<String>,
}

const SELECT: &str = "SELECT d.seq, d.state, d.record_count, d.created_at, d.sealed_at, \
       d.delivered_at, d.acknowledged_at, d.attempts, d.next_attempt_at, d.last_error, \
       v.accepted, v.rejected, v.awaiting, d.first_action_id, d.last_action_id, \
       d.records_sha256, d.manifest_sha256, d.previous_manifest_sha256, d.audit_head_seq, \
       d.audit_head_hash \
     FROM datasets d CROSS JOIN LATERAL ( \
       SELECT count(*) FILTER (WHERE f.state = 'accepted') AS accepted, \
              count(*) FILTER (WHERE f.state = 'rejected') AS rejected, \
              d.record_count - count(*) FILTER (WHERE f.state IN ('accepted', 'rejected')) AS awaiting \
       FROM feed_items f WHERE f.dataset_seq = d.seq) v";

/// Data sets newest first: those before `before` (a sequence number; none: from the newest),
/// in `state` when given, at most `limit`.
pub async fn list(
    conn: &mut PgConn,
    state: Option<DatasetState>,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<DatasetRow>, DbError> {
    Ok(diesel::sql_query(format!(
        "{SELECT} WHERE ($1::text IS NULL OR d.state = $1) AND ($2::bigint IS NULL OR d.seq < $2) \
         ORDER BY d.seq DESC LIMIT $3"
    ))
    .bind::<Nullable<Text>, _>(state.map(|s| s.as_str()))
    .bind::<Nullable<BigInt>, _>(before)
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await?)
}

pub async fn get(conn: &mut PgConn, seq: i64) -> Result<Option<DatasetRow>, DbError> {
    Ok(diesel::sql_query(format!("{SELECT} WHERE d.seq = $1"))
        .bind::<BigInt, _>(seq)
        .get_result(conn)
        .await
        .optional()?)
}

/// Put a failed data set back for delivery: `sealed` again, its attempts counted afresh, due
/// now. False (and nothing changed) when it is not failed.
pub async fn redeliver(conn: &mut PgConn, seq: i64) -> Result<bool, DbError> {
    let n = diesel::sql_query(
        "UPDATE datasets SET state = 'sealed', attempts = 0, next_attempt_at = now() \
         WHERE seq = $1 AND state = 'failed'",
    )
    .bind::<BigInt, _>(seq)
    .execute(conn)
    .await?;
    Ok(n == 1)
}

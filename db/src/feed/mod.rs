//! The feed to ЄДДР: claiming feed items into data sets, reading their records in order, and
//! recording each step (sealed, delivered, acknowledged per record, failed). Synchronous: the
//! feeder is a batch process that streams large data sets.
//!
//! Guarantees: one builder at a time (a session advisory lock); an item is claimed by exactly one
//! data set (a range of the feed after the previous data set's, of finished transactions only:
//! `claim`); a data set's records, order and manifest inputs are fixed at claim time, so
//! rebuilding it after a crash yields the same bytes.

mod claim;
mod records;

pub use claim::{behind_horizon, claim, feed_end};
pub use records::{body_codes, range_contents, read_records, spans, Place, Record, Span};

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{
    Array, BigInt, Bool, Integer, Nullable, Text, Timestamptz, Uuid as SqlUuid,
};
use uuid::Uuid;

use crate::audit::chain::Head;
use crate::audit::{record_sync, AuditEvent};

/// Advisory lock key held by the one active builder.
const BUILDER_LOCK: i64 = 0x0d5f_eed0;

#[derive(Debug, Clone, QueryableByName)]
pub struct Dataset {
    #[diesel(sql_type = BigInt)]
    pub seq: i64,
    #[diesel(sql_type = Text)]
    pub state: crate::enums::DatasetState,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = Integer)]
    pub record_count: i32,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub first_action_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub last_action_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<Text>)]
    pub previous_manifest_sha256: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub manifest_sha256: Option<String>,
    #[diesel(sql_type = Integer)]
    pub attempts: i32,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub next_attempt_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub audit_head_seq: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub audit_head_audit_id: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    pub audit_head_hash: Option<String>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub audit_head_sealed_at: Option<DateTime<Utc>>,
    /// Claimed as a range of the feed (every data set since migration 000140); before, item by
    /// item (`feed_items.dataset_seq`, `position`).
    #[diesel(sql_type = Bool)]
    pub ranged: bool,
}

impl Dataset {
    /// The audit chain's head fixed when the data set was claimed (none: the chain was empty).
    pub fn audit_head(&self) -> Option<Head> {
        Some(Head {
            seq: self.audit_head_seq?,
            audit_id: self.audit_head_audit_id?,
            hash: self.audit_head_hash.clone()?,
            sealed_at: self.audit_head_sealed_at?,
        })
    }
}

const DATASET_COLUMNS: &str =
    "seq, state, created_at, record_count, first_action_id, last_action_id, \
     previous_manifest_sha256, manifest_sha256, attempts, next_attempt_at, \
     audit_head_seq, audit_head_audit_id, audit_head_hash, audit_head_sealed_at, \
     range_xid IS NOT NULL AS ranged";

#[derive(QueryableByName)]
struct Flag {
    #[diesel(sql_type = Bool)]
    flag: bool,
}

/// Become the one builder; false when another feeder process holds the lock.
pub fn try_lock_builder(conn: &mut PgConnection) -> QueryResult<bool> {
    diesel::sql_query("SELECT pg_try_advisory_lock($1) AS flag")
        .bind::<BigInt, _>(BUILDER_LOCK)
        .get_result::<Flag>(conn)
        .map(|f| f.flag)
}

/// The oldest data set that is not finished (building or sealed), if any.
pub fn oldest_unfinished(conn: &mut PgConnection) -> QueryResult<Option<Dataset>> {
    diesel::sql_query(format!(
        "SELECT {DATASET_COLUMNS} FROM datasets WHERE state IN ('building','sealed') ORDER BY seq LIMIT 1"
    ))
    .get_result(conn)
    .optional()
}

pub fn dataset(conn: &mut PgConnection, seq: i64) -> QueryResult<Option<Dataset>> {
    diesel::sql_query(format!(
        "SELECT {DATASET_COLUMNS} FROM datasets WHERE seq = $1"
    ))
    .bind::<BigInt, _>(seq)
    .get_result(conn)
    .optional()
}

/// The data set's files are written: record it as sealed, audited in the same transaction.
pub fn mark_sealed(
    conn: &mut PgConnection,
    seq: i64,
    records_sha256: &str,
    manifest_sha256: &str,
    who: &AuditEvent,
) -> QueryResult<()> {
    let event = who.about(
        "dataset.seal",
        Some(seq.to_string()),
        serde_json::json!({"records_sha256": records_sha256, "manifest_sha256": manifest_sha256}),
    );
    audited(conn, &event, |conn| {
        diesel::sql_query(
        "UPDATE datasets SET state = 'sealed', records_sha256 = $2, manifest_sha256 = $3, sealed_at = now() \
         WHERE seq = $1 AND state = 'building'",
    )
    .bind::<BigInt, _>(seq)
    .bind::<Text, _>(records_sha256)
    .bind::<Text, _>(manifest_sha256)
    .execute(conn)
    })
}

/// Run `write` and, when it changed a row, record `event`; one transaction.
fn audited(
    conn: &mut PgConnection,
    event: &AuditEvent,
    write: impl FnOnce(&mut PgConnection) -> QueryResult<usize>,
) -> QueryResult<()> {
    conn.transaction(|conn| {
        if write(conn)? > 0 {
            record_sync(conn, event)?;
        }
        Ok(())
    })
}

/// The outbox directory is the hand-off: the data set is delivered, acknowledgements come later.
pub fn mark_delivered(conn: &mut PgConnection, seq: i64, who: &AuditEvent) -> QueryResult<()> {
    let event = who.about(
        "dataset.deliver",
        Some(seq.to_string()),
        serde_json::json!({"sink": "outbox"}),
    );
    audited(conn, &event, |conn| {
        diesel::sql_query(
        "UPDATE datasets SET state = 'delivered', delivered_at = now(), attempts = attempts + 1 \
         WHERE seq = $1 AND state = 'sealed'",
    )
    .bind::<BigInt, _>(seq)
    .execute(conn)
    })
}

/// A delivery attempt failed: schedule the next one, or give up after `max_attempts`.
pub fn record_failure(
    conn: &mut PgConnection,
    seq: i64,
    error: &str,
    next_attempt_at: DateTime<Utc>,
    max_attempts: i32,
    who: &AuditEvent,
) -> QueryResult<()> {
    let event = who.about(
        "dataset.delivery_failed",
        Some(seq.to_string()),
        serde_json::json!({"max_attempts": max_attempts}),
    );
    audited(conn, &event, |conn| {
        diesel::sql_query(
            "UPDATE datasets SET attempts = attempts + 1, last_error = $2, next_attempt_at = $3, \
           state = CASE WHEN attempts + 1 >= $4 THEN 'failed' ELSE state END \
         WHERE seq = $1 AND state = 'sealed'",
        )
        .bind::<BigInt, _>(seq)
        .bind::<Text, _>(error)
        .bind::<Timestamptz, _>(next_attempt_at)
        .bind::<Integer, _>(max_attempts)
        .execute(conn)
    })
}

/// One record's verdict from ЄДДР.
#[derive(Debug, Clone)]
pub struct Ack {
    pub action_id: Uuid,
    pub accepted: bool,
    pub reason: Option<String>,
}

/// Record ЄДДР's per-record verdicts and mark the data set acknowledged, audited, in one
/// transaction. Only items of this data set are touched; an ack for anything else is ignored.
pub fn record_acks(
    conn: &mut PgConnection,
    seq: i64,
    acks: &[Ack],
    who: &AuditEvent,
) -> QueryResult<usize> {
    conn.transaction(|conn| {
        // One statement for all verdicts: an item of a ranged data set is still pending inside
        // its range; one claimed item by item is in_dataset under its sequence.
        let ids: Vec<Uuid> = acks.iter().map(|a| a.action_id).collect();
        let states: Vec<&str> = acks
            .iter()
            .map(|a| if a.accepted { "accepted" } else { "rejected" })
            .collect();
        let reasons: Vec<Option<&str>> = acks.iter().map(|a| a.reason.as_deref()).collect();
        let n = diesel::sql_query(
            "WITH r AS (SELECT lo_xid, lo_action_id, hi_xid, hi_action_id FROM dataset_ranges WHERE seq = $1), \
                  v AS (SELECT * FROM unnest($2::uuid[], $3::text[], $4::text[]) AS v(action_id, state, reason)) \
             UPDATE feed_items f SET state = v.state, reason = v.reason, dataset_seq = $1, updated_at = now() \
             FROM v LEFT JOIN r ON true \
             WHERE f.action_id = v.action_id AND ((f.dataset_seq = $1 AND f.state = 'in_dataset') \
               OR (f.state = 'pending' AND r.hi_xid IS NOT NULL \
                   AND (f.queued_xid, f.action_id) > (r.lo_xid, r.lo_action_id) \
                   AND (f.queued_xid, f.action_id) <= (r.hi_xid, r.hi_action_id)))",
        )
        .bind::<BigInt, _>(seq)
        .bind::<Array<SqlUuid>, _>(&ids)
        .bind::<Array<Text>, _>(&states)
        .bind::<Array<Nullable<Text>>, _>(&reasons)
        .execute(conn)?;
        let acknowledged = diesel::sql_query(
            "UPDATE datasets SET state = 'acknowledged', delivered_at = COALESCE(delivered_at, now()), \
               acknowledged_at = now(), attempts = attempts + 1, last_error = NULL \
             WHERE seq = $1 AND state = 'sealed'",
        )
        .bind::<BigInt, _>(seq)
        .execute(conn)?;
        if acknowledged > 0 || n > 0 {
            let accepted = acks.iter().filter(|a| a.accepted).count();
            record_sync(
                conn,
                &who.about(
                    "dataset.acknowledge",
                    Some(seq.to_string()),
                    serde_json::json!({
                        "sink": "eddr",
                        "accepted": accepted,
                        "rejected": acks.len() - accepted,
                        "recorded": n,
                    }),
                ),
            )?;
        }
        Ok(n)
    })
}

#[derive(Debug, Clone, Default, QueryableByName)]
pub struct FeedStats {
    #[diesel(sql_type = BigInt)]
    pub pending: i64,
    #[diesel(sql_type = BigInt)]
    pub held: i64,
    #[diesel(sql_type = Nullable<diesel::sql_types::Double>)]
    pub oldest_pending_age_seconds: Option<f64>,
}

/// Items waiting for a data set (pending after the last claimed range) and for a register entry
/// (held), and the age of the oldest waiting one.
pub fn stats(conn: &mut PgConnection) -> QueryResult<FeedStats> {
    diesel::sql_query(format!(
        "WITH lo AS ({}) \
         SELECT count(*) FILTER (WHERE state = 'pending') AS pending, \
                count(*) FILTER (WHERE state = 'held') AS held, \
                extract(epoch FROM now() - min(received_at) FILTER (WHERE state = 'pending'))::float8 \
                  AS oldest_pending_age_seconds \
         FROM (SELECT f.state, f.received_at FROM feed_items f, lo \
               WHERE f.state = 'pending' AND (f.queued_xid, f.action_id) > (lo.xid, lo.id) \
               UNION ALL SELECT state, received_at FROM feed_items WHERE state = 'held') w",
        claim::LAST_RANGE_END
    ))
    .get_result(conn)
}

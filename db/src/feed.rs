//! The feed to ЄДДР: claiming feed items into data sets, reading their records in order, and
//! recording each step (sealed, delivered, acknowledged per record, failed). Synchronous: the
//! feeder is a batch process that streams large data sets.
//!
//! Guarantees: one builder at a time (a session advisory lock); an item is claimed by exactly one
//! data set (`FOR UPDATE SKIP LOCKED` in the transaction that creates the data set); a data set's
//! records, order and manifest inputs are fixed at claim time, so rebuilding it after a crash
//! yields the same bytes.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Integer, Nullable, Text, Timestamptz, Uuid as SqlUuid};
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
     audit_head_seq, audit_head_audit_id, audit_head_hash, audit_head_sealed_at";

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

/// Claim up to `max` pending items, oldest receipt first, into a new data set, fixing the audit
/// chain's current head for its manifest; audited as `who`, in the same transaction. Returns
/// `None` (and creates nothing) when nothing is pending.
pub fn claim(conn: &mut PgConnection, max: i64, who: &AuditEvent) -> QueryResult<Option<Dataset>> {
    conn.transaction(|conn| {
        #[derive(QueryableByName)]
        struct Prev {
            #[diesel(sql_type = BigInt)]
            seq: i64,
            #[diesel(sql_type = Nullable<Text>)]
            manifest_sha256: Option<String>,
        }
        let prev: Option<Prev> = diesel::sql_query(
            "SELECT seq, manifest_sha256 FROM datasets ORDER BY seq DESC LIMIT 1",
        )
        .get_result(conn)
        .optional()?;
        let seq = prev.as_ref().map_or(1, |p| p.seq + 1);
        diesel::sql_query(
            "INSERT INTO datasets (seq, state, created_at, record_count, previous_manifest_sha256, \
               audit_head_seq, audit_head_audit_id, audit_head_hash, audit_head_sealed_at) \
             SELECT $1, 'building', date_trunc('milliseconds', now()), 0, $2, \
               h.seq, h.audit_id, h.hash, h.sealed_at \
             FROM (SELECT 1) one LEFT JOIN \
               (SELECT seq, audit_id, hash, sealed_at FROM audit_seals ORDER BY seq DESC LIMIT 1) h ON true",
        )
        .bind::<BigInt, _>(seq)
        .bind::<Nullable<Text>, _>(prev.and_then(|p| p.manifest_sha256))
        .execute(conn)?;
        let claimed = diesel::sql_query(
            "WITH picked AS ( \
               SELECT action_id, received_at FROM feed_items \
               WHERE state = 'pending' ORDER BY received_at, action_id LIMIT $2 \
               FOR UPDATE SKIP LOCKED), \
             numbered AS ( \
               SELECT action_id, row_number() OVER (ORDER BY received_at, action_id) AS pos FROM picked) \
             UPDATE feed_items f SET state = 'in_dataset', dataset_seq = $1, position = n.pos, \
               updated_at = now() \
             FROM numbered n WHERE f.action_id = n.action_id",
        )
        .bind::<BigInt, _>(seq)
        .bind::<BigInt, _>(max)
        .execute(conn)?;
        if claimed == 0 {
            return Err(diesel::result::Error::RollbackTransaction);
        }
        diesel::sql_query(
            "UPDATE datasets d SET record_count = s.n, first_action_id = s.first, last_action_id = s.last \
             FROM (SELECT count(*)::int AS n, \
                          (array_agg(action_id ORDER BY position))[1] AS first, \
                          (array_agg(action_id ORDER BY position DESC))[1] AS last \
                   FROM feed_items WHERE dataset_seq = $1) s \
             WHERE d.seq = $1",
        )
        .bind::<BigInt, _>(seq)
        .execute(conn)?;
        let ds = dataset(conn, seq)?;
        if let Some(ds) = &ds {
            record_sync(
                conn,
                &who.about(
                    "dataset.claim",
                    Some(seq.to_string()),
                    serde_json::json!({
                        "record_count": ds.record_count,
                        "audit_head_seq": ds.audit_head_seq,
                    }),
                ),
            )?;
        }
        Ok(ds)
    })
    .or_else(|e| match e {
        diesel::result::Error::RollbackTransaction => Ok(None),
        e => Err(e),
    })
}

#[derive(Debug, QueryableByName)]
pub struct RecordLine {
    #[diesel(sql_type = Integer)]
    pub position: i32,
    #[diesel(sql_type = Text)]
    pub line: String,
}

/// One page of a data set's records as JSON text, in position order after `after`.
pub fn records_page(
    conn: &mut PgConnection,
    seq: i64,
    after: i32,
    limit: i64,
) -> QueryResult<Vec<RecordLine>> {
    diesel::sql_query(
        "SELECT f.position, json_strip_nulls(json_build_object( \
           'record_type', CASE WHEN a.action_type = 'cancellation' THEN 'cancellation' ELSE 'registration_action' END, \
           'action_id', a.id, \
           'dms_number', a.dms_number, \
           'registration_body_edrpou', b.edrpou, \
           'action_type', a.action_type, \
           'action_date', a.action_date, \
           'received_at', to_char(a.received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), \
           'late', a.late, \
           'historical', a.historical, \
           'ground', a.body->'action'->'ground', \
           'basis', a.body->'action'->'basis', \
           'person', a.body->'person', \
           'address', a.body->'address', \
           'previous_address', a.body->'previous_address', \
           'legal_representative', a.body->'legal_representative', \
           'cancels', CASE WHEN t.id IS NULL THEN NULL ELSE json_build_object( \
               'action_id', t.id, 'dms_number', t.dms_number, 'reason', a.body->'cancels'->'reason') END \
         ))::text AS line \
         FROM feed_items f \
         JOIN registration_actions a ON a.id = f.action_id \
         JOIN registration_bodies b ON b.id = a.registration_body_id \
         LEFT JOIN registration_actions t ON t.id = a.cancels_action_id \
         WHERE f.dataset_seq = $1 AND f.position > $2 \
         ORDER BY f.position LIMIT $3",
    )
    .bind::<BigInt, _>(seq)
    .bind::<Integer, _>(after)
    .bind::<BigInt, _>(limit)
    .load(conn)
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
        let mut n = 0;
        for ack in acks {
            n += diesel::sql_query(
                "UPDATE feed_items SET state = $3, reason = $4, updated_at = now() \
                 WHERE action_id = $1 AND dataset_seq = $2 AND state = 'in_dataset'",
            )
            .bind::<SqlUuid, _>(ack.action_id)
            .bind::<BigInt, _>(seq)
            .bind::<Text, _>(if ack.accepted { "accepted" } else { "rejected" })
            .bind::<Nullable<Text>, _>(ack.reason.as_deref())
            .execute(conn)?;
        }
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

pub fn stats(conn: &mut PgConnection) -> QueryResult<FeedStats> {
    diesel::sql_query(
        "SELECT count(*) FILTER (WHERE state = 'pending') AS pending, \
                count(*) FILTER (WHERE state = 'held') AS held, \
                extract(epoch FROM now() - min(received_at) FILTER (WHERE state = 'pending'))::float8 \
                  AS oldest_pending_age_seconds \
         FROM feed_items WHERE state IN ('pending','held')",
    )
    .get_result(conn)
}

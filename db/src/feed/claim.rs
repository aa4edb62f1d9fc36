//! Claiming the next data set: a range of the feed, one row written (issue 14).

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Uuid as SqlUuid};
use uuid::Uuid;

use super::records::{between, Key, Span};
use super::{dataset, Dataset};
use crate::audit::{record_sync, AuditEvent};

/// Transaction-level advisory lock key serialising claims.
const CLAIM_LOCK: i64 = 0x0d5f_eed1;

/// The last claimed range's end as `(xid, id)`; `(0, nil)` before the first ranged data set.
pub(super) const LAST_RANGE_END: &str =
    "SELECT COALESCE(l.range_xid, '0'::xid8) AS xid, \
       COALESCE(l.range_action_id, '00000000-0000-0000-0000-000000000000'::uuid) AS id \
     FROM (SELECT 1) one LEFT JOIN (SELECT range_xid, range_action_id FROM datasets \
       WHERE range_xid IS NOT NULL ORDER BY range_xid DESC, range_action_id DESC LIMIT 1) l ON true";

#[derive(QueryableByName)]
struct Range {
    /// Where the range starts: the last range's end as the picking saw it.
    #[diesel(sql_type = Text)]
    from_xid: String,
    #[diesel(sql_type = SqlUuid)]
    from_id: Uuid,
    #[diesel(sql_type = BigInt)]
    n: i64,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    last_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<Text>)]
    last_xid: Option<String>,
}

#[derive(QueryableByName)]
struct Stored {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    record_count: i32,
}

#[derive(QueryableByName)]
struct Prev {
    #[diesel(sql_type = BigInt)]
    seq: i64,
    #[diesel(sql_type = Nullable<Text>)]
    manifest_sha256: Option<String>,
}

/// Claim up to `max` pending items into a new data set: the next run of the feed after the
/// last claimed range, in feed order, taking only items of transactions that had all ended when
/// this statement's snapshot was taken (see migration 000140: a later item always sorts after
/// the range). Fixes the audit chain's current head for the manifest; audited as `who`, in the
/// same transaction. Returns `None` (and creates nothing) when nothing is pending.
pub fn claim(conn: &mut PgConnection, max: i64, who: &AuditEvent) -> QueryResult<Option<Dataset>> {
    conn.transaction(|conn| {
        // One claim at a time, whoever calls (the builder lock is the feeder's; this one holds
        // even without it), and every read below sees the claims committed before it. A lock
        // takes no transaction id, so the horizon below is not held back by this one.
        diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
            .bind::<BigInt, _>(CLAIM_LOCK)
            .execute(conn)?;
        // Picking runs next, before this transaction has an xid of its own.
        let range: Range = diesel::sql_query(format!(
            "WITH lo AS ({LAST_RANGE_END}), \
             picked AS MATERIALIZED ( \
               SELECT f.queued_xid, f.action_id FROM feed_items f, lo \
               WHERE f.state = 'pending' AND (f.queued_xid, f.action_id) > (lo.xid, lo.id) \
                 AND f.queued_xid < pg_snapshot_xmin(pg_current_snapshot()) \
               ORDER BY f.queued_xid, f.action_id LIMIT $1) \
             SELECT (SELECT xid::text FROM lo) AS from_xid, (SELECT id FROM lo) AS from_id, \
               (SELECT count(*) FROM picked) AS n, \
               (SELECT action_id FROM picked ORDER BY queued_xid DESC, action_id DESC LIMIT 1) AS last_id, \
               (SELECT queued_xid::text FROM picked ORDER BY queued_xid DESC, action_id DESC LIMIT 1) AS last_xid"
        ))
        .bind::<BigInt, _>(max)
        .get_result(conn)?;
        let (Some(last), Some(last_xid)) = (range.last_id, range.last_xid) else {
            return Ok(None);
        };
        let span = Span {
            after: Key::new(range.from_xid.clone(), range.from_id).place()?,
            upto: Key::new(last_xid.clone(), last).place()?,
        };
        let prev: Option<Prev> = diesel::sql_query(
            "SELECT seq, manifest_sha256 FROM datasets ORDER BY seq DESC LIMIT 1",
        )
        .get_result(conn)
        .optional()?;
        let seq = prev.as_ref().map_or(1, |p| p.seq + 1);
        // The data set is its range: its count and first action are read from the range with
        // the very condition the build reads it with, so the two cannot disagree. The range is
        // stored only if it starts at the last stored range's end, as this statement's own
        // (fresh) snapshot sees it; the unique start (migration 000160) stops a claim from the
        // same end that has not committed yet. Under the claim lock neither can happen; if one
        // does, nothing is claimed and the error names it.
        let inside = format!("f.state = 'pending' AND {}", between(&span));
        let stored: Option<Stored> = diesel::sql_query(format!(
            "WITH lo AS ({LAST_RANGE_END}), \
             r AS (SELECT (SELECT count(*) FROM feed_items f WHERE {inside})::int AS n, \
                          (SELECT f.action_id FROM feed_items f WHERE {inside} \
                           ORDER BY f.queued_xid, f.action_id LIMIT 1) AS first) \
             INSERT INTO datasets (seq, state, created_at, record_count, first_action_id, last_action_id, \
               range_from_xid, range_from_action_id, range_xid, range_action_id, previous_manifest_sha256, \
               audit_head_seq, audit_head_audit_id, audit_head_hash, audit_head_sealed_at) \
             SELECT $1, 'building', date_trunc('milliseconds', now()), r.n, r.first, $2, $5::xid8, $6, \
               $3::xid8, $2, $4, h.seq, h.audit_id, h.hash, h.sealed_at \
             FROM lo CROSS JOIN r LEFT JOIN \
               (SELECT seq, audit_id, hash, sealed_at FROM audit_seals ORDER BY seq DESC LIMIT 1) h ON true \
             WHERE (lo.xid, lo.id) = ($5::xid8, $6) \
             RETURNING record_count"
        ))
        .bind::<BigInt, _>(seq)
        .bind::<SqlUuid, _>(last)
        .bind::<Text, _>(&last_xid)
        .bind::<Nullable<Text>, _>(prev.and_then(|p| p.manifest_sha256))
        .bind::<Text, _>(&range.from_xid)
        .bind::<SqlUuid, _>(range.from_id)
        .get_result(conn)
        .optional()?;
        let Some(stored) = stored else {
            return Err(diesel::result::Error::QueryBuilderError(
                format!(
                    "data set {seq} not claimed: the range picked after {}/{} no longer starts \
                     at the last data set's end",
                    range.from_xid, range.from_id
                )
                .into(),
            ));
        };
        if i64::from(stored.record_count) != range.n {
            tracing::warn!(
                dataset.seq = seq,
                picked = range.n,
                in_range = stored.record_count,
                "the claim picked another number of items than its range holds; the range counts"
            );
        }
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
}

#[derive(QueryableByName)]
struct Flag {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    flag: bool,
}

/// The place of the last pending item committed by now, if any: what a run means to send.
pub fn feed_end(conn: &mut PgConnection) -> QueryResult<Option<super::Place>> {
    let key: Option<super::records::Key> = diesel::sql_query(
        "SELECT queued_xid::text AS xid, action_id FROM feed_items WHERE state = 'pending' \
         ORDER BY queued_xid DESC, action_id DESC LIMIT 1",
    )
    .get_result(conn)
    .optional()?;
    key.map(super::records::Key::place).transpose()
}

/// Whether pending items up to `upto`, after the last range, cannot be claimed yet: a write
/// transaction older than theirs (anywhere in the cluster: the horizon is the snapshot's xmin)
/// is still running. They are claimable once it ends.
pub fn behind_horizon(conn: &mut PgConnection, upto: &super::Place) -> QueryResult<bool> {
    diesel::sql_query(format!(
        "WITH lo AS ({LAST_RANGE_END}) \
         SELECT EXISTS (SELECT 1 FROM feed_items f, lo \
           WHERE f.state = 'pending' AND (f.queued_xid, f.action_id) > (lo.xid, lo.id) \
             AND (f.queued_xid, f.action_id) <= ('{}'::xid8, '{}'::uuid) \
             AND f.queued_xid >= pg_snapshot_xmin(pg_current_snapshot())) AS flag",
        upto.xid, upto.action_id
    ))
    .get_result::<Flag>(conn)
    .map(|f| f.flag)
}

//! Sealing the audit log into its hash chain, and the chain's head.
//!
//! Seal `seq` N holds SHA-256(hash of seal N-1 || the canonical text of its audit row); seals are
//! made in seal order, not audit id order. Each run records its horizon: `pg_snapshot_xmin` of
//! the one snapshot that chose the rows to seal. Every transaction not finished at that
//! snapshot has a txid at or above the horizon, so the next run, which looks at every unsealed
//! row with `txid >= horizon`, finds its rows however late it commits; nothing older can appear
//! later. No grace period is needed.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamptz};
use sha2::{Digest, Sha256};

/// Advisory lock held by the one sealer (session level, so the sealing transaction can take its
/// snapshot after the lock is granted).
const SEALER_LOCK: i64 = 7_320_001;
const PAGE: i64 = 5_000;

/// Every column of the row, in a fixed order and format independent of session settings.
pub(crate) const CANONICAL: &str = "concat_ws(chr(31), a.id::text, \
     to_char(a.at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), a.actor_kind, \
     coalesce(a.actor_id, ''), a.channel, a.event, coalesce(a.target, ''), \
     coalesce(a.request_id, ''), a.details::text)";

pub(crate) const GENESIS: &str = "dms-audit-chain-v1";

pub(crate) fn link(prev: &str, canonical: &str) -> String {
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    h.update([0x1e]);
    h.update(canonical.as_bytes());
    hex::encode(h.finalize())
}

/// The chain's newest seal: what a data-set manifest carries out of the database, so that a
/// party outside DMS can later check the chain still holds it.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName, serde::Serialize, serde::Deserialize)]
pub struct Head {
    #[diesel(sql_type = BigInt)]
    pub seq: i64,
    #[diesel(sql_type = BigInt)]
    pub audit_id: i64,
    #[diesel(sql_type = Text)]
    pub hash: String,
    #[diesel(sql_type = Timestamptz)]
    #[serde(with = "micros")]
    pub sealed_at: DateTime<Utc>,
}

/// `sealed_at` as RFC 3339 with microseconds (what PostgreSQL keeps), so a head read back from a
/// manifest compares equal to the stored one.
mod micros {
    use chrono::{DateTime, SecondsFormat, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&t.to_rfc3339_opts(SecondsFormat::Micros, true))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let s = String::deserialize(d)?;
        DateTime::parse_from_rfc3339(&s)
            .map(|t| t.with_timezone(&Utc))
            .map_err(serde::de::Error::custom)
    }
}

pub(crate) const HEAD_SQL: &str =
    "SELECT seq, audit_id, hash, sealed_at FROM audit_seals ORDER BY seq DESC LIMIT 1";

/// The newest seal, if the chain has any.
pub fn head(conn: &mut PgConnection) -> QueryResult<Option<Head>> {
    diesel::sql_query(HEAD_SQL).get_result(conn).optional()
}

/// The newest seal (async, on a pooled connection).
pub async fn head_async(conn: &mut crate::PgConn) -> QueryResult<Option<Head>> {
    diesel_async::RunQueryDsl::get_result(diesel::sql_query(HEAD_SQL), conn)
        .await
        .optional()
}

#[derive(Debug, QueryableByName)]
struct Candidate {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    canonical: String,
}

#[derive(QueryableByName)]
struct Start {
    /// The horizon of this run, as text (xid8 has no diesel type).
    #[diesel(sql_type = Text)]
    horizon: String,
    #[diesel(sql_type = Nullable<Text>)]
    previous_horizon: Option<String>,
    #[diesel(sql_type = BigInt)]
    head_seq: i64,
    #[diesel(sql_type = Text)]
    head_hash: String,
}

/// Seal every audit row that has no seal yet; returns how many. One run is one REPEATABLE READ
/// transaction, so its horizon and every page of candidates come from the same snapshot.
pub fn seal(conn: &mut PgConnection) -> QueryResult<usize> {
    diesel::sql_query("SELECT pg_advisory_lock($1)")
        .bind::<BigInt, _>(SEALER_LOCK)
        .execute(conn)?;
    let result = conn
        .build_transaction()
        .repeatable_read()
        .run(seal_in_snapshot);
    let unlocked = diesel::sql_query("SELECT pg_advisory_unlock($1)")
        .bind::<BigInt, _>(SEALER_LOCK)
        .execute(conn);
    let sealed = result?;
    unlocked?;
    Ok(sealed)
}

fn seal_in_snapshot(conn: &mut PgConnection) -> QueryResult<usize> {
    // The first statement fixes the transaction's snapshot: the horizon is its xmin.
    let start: Start = diesel::sql_query(format!(
        "SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS horizon, \
           (SELECT horizon::text FROM audit_seal_runs ORDER BY id DESC LIMIT 1) AS previous_horizon, \
           coalesce((SELECT seq FROM audit_seals ORDER BY seq DESC LIMIT 1), 0) AS head_seq, \
           coalesce((SELECT hash FROM audit_seals ORDER BY seq DESC LIMIT 1), '{GENESIS}') AS head_hash"
    ))
    .get_result(conn)?;
    let (mut seq, mut prev) = (start.head_seq, start.head_hash);
    let mut after = 0i64;
    let mut sealed = 0usize;
    loop {
        // Without an earlier run (a new database, or the first run after the migration) every
        // unsealed row is a candidate; afterwards only rows of transactions at or after the
        // previous horizon can be unsealed.
        let rows: Vec<Candidate> = diesel::sql_query(format!(
            "SELECT a.id, {CANONICAL} AS canonical FROM audit_log a \
             WHERE ($1::text IS NULL OR a.txid >= $1::text::xid8) AND a.id > $2 \
               AND NOT EXISTS (SELECT 1 FROM audit_seals s WHERE s.audit_id = a.id) \
             ORDER BY a.id LIMIT {PAGE}"
        ))
        .bind::<Nullable<Text>, _>(start.previous_horizon.as_deref())
        .bind::<BigInt, _>(after)
        .load(conn)?;
        let Some(last) = rows.last() else { break };
        after = last.id;
        for r in &rows {
            seq += 1;
            prev = link(&prev, &r.canonical);
            diesel::sql_query("INSERT INTO audit_seals (seq, audit_id, hash) VALUES ($1, $2, $3)")
                .bind::<BigInt, _>(seq)
                .bind::<BigInt, _>(r.id)
                .bind::<Text, _>(&prev)
                .execute(conn)?;
            sealed += 1;
        }
    }
    diesel::sql_query(
        "INSERT INTO audit_seal_runs (horizon, sealed, head_seq) VALUES ($1::text::xid8, $2, $3)",
    )
    .bind::<Text, _>(&start.horizon)
    .bind::<diesel::sql_types::Integer, _>(i32::try_from(sealed).unwrap_or(i32::MAX))
    .bind::<Nullable<BigInt>, _>((seq > 0).then_some(seq))
    .execute(conn)?;
    Ok(sealed)
}

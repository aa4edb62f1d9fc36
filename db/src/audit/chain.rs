//! Sealing and verifying the audit log's hash chain.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};
use sha2::{Digest, Sha256};

#[derive(Debug, QueryableByName)]
struct Row {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    canonical: String,
    #[diesel(sql_type = Nullable<Text>)]
    sealed_hash: Option<String>,
}

/// Every column of the row, in a fixed order and format independent of session settings.
const CANONICAL: &str = "concat_ws(chr(31), a.id::text, \
     to_char(a.at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), a.actor_kind, \
     coalesce(a.actor_id, ''), a.channel, a.event, coalesce(a.target, ''), \
     coalesce(a.request_id, ''), a.details::text)";

const GENESIS: &str = "dms-audit-chain-v1";

fn link(prev: &str, canonical: &str) -> String {
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    h.update([0x1e]);
    h.update(canonical.as_bytes());
    hex::encode(h.finalize())
}

fn last_seal(conn: &mut PgConnection) -> QueryResult<(i64, String)> {
    #[derive(QueryableByName)]
    struct Last {
        #[diesel(sql_type = BigInt)]
        audit_id: i64,
        #[diesel(sql_type = Text)]
        hash: String,
    }
    let last: Option<Last> =
        diesel::sql_query("SELECT audit_id, hash FROM audit_seals ORDER BY audit_id DESC LIMIT 1")
            .get_result(conn)
            .optional()?;
    Ok(last.map_or((0, GENESIS.to_owned()), |l| (l.audit_id, l.hash)))
}

/// Seal every audit row not sealed yet, oldest first; returns how many. Only rows older than
/// `grace_secs` are sealed, so a row of a transaction still in flight (whose id is lower than
/// rows already committed) is never skipped.
pub fn seal(conn: &mut PgConnection, grace_secs: i64) -> QueryResult<usize> {
    conn.transaction(|conn| {
        diesel::sql_query("SELECT pg_advisory_xact_lock(7320001)").execute(conn)?;
        let (mut after, mut prev) = last_seal(conn)?;
        let mut sealed = 0;
        loop {
            let rows: Vec<Row> = diesel::sql_query(format!(
                "SELECT a.id, {CANONICAL} AS canonical, NULL::text AS sealed_hash FROM audit_log a \
                 WHERE a.id > $1 AND a.at < now() - make_interval(secs => $2) ORDER BY a.id LIMIT 5000"
            ))
            .bind::<BigInt, _>(after)
            .bind::<BigInt, _>(grace_secs)
            .load(conn)?;
            let Some(last) = rows.last() else { break };
            after = last.id;
            for r in &rows {
                prev = link(&prev, &r.canonical);
                diesel::sql_query("INSERT INTO audit_seals (audit_id, hash) VALUES ($1, $2)")
                    .bind::<BigInt, _>(r.id)
                    .bind::<Text, _>(&prev)
                    .execute(conn)?;
                sealed += 1;
            }
        }
        Ok(sealed)
    })
}

/// The outcome of re-checking the chain.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Verification {
    pub sealed_rows: usize,
    /// The first audit row whose content or position no longer matches its seal.
    pub first_broken: Option<i64>,
    pub reason: Option<String>,
}

/// Recompute the chain over every sealed row and name the first one that breaks it. Async, on a
/// pooled connection: the staff endpoint and the command line share it.
pub async fn verify(conn: &mut crate::PgConn) -> QueryResult<Verification> {
    let mut prev = GENESIS.to_owned();
    let mut after = 0i64;
    let mut checked = 0;
    loop {
        let rows = diesel::sql_query(format!(
            "SELECT s.audit_id AS id, coalesce({CANONICAL}, '') AS canonical, s.hash AS sealed_hash \
             FROM audit_seals s LEFT JOIN audit_log a ON a.id = s.audit_id \
             WHERE s.audit_id > $1 ORDER BY s.audit_id LIMIT 5000"
        ))
        .bind::<BigInt, _>(after);
        let rows: Vec<Row> = diesel_async::RunQueryDsl::load(rows, conn).await?;
        let Some(last) = rows.last() else { break };
        after = last.id;
        for r in rows {
            let expected = link(&prev, &r.canonical);
            if r.sealed_hash.as_deref() != Some(expected.as_str()) {
                return Ok(Verification {
                    sealed_rows: checked,
                    first_broken: Some(r.id),
                    reason: Some(if r.canonical.is_empty() {
                        "the audit row is missing".into()
                    } else {
                        "the audit row differs from what was sealed".into()
                    }),
                });
            }
            prev = expected;
            checked += 1;
        }
    }
    Ok(Verification {
        sealed_rows: checked,
        first_broken: None,
        reason: None,
    })
}

//! Re-checking the audit log's hash chain: the chain walked in seal order, page by page (each
//! page may run on a different pooled connection), then the log searched for holes: rows older
//! than the last seal run's horizon that no seal covers.

use super::chain::{link, Head, CANONICAL, GENESIS};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};
use diesel_async::RunQueryDsl;

const PAGE: i64 = 5_000;
/// At most this many holes are named.
const HOLES_NAMED: i64 = 100;

#[derive(Debug, QueryableByName)]
struct Sealed {
    #[diesel(sql_type = BigInt)]
    seq: i64,
    #[diesel(sql_type = BigInt)]
    audit_id: i64,
    #[diesel(sql_type = Nullable<Text>)]
    canonical: Option<String>,
    #[diesel(sql_type = Text)]
    hash: String,
}

#[derive(Debug, QueryableByName)]
struct Hole {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// The outcome of re-checking the chain.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Verification {
    pub sealed_rows: usize,
    /// The first audit row whose content or position no longer matches its seal, or else the
    /// first row missing from the chain.
    pub first_broken: Option<i64>,
    pub reason: Option<String>,
    /// Audit rows older than the last seal run's horizon that no seal covers (the first 100).
    pub holes: Vec<i64>,
    /// The chain's newest seal as walked.
    pub head: Option<Head>,
    /// Set when a head from outside the database (a data-set manifest) was given: whether the
    /// chain still holds that very seal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub given_head_found: Option<bool>,
}

impl Verification {
    /// Nothing wrong was found.
    pub fn intact(&self) -> bool {
        self.first_broken.is_none() && self.given_head_found != Some(false)
    }
}

/// A walk of the chain in progress: call `step` until it answers true, then `finish`. Between
/// calls no connection is held, so a long walk does not keep a pooled connection to itself.
#[derive(Debug)]
pub struct Walk {
    prev: String,
    after_seq: i64,
    checked: usize,
    broken: Option<(i64, String)>,
}

impl Default for Walk {
    fn default() -> Self {
        Walk {
            prev: GENESIS.to_owned(),
            after_seq: 0,
            checked: 0,
            broken: None,
        }
    }
}

impl Walk {
    /// Check the next page of seals; true when the walk is done (end of chain or a break).
    pub async fn step(&mut self, conn: &mut crate::PgConn) -> QueryResult<bool> {
        if self.broken.is_some() {
            return Ok(true);
        }
        let rows: Vec<Sealed> = diesel::sql_query(format!(
            "SELECT s.seq, s.audit_id, {CANONICAL} AS canonical, s.hash \
             FROM audit_seals s LEFT JOIN audit_log a ON a.id = s.audit_id \
             WHERE s.seq > $1 ORDER BY s.seq LIMIT {PAGE}"
        ))
        .bind::<BigInt, _>(self.after_seq)
        .load(conn)
        .await?;
        if rows.is_empty() {
            return Ok(true);
        }
        for r in rows {
            let reason = if r.seq != self.after_seq + 1 {
                Some(format!(
                    "seal {} follows seal {}: seals are missing",
                    r.seq, self.after_seq
                ))
            } else {
                match &r.canonical {
                    None => Some("the audit row is missing".to_owned()),
                    Some(c) if link(&self.prev, c) != r.hash => {
                        Some("the audit row differs from what was sealed".to_owned())
                    }
                    Some(_) => None,
                }
            };
            if let Some(reason) = reason {
                self.broken = Some((r.audit_id, reason));
                return Ok(true);
            }
            self.prev = r.hash.clone();
            self.after_seq = r.seq;
            self.checked += 1;
        }
        Ok(false)
    }

    /// Look for holes and, if given, the head from outside; the verdict.
    pub async fn finish(
        self,
        conn: &mut crate::PgConn,
        given: Option<&Head>,
    ) -> QueryResult<Verification> {
        // One statement, one snapshot: the seal run whose horizon is used had committed every
        // seal of rows below it.
        let holes: Vec<Hole> = diesel::sql_query(format!(
            "SELECT a.id FROM audit_log a \
             WHERE a.txid < (SELECT horizon FROM audit_seal_runs ORDER BY id DESC LIMIT 1) \
               AND NOT EXISTS (SELECT 1 FROM audit_seals s WHERE s.audit_id = a.id) \
             ORDER BY a.id LIMIT {HOLES_NAMED}"
        ))
        .load(conn)
        .await?;
        let holes: Vec<i64> = holes.into_iter().map(|h| h.id).collect();
        // The walked head with its real seal time.
        let head = if self.after_seq > 0 {
            seal_at(conn, self.after_seq).await?
        } else {
            None
        };
        let given_head_found = match given {
            None => None,
            Some(g) => Some(
                g.seq <= self.after_seq
                    && seal_at(conn, g.seq)
                        .await?
                        .is_some_and(|s| s.audit_id == g.audit_id && s.hash == g.hash),
            ),
        };
        let (first_broken, reason) = match (self.broken, holes.as_slice().first()) {
            (Some((id, why)), _) => (Some(id), Some(why)),
            (None, Some(&id)) => (
                Some(id),
                Some(
                    "the audit row is not in the chain though older than the last seal run's \
                     horizon"
                        .to_owned(),
                ),
            ),
            (None, None) => (None, None),
        };
        Ok(Verification {
            sealed_rows: self.checked,
            first_broken,
            reason,
            holes,
            head,
            given_head_found,
        })
    }
}

async fn seal_at(conn: &mut crate::PgConn, seq: i64) -> QueryResult<Option<Head>> {
    diesel::sql_query("SELECT seq, audit_id, hash, sealed_at FROM audit_seals WHERE seq = $1")
        .bind::<BigInt, _>(seq)
        .get_result::<Head>(conn)
        .await
        .optional()
}

/// Walk the whole chain on one connection (tests, small logs).
pub async fn verify(conn: &mut crate::PgConn) -> QueryResult<Verification> {
    let mut walk = Walk::default();
    while !walk.step(conn).await? {}
    walk.finish(conn, None).await
}

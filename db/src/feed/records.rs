//! Reading a data set's records: one cursor over the data set in feed order, fetched page by
//! page, the parts of each record as PostgreSQL stores them (the feeder builds the JSON line, so
//! the database does only the join; issue 14).

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Bool, Date, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use std::collections::HashMap;
use uuid::Uuid;

use super::Dataset;

/// One record's parts. The JSON-valued ones are JSON text as stored (the submitted body's
/// objects), `None` when absent.
#[derive(Debug, Clone, QueryableByName)]
pub struct Record {
    #[diesel(sql_type = SqlUuid)]
    pub action_id: Uuid,
    #[diesel(sql_type = Text)]
    pub dms_number: String,
    /// The body's ЄДРПОУ comes from [`body_codes`] (one read, not a join per record).
    #[diesel(sql_type = SqlUuid)]
    pub registration_body_id: Uuid,
    #[diesel(sql_type = Text)]
    pub action_type: String,
    #[diesel(sql_type = Date)]
    pub action_date: NaiveDate,
    #[diesel(sql_type = Timestamptz)]
    pub received_at: DateTime<Utc>,
    #[diesel(sql_type = Bool)]
    pub late: bool,
    #[diesel(sql_type = Bool)]
    pub historical: bool,
    #[diesel(sql_type = Nullable<Text>)]
    pub ground: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub basis: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub person: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub address: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub previous_address: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub legal_representative: Option<String>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub cancels_action_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<Text>)]
    pub cancels_dms_number: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub cancels_reason: Option<String>,
}

const COLUMNS: &str =
    "a.id AS action_id, a.dms_number, a.registration_body_id, a.action_type, a.action_date, \
     a.received_at, a.late, a.historical, \
     (a.body->'action'->'ground')::text AS ground, (a.body->'action'->'basis')::text AS basis, \
     (a.body->'person')::text AS person, (a.body->'address')::text AS address, \
     (a.body->'previous_address')::text AS previous_address, \
     (a.body->'legal_representative')::text AS legal_representative, \
     a.cancels_action_id, CASE WHEN a.cancels_action_id IS NOT NULL THEN \
       (SELECT t.dms_number FROM registration_actions t WHERE t.id = a.cancels_action_id) END \
       AS cancels_dms_number, \
     (a.body->'cancels'->'reason')::text AS cancels_reason";

const JOINS: &str = "JOIN registration_actions a ON a.id = f.action_id";

#[derive(QueryableByName)]
struct BodyCode {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = Text)]
    edrpou: String,
}

/// Every registration body's ЄДРПОУ by id (a few thousand rows at national scale).
pub fn body_codes(conn: &mut PgConnection) -> QueryResult<HashMap<Uuid, String>> {
    let rows: Vec<BodyCode> =
        diesel::sql_query("SELECT id, edrpou FROM registration_bodies").load(conn)?;
    Ok(rows.into_iter().map(|b| (b.id, b.edrpou)).collect())
}

/// A place as PostgreSQL returns it (`queued_xid::text AS xid, action_id`).
#[derive(QueryableByName)]
pub(super) struct Key {
    #[diesel(sql_type = Text)]
    xid: String,
    #[diesel(sql_type = SqlUuid)]
    action_id: Uuid,
}

/// A place in the feed: `(queued_xid, action_id)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    pub xid: u64,
    pub action_id: Uuid,
}

impl Key {
    pub(super) fn new(xid: String, action_id: Uuid) -> Key {
        Key { xid, action_id }
    }

    pub(super) fn place(self) -> QueryResult<Place> {
        let xid = self.xid.parse().map_err(|_| {
            diesel::result::Error::DeserializationError("xid8 is not a number".into())
        })?;
        Ok(Place {
            xid,
            action_id: self.action_id,
        })
    }
}

/// A run of a ranged data set's records: the places after `after`, up to and including `upto`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub after: Place,
    pub upto: Place,
}

/// A ranged data set's records cut into at most `parts` consecutive spans of about equal size,
/// to be read over as many connections at once; empty for a data set claimed item by item
/// (read it whole, `span` `None`).
pub fn spans(conn: &mut PgConnection, ds: &Dataset, parts: i64) -> QueryResult<Vec<Span>> {
    if !ds.ranged {
        return Ok(Vec::new());
    }
    #[derive(QueryableByName)]
    struct Bounds {
        #[diesel(sql_type = Text)]
        lo_xid: String,
        #[diesel(sql_type = SqlUuid)]
        lo_action_id: Uuid,
        #[diesel(sql_type = Text)]
        hi_xid: String,
        #[diesel(sql_type = SqlUuid)]
        hi_action_id: Uuid,
    }
    let b: Bounds = diesel::sql_query(
        "SELECT lo_xid::text AS lo_xid, lo_action_id, hi_xid::text AS hi_xid, hi_action_id \
         FROM dataset_ranges WHERE seq = $1",
    )
    .bind::<diesel::sql_types::BigInt, _>(ds.seq)
    .get_result(conn)?;
    let lo = Key {
        xid: b.lo_xid,
        action_id: b.lo_action_id,
    }
    .place()?;
    let hi = Key {
        xid: b.hi_xid,
        action_id: b.hi_action_id,
    }
    .place()?;
    let mut cuts = vec![lo];
    let step = i64::from(ds.record_count) / parts.max(1);
    for k in 1..parts.max(1) {
        if step == 0 {
            break;
        }
        // The place of the (k·step)-th record: an index-only walk of the range.
        let key: Option<Key> = diesel::sql_query(format!(
            "SELECT f.queued_xid::text AS xid, f.action_id FROM feed_items f \
             WHERE f.state = 'pending' AND {} ORDER BY f.queued_xid, f.action_id OFFSET $1 LIMIT 1",
            between(&Span {
                after: lo,
                upto: hi
            })
        ))
        .bind::<diesel::sql_types::BigInt, _>(k * step - 1)
        .get_result(conn)
        .optional()?;
        match key {
            Some(key) => cuts.push(key.place()?),
            None => break,
        }
    }
    cuts.push(hi);
    cuts.dedup();
    Ok(cuts
        .windows(2)
        .map(|w| Span {
            after: w[0],
            upto: w[1],
        })
        .collect())
}

/// The SQL condition of a span on `feed_items f` (typed values only: numbers and UUIDs).
pub(super) fn between(s: &Span) -> String {
    format!(
        "(f.queued_xid, f.action_id) > ('{}'::xid8, '{}'::uuid) \
         AND (f.queued_xid, f.action_id) <= ('{}'::xid8, '{}'::uuid)",
        s.after.xid, s.after.action_id, s.upto.xid, s.upto.action_id
    )
}

/// The records of `span` of the data set (the whole data set when `None`) in order, `page` at a
/// time, each page handed to `each` (which may return an error to stop). One transaction, one
/// cursor: the rows are read once, in order.
pub fn read_records<E: From<diesel::result::Error>>(
    conn: &mut PgConnection,
    ds: &Dataset,
    span: Option<&Span>,
    page: i64,
    mut each: impl FnMut(Vec<Record>) -> Result<(), E>,
) -> Result<(), E> {
    conn.transaction(|conn| {
        // The whole of a ranged data set is its one span.
        let whole = match span {
            None if ds.ranged => spans(conn, ds, 1)?.first().copied(),
            _ => None,
        };
        let select = match span.or(whole.as_ref()) {
            Some(span) => format!(
                "SELECT {COLUMNS} FROM feed_items f {JOINS} \
                 WHERE f.state = 'pending' AND {} ORDER BY f.queued_xid, f.action_id",
                between(span)
            ),
            None if ds.ranged => return Ok(()),
            None => format!(
                "SELECT {COLUMNS} FROM feed_items f {JOINS} WHERE f.dataset_seq = {} \
                 ORDER BY f.position",
                ds.seq
            ),
        };
        diesel::sql_query(format!(
            "DECLARE dataset_records NO SCROLL CURSOR FOR {select}"
        ))
        .execute(conn)?;
        loop {
            let rows: Vec<Record> =
                diesel::sql_query(format!("FETCH {page} FROM dataset_records")).load(conn)?;
            if rows.is_empty() {
                break;
            }
            each(rows)?;
        }
        diesel::sql_query("CLOSE dataset_records").execute(conn)?;
        Ok(())
    })
}

/// What a ranged data set's range holds now, by state and data set (for an error message).
pub fn range_contents(conn: &mut PgConnection, seq: i64) -> QueryResult<String> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = Text)]
        what: String,
    }
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT f.state || '/' || coalesce(f.dataset_seq::text, '-') || ': ' || count(*) AS what \
         FROM feed_items f JOIN dataset_ranges r ON r.seq = $1 \
         WHERE (f.queued_xid, f.action_id) > (r.lo_xid, r.lo_action_id) \
           AND (f.queued_xid, f.action_id) <= (r.hi_xid, r.hi_action_id) \
         GROUP BY f.state, f.dataset_seq ORDER BY 1",
    )
    .bind::<diesel::sql_types::BigInt, _>(seq)
    .load(conn)?;
    let bounds: Option<Row> = diesel::sql_query(
        "SELECT '(' || lo_xid || '/' || lo_action_id || ', ' || hi_xid || '/' || hi_action_id \
           || ']' AS what FROM dataset_ranges WHERE seq = $1",
    )
    .bind::<diesel::sql_types::BigInt, _>(seq)
    .get_result(conn)
    .optional()?;
    let held: Vec<String> = rows.into_iter().map(|r| r.what).collect();
    Ok(format!(
        "{} {}",
        bounds.map(|b| b.what).unwrap_or_default(),
        held.join(", ")
    ))
}

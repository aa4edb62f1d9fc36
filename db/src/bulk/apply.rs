//! The worker's queries: which load to apply, its next lines in action-date order, and the
//! writes of one batch. The service runs them inside one transaction per batch.

use super::{CopyRow, Load};
use crate::schema::{
    bulk_loads as b, confirmations as c, feed_items as f, registration_actions as a,
};
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{
    Array, BigInt, Bool, Bytea, Date, Integer, Jsonb, Nullable, Text, Uuid as SqlUuid,
};
use diesel::{PgConnection, QueryableByName};
use std::io::Write;
use uuid::Uuid;

/// A line as the worker reads it.
#[derive(Debug, Clone, QueryableByName)]
pub struct LineRow {
    #[diesel(sql_type = Integer)]
    pub line_no: i32,
    #[diesel(sql_type = Date)]
    pub sort_date: NaiveDate,
    #[diesel(sql_type = Nullable<Text>)]
    pub defect: Option<String>,
    #[diesel(sql_type = Text)]
    pub raw: String,
}

/// Loads not yet applied to the end, oldest first.
pub fn open_loads(conn: &mut PgConnection) -> QueryResult<Vec<Load>> {
    b::table
        .filter(b::state.ne("done"))
        .order(b::received_at)
        .select(Load::as_select())
        .load(conn)
}

/// The load as it stands now.
pub fn reload(conn: &mut PgConnection, id: Uuid) -> QueryResult<Load> {
    b::table.find(id).select(Load::as_select()).first(conn)
}

/// One worker per load, across every instance of the service: a session-level advisory lock.
pub fn try_lock(conn: &mut PgConnection, load: Uuid) -> QueryResult<bool> {
    #[derive(QueryableByName)]
    struct Got {
        #[diesel(sql_type = Bool)]
        got: bool,
    }
    let g: Got = diesel::sql_query(
        "SELECT pg_try_advisory_lock(hashtextextended('bulk_load/' || $1::text, 0)) AS got",
    )
    .bind::<SqlUuid, _>(load)
    .get_result(conn)?;
    Ok(g.got)
}

pub fn unlock(conn: &mut PgConnection, load: Uuid) -> QueryResult<()> {
    diesel::sql_query("SELECT pg_advisory_unlock(hashtextextended('bulk_load/' || $1::text, 0))")
        .bind::<SqlUuid, _>(load)
        .execute(conn)
        .map(drop)
}

/// The next `limit` lines of `load` after the cursor `from`, in the order they are applied.
pub fn next_lines(
    conn: &mut PgConnection,
    load: Uuid,
    from: (NaiveDate, i32),
    limit: i64,
) -> QueryResult<Vec<LineRow>> {
    diesel::sql_query(
        "SELECT line_no, sort_date, defect, raw FROM bulk_load_lines \
         WHERE load_id = $1 AND (sort_date, line_no) > ($2, $3) \
         ORDER BY sort_date, line_no LIMIT $4",
    )
    .bind::<SqlUuid, _>(load)
    .bind::<Date, _>(from.0)
    .bind::<Integer, _>(from.1)
    .bind::<BigInt, _>(limit)
    .load(conn)
}

#[derive(Debug, Clone, QueryableByName)]
pub struct Earlier {
    #[diesel(sql_type = Text)]
    pub external_id: String,
    /// The same document (by bytes or as JSON).
    #[diesel(sql_type = Bool)]
    pub same: bool,
}

/// Which of these external ids the body has already used, and whether for the same document.
pub fn earlier(
    conn: &mut PgConnection,
    body: Uuid,
    external_ids: &[&str],
    shas: &[&[u8]],
    documents: &[&serde_json::Value],
) -> QueryResult<Vec<Earlier>> {
    diesel::sql_query(
        "SELECT x.ext AS external_id, (a.body_sha256 = x.sha OR a.body = x.doc) AS same \
         FROM unnest($2::text[], $3::bytea[], $4::jsonb[]) AS x(ext, sha, doc) \
         JOIN registration_actions a ON a.registration_body_id = $1 AND a.external_id = x.ext",
    )
    .bind::<SqlUuid, _>(body)
    .bind::<Array<Text>, _>(external_ids)
    .bind::<Array<Bytea>, _>(shas)
    .bind::<Array<Jsonb>, _>(documents)
    .load(conn)
}

/// A territorial ban.
#[derive(Debug, Clone, QueryableByName)]
pub struct Ban {
    #[diesel(sql_type = Text)]
    pub katottg: String,
    #[diesel(sql_type = Date)]
    pub from_date: NaiveDate,
    #[diesel(sql_type = Nullable<Date>)]
    pub to_date: Option<NaiveDate>,
    #[diesel(sql_type = Text)]
    pub legal_basis: String,
}

pub fn bans(conn: &mut PgConnection) -> QueryResult<Vec<Ban>> {
    diesel::sql_query(
        "SELECT r.katottg, r.from_date, COALESCE(e.last_day, r.to_date) AS to_date, r.legal_basis \
         FROM territory_restrictions r LEFT JOIN territory_restriction_ends e ON e.restriction_id = r.id \
         ORDER BY r.from_date",
    )
    .load(conn)
}

/// A person as a batch finds them: id, ЄДДР entry and current residence with its action date.
#[derive(Debug, Clone, QueryableByName)]
pub struct PersonState {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Text)]
    pub person_key: String,
    #[diesel(sql_type = Bool)]
    pub register_entry: bool,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub residence_action_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub residence_body_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<Date>)]
    pub residence_date: Option<NaiveDate>,
}

/// Create the persons not yet known; `keys` sorted and distinct (rows are locked in key order,
/// so two batches never wait for each other in a cycle).
pub fn upsert_persons(
    conn: &mut PgConnection,
    ids: &[Uuid],
    keys: &[&str],
    unzrs: &[Option<&str>],
) -> QueryResult<Vec<PersonState>> {
    diesel::sql_query(
        "WITH up AS ( \
           INSERT INTO persons (id, person_key, unzr) \
           SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[]) \
           ON CONFLICT (person_key) DO UPDATE SET updated_at = now() \
           RETURNING id, person_key, register_entry, residence_action_id, residence_body_id) \
         SELECT up.*, r.action_date AS residence_date FROM up \
         LEFT JOIN registration_actions r ON r.id = up.residence_action_id",
    )
    .bind::<Array<SqlUuid>, _>(ids)
    .bind::<Array<Text>, _>(keys)
    .bind::<Array<Nullable<Text>>, _>(unzrs)
    .load(conn)
}

/// `n` DMS numbers of `year`.
pub fn take_numbers(conn: &mut PgConnection, year: i32, n: i32) -> QueryResult<Vec<String>> {
    #[derive(QueryableByName)]
    struct Number {
        #[diesel(sql_type = Text)]
        n: String,
    }
    let rows: Vec<Number> =
        diesel::sql_query("SELECT next_dms_number($1) AS n FROM generate_series(1, $2)")
            .bind::<Integer, _>(year)
            .bind::<Integer, _>(n)
            .load(conn)?;
    Ok(rows.into_iter().map(|r| r.n).collect())
}

fn write_all(out: &mut dyn Write, rows: &CopyRow) -> QueryResult<()> {
    out.write_all(rows.bytes())
        .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))
}

/// The batch's actions, encoded in the column order of [`ACTION_COLUMNS`].
pub fn copy_actions(conn: &mut PgConnection, rows: &CopyRow) -> QueryResult<usize> {
    diesel::copy_from(a::table)
        .from_raw_data(
            (
                a::id,
                a::registration_body_id,
                a::external_id,
                a::action_type,
                a::action_date,
                a::person_id,
                a::katottg,
                a::body,
                a::body_sha256,
                a::schema_version,
                a::received_at,
                a::dms_number,
                a::late,
                a::channel,
                a::transport_client,
                a::transport_query_id,
                a::transport_user_id,
                a::request_id,
                a::historical,
                a::bulk_load_id,
            ),
            |out: &mut dyn Write| write_all(out, rows),
        )
        .execute(conn)
}

/// The columns [`copy_actions`] expects, in order (for the encoder's tests and comments).
pub const ACTION_COLUMNS: [&str; 20] = [
    "id",
    "registration_body_id",
    "external_id",
    "action_type",
    "action_date",
    "person_id",
    "katottg",
    "body",
    "body_sha256",
    "schema_version",
    "received_at",
    "dms_number",
    "late",
    "channel",
    "transport_client",
    "transport_query_id",
    "transport_user_id",
    "request_id",
    "historical",
    "bulk_load_id",
];

/// Receipts: action id, kid, receipt.
pub fn copy_confirmations(conn: &mut PgConnection, rows: &CopyRow) -> QueryResult<usize> {
    diesel::copy_from(c::table)
        .from_raw_data((c::action_id, c::kid, c::receipt), |out: &mut dyn Write| {
            write_all(out, rows)
        })
        .execute(conn)
}

/// Feed items: action id, person id, state, received at.
pub fn copy_feed(conn: &mut PgConnection, rows: &CopyRow) -> QueryResult<usize> {
    diesel::copy_from(f::table)
        .from_raw_data(
            (f::action_id, f::person_id, f::state, f::received_at),
            |out: &mut dyn Write| write_all(out, rows),
        )
        .execute(conn)
}

/// A move found in history: (action, person, previous action, previous body).
pub type Move = (Uuid, Uuid, Option<Uuid>, Option<Uuid>);

pub fn residence_changes(conn: &mut PgConnection, moves: &[Move]) -> QueryResult<usize> {
    if moves.is_empty() {
        return Ok(0);
    }
    let a: Vec<Uuid> = moves.iter().map(|m| m.0).collect();
    let p: Vec<Uuid> = moves.iter().map(|m| m.1).collect();
    let pa: Vec<Option<Uuid>> = moves.iter().map(|m| m.2).collect();
    let pb: Vec<Option<Uuid>> = moves.iter().map(|m| m.3).collect();
    diesel::sql_query(
        "INSERT INTO residence_changes (action_id, person_id, previous_action_id, previous_body_id) \
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[])",
    )
    .bind::<Array<SqlUuid>, _>(a)
    .bind::<Array<SqlUuid>, _>(p)
    .bind::<Array<Nullable<SqlUuid>>, _>(pa)
    .bind::<Array<Nullable<SqlUuid>>, _>(pb)
    .execute(conn)
}

/// Each person's residence after the batch: (person, action, body).
pub fn set_residences(
    conn: &mut PgConnection,
    rows: &[(Uuid, Option<Uuid>, Option<Uuid>)],
) -> QueryResult<usize> {
    if rows.is_empty() {
        return Ok(0);
    }
    let persons: Vec<Uuid> = rows.iter().map(|r| r.0).collect();
    let actions: Vec<Option<Uuid>> = rows.iter().map(|r| r.1).collect();
    let bodies: Vec<Option<Uuid>> = rows.iter().map(|r| r.2).collect();
    diesel::sql_query(
        "UPDATE persons p SET residence_action_id = x.a, residence_body_id = x.b, updated_at = now() \
         FROM unnest($1::uuid[], $2::uuid[], $3::uuid[]) AS x(p, a, b) WHERE p.id = x.p",
    )
    .bind::<Array<SqlUuid>, _>(persons)
    .bind::<Array<Nullable<SqlUuid>>, _>(actions)
    .bind::<Array<Nullable<SqlUuid>>, _>(bodies)
    .execute(conn)
}

/// A person resident in two communities at once: (line, person, action, other action, other body).
pub type Conflict = (i32, Uuid, Uuid, Uuid, Uuid);

pub fn conflicts(conn: &mut PgConnection, load: Uuid, rows: &[Conflict]) -> QueryResult<usize> {
    if rows.is_empty() {
        return Ok(0);
    }
    let lines: Vec<i32> = rows.iter().map(|r| r.0).collect();
    let persons: Vec<Uuid> = rows.iter().map(|r| r.1).collect();
    let actions: Vec<Uuid> = rows.iter().map(|r| r.2).collect();
    let others: Vec<Uuid> = rows.iter().map(|r| r.3).collect();
    let bodies: Vec<Uuid> = rows.iter().map(|r| r.4).collect();
    diesel::sql_query(
        "INSERT INTO bulk_load_conflicts (load_id, line_no, person_id, action_id, other_action_id, other_body_id) \
         SELECT $1, * FROM unnest($2::int[], $3::uuid[], $4::uuid[], $5::uuid[], $6::uuid[])",
    )
    .bind::<SqlUuid, _>(load)
    .bind::<Array<Integer>, _>(lines)
    .bind::<Array<SqlUuid>, _>(persons)
    .bind::<Array<SqlUuid>, _>(actions)
    .bind::<Array<SqlUuid>, _>(others)
    .bind::<Array<SqlUuid>, _>(bodies)
    .execute(conn)
}

/// Lines refused when applied, with their problems.
pub fn refusals(
    conn: &mut PgConnection,
    load: Uuid,
    rows: &[(i32, serde_json::Value)],
) -> QueryResult<usize> {
    if rows.is_empty() {
        return Ok(0);
    }
    let lines: Vec<i32> = rows.iter().map(|r| r.0).collect();
    let problems: Vec<&serde_json::Value> = rows.iter().map(|r| &r.1).collect();
    diesel::sql_query(
        "INSERT INTO bulk_load_refusals (load_id, line_no, problem) \
         SELECT $1, * FROM unnest($2::int[], $3::jsonb[]) ON CONFLICT DO NOTHING",
    )
    .bind::<SqlUuid, _>(load)
    .bind::<Array<Integer>, _>(lines)
    .bind::<Array<Jsonb>, _>(problems)
    .execute(conn)
}

/// What a batch did.
#[derive(Debug, Clone, Copy, Default)]
pub struct Counts {
    pub stored: i32,
    pub replayed: i32,
    pub refused: i32,
}

/// Move the cursor past the batch and add its counts; `done` when no line is left. Refuses
/// (returns 0) unless the cursor is where this batch started, so that a batch is never
/// counted twice.
pub fn advance(
    conn: &mut PgConnection,
    load: &Load,
    to: (NaiveDate, i32),
    counts: Counts,
    done: bool,
) -> QueryResult<usize> {
    diesel::sql_query(
        "UPDATE bulk_loads SET cursor_date = $4, cursor_line = $5, \
           lines_stored = lines_stored + $6, lines_replayed = lines_replayed + $7, \
           lines_refused = lines_refused + $8, \
           state = CASE WHEN $9 THEN 'done' ELSE 'running' END, \
           started_at = coalesce(started_at, now()), \
           finished_at = CASE WHEN $9 THEN now() ELSE NULL END \
         WHERE id = $1 AND cursor_date = $2 AND cursor_line = $3",
    )
    .bind::<SqlUuid, _>(load.id)
    .bind::<Date, _>(load.cursor_date)
    .bind::<Integer, _>(load.cursor_line)
    .bind::<Date, _>(to.0)
    .bind::<Integer, _>(to.1)
    .bind::<Integer, _>(counts.stored)
    .bind::<Integer, _>(counts.replayed)
    .bind::<Integer, _>(counts.refused)
    .bind::<Bool, _>(done)
    .execute(conn)
}

//! DMS staff and what they manage: role-scoped tokens, the calendar's data (martial-law periods,
//! overrides), territorial bans, and verification requests to registration bodies (rule 5).

use crate::{Conn, DbError};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Bool, Date, Jsonb, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use dms_schemas::calendar::{Calendar, Period};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct Staff {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Text)]
    pub role: String,
    #[diesel(sql_type = Text)]
    pub unit: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub territory: Option<String>,
}

pub async fn add_staff(
    conn: &mut Conn,
    name: &str,
    role: &str,
    unit: &str,
    territory: Option<&str>,
) -> Result<Staff, DbError> {
    Ok(diesel::sql_query(
        "INSERT INTO staff (id, name, role, unit, territory) VALUES ($1, $2, $3, $4, $5) \
         RETURNING id, name, role, unit, territory",
    )
    .bind::<SqlUuid, _>(Uuid::now_v7())
    .bind::<Text, _>(name)
    .bind::<Text, _>(role)
    .bind::<Text, _>(unit)
    .bind::<Nullable<Text>, _>(territory)
    .get_result(conn)
    .await?)
}

pub async fn add_token(conn: &mut Conn, staff_id: Uuid, lookup: &str) -> Result<(), DbError> {
    diesel::sql_query("INSERT INTO staff_tokens (lookup, staff_id) VALUES ($1, $2)")
        .bind::<Text, _>(lookup)
        .bind::<SqlUuid, _>(staff_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Revoke a staff member and every token of theirs.
pub async fn revoke_staff(conn: &mut Conn, staff_id: Uuid) -> Result<bool, DbError> {
    let n = diesel::sql_query(
        "WITH t AS (UPDATE staff_tokens SET revoked_at = now() WHERE staff_id = $1 AND revoked_at IS NULL) \
         UPDATE staff SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL",
    )
    .bind::<SqlUuid, _>(staff_id)
    .execute(conn)
    .await?;
    Ok(n > 0)
}

pub async fn staff_by_token(conn: &mut Conn, lookup: &str) -> Result<Option<Staff>, DbError> {
    Ok(diesel::sql_query(
        "SELECT s.id, s.name, s.role, s.unit, s.territory FROM staff_tokens t JOIN staff s ON s.id = t.staff_id \
         WHERE t.lookup = $1 AND t.revoked_at IS NULL AND s.revoked_at IS NULL",
    )
    .bind::<Text, _>(lookup)
    .get_result(conn)
    .await
    .optional()?)
}

#[derive(QueryableByName)]
struct PeriodRow {
    #[diesel(sql_type = Date)]
    from_date: NaiveDate,
    #[diesel(sql_type = Nullable<Date>)]
    to_date: Option<NaiveDate>,
}

#[derive(QueryableByName)]
struct OverrideRow {
    #[diesel(sql_type = Date)]
    day: NaiveDate,
    #[diesel(sql_type = Bool)]
    working: bool,
}

/// The working-day calendar with the martial-law periods and overrides stored in the database.
pub async fn calendar(conn: &mut Conn) -> Result<Calendar, DbError> {
    let periods: Vec<PeriodRow> =
        diesel::sql_query("SELECT from_date, to_date FROM martial_law_periods")
            .load(conn)
            .await?;
    let overrides: Vec<OverrideRow> =
        diesel::sql_query("SELECT day, working FROM calendar_overrides")
            .load(conn)
            .await?;
    Ok(Calendar {
        martial_law: periods
            .into_iter()
            .map(|p| Period {
                from: p.from_date,
                to: p.to_date,
            })
            .collect(),
        overrides: overrides.into_iter().map(|o| (o.day, o.working)).collect(),
    })
}

pub async fn set_override(
    conn: &mut Conn,
    day: NaiveDate,
    working: bool,
    reason: &str,
    by: Uuid,
) -> Result<(), DbError> {
    diesel::sql_query(
        "INSERT INTO calendar_overrides (day, working, reason, created_by) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (day) DO UPDATE SET working = EXCLUDED.working, reason = EXCLUDED.reason, \
           created_by = EXCLUDED.created_by, created_at = now()",
    )
    .bind::<Date, _>(day)
    .bind::<Bool, _>(working)
    .bind::<Text, _>(reason)
    .bind::<SqlUuid, _>(by)
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, QueryableByName, serde::Serialize)]
pub struct Restriction {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Text)]
    pub katottg: String,
    #[diesel(sql_type = Date)]
    pub from_date: NaiveDate,
    #[diesel(sql_type = Nullable<Date>)]
    pub to_date: Option<NaiveDate>,
    #[diesel(sql_type = Text)]
    pub legal_basis: String,
}

pub async fn add_restriction(
    conn: &mut Conn,
    katottg: &str,
    from: NaiveDate,
    to: Option<NaiveDate>,
    legal_basis: &str,
    by: Uuid,
) -> Result<Restriction, DbError> {
    Ok(diesel::sql_query(
        "INSERT INTO territory_restrictions (id, katottg, from_date, to_date, legal_basis, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id, katottg, from_date, to_date, legal_basis",
    )
    .bind::<SqlUuid, _>(Uuid::now_v7())
    .bind::<Text, _>(katottg)
    .bind::<Date, _>(from)
    .bind::<Nullable<Date>, _>(to)
    .bind::<Text, _>(legal_basis)
    .bind::<SqlUuid, _>(by)
    .get_result(conn)
    .await?)
}

pub async fn restrictions(conn: &mut Conn) -> Result<Vec<Restriction>, DbError> {
    Ok(diesel::sql_query(
        "SELECT id, katottg, from_date, to_date, legal_basis FROM territory_restrictions ORDER BY created_at",
    )
    .load(conn)
    .await?)
}

/// A verification request as stored; `state` is derived for the given Kyiv day.
#[derive(Debug, Clone, QueryableByName)]
pub struct Request {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub registration_body_id: Uuid,
    #[diesel(sql_type = Text)]
    pub registration_body_edrpou: String,
    #[diesel(sql_type = Text)]
    pub registration_body_hromada: String,
    #[diesel(sql_type = Text)]
    pub unit: String,
    #[diesel(sql_type = Jsonb)]
    pub person: serde_json::Value,
    #[diesel(sql_type = Text)]
    pub question: String,
    #[diesel(sql_type = Text)]
    pub details: String,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub delivered_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Date>)]
    pub due_date: Option<NaiveDate>,
    #[diesel(sql_type = Nullable<Jsonb>)]
    pub answer: Option<serde_json::Value>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub answered_at: Option<DateTime<Utc>>,
}

impl Request {
    /// `answered`, `overdue` (unanswered after the end of the due day) or `open`.
    pub fn state(&self, today_kyiv: NaiveDate) -> &'static str {
        match (&self.answer, self.due_date) {
            (Some(_), _) => "answered",
            (None, Some(due)) if due < today_kyiv => "overdue",
            _ => "open",
        }
    }
}

const REQUEST_COLUMNS: &str =
    "r.id, r.registration_body_id, b.edrpou AS registration_body_edrpou, \
     b.hromada_katottg AS registration_body_hromada, r.unit, r.person, r.question, r.details, \
     r.created_at, r.delivered_at, r.due_date, r.answer, r.answered_at";

pub async fn create_request(
    conn: &mut Conn,
    body_id: Uuid,
    staff: &Staff,
    person: &serde_json::Value,
    question: &str,
    details: &str,
) -> Result<Request, DbError> {
    let id = Uuid::now_v7();
    diesel::sql_query(
        "INSERT INTO verification_requests (id, registration_body_id, created_by, unit, person, question, details) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind::<SqlUuid, _>(id)
    .bind::<SqlUuid, _>(body_id)
    .bind::<SqlUuid, _>(staff.id)
    .bind::<Text, _>(&staff.unit)
    .bind::<Jsonb, _>(person)
    .bind::<Text, _>(question)
    .bind::<Text, _>(details)
    .execute(conn)
    .await?;
    request(conn, id)
        .await?
        .ok_or(DbError::Query(diesel::result::Error::NotFound))
}

pub async fn request(conn: &mut Conn, id: Uuid) -> Result<Option<Request>, DbError> {
    Ok(diesel::sql_query(format!(
        "SELECT {REQUEST_COLUMNS} FROM verification_requests r \
         JOIN registration_bodies b ON b.id = r.registration_body_id WHERE r.id = $1"
    ))
    .bind::<SqlUuid, _>(id)
    .get_result(conn)
    .await
    .optional()?)
}

/// The community register lists its requests: the first listing is the receipt of every request
/// not delivered before, which fixes its due date.
pub async fn deliver_and_list(
    conn: &mut Conn,
    body_id: Uuid,
    due_if_new: NaiveDate,
) -> Result<Vec<Request>, DbError> {
    diesel::sql_query(
        "UPDATE verification_requests SET delivered_at = now(), due_date = $2 \
         WHERE registration_body_id = $1 AND delivered_at IS NULL",
    )
    .bind::<SqlUuid, _>(body_id)
    .bind::<Date, _>(due_if_new)
    .execute(conn)
    .await?;
    Ok(diesel::sql_query(format!(
        "SELECT {REQUEST_COLUMNS} FROM verification_requests r \
         JOIN registration_bodies b ON b.id = r.registration_body_id \
         WHERE r.registration_body_id = $1 ORDER BY r.created_at"
    ))
    .bind::<SqlUuid, _>(body_id)
    .load(conn)
    .await?)
}

/// Every request, newest first (filtered by the caller for territory and state).
pub async fn all_requests(
    conn: &mut Conn,
    body_edrpou: Option<&str>,
) -> Result<Vec<Request>, DbError> {
    Ok(diesel::sql_query(format!(
        "SELECT {REQUEST_COLUMNS} FROM verification_requests r \
         JOIN registration_bodies b ON b.id = r.registration_body_id \
         WHERE ($1::text IS NULL OR b.edrpou = $1) ORDER BY r.created_at DESC"
    ))
    .bind::<Nullable<Text>, _>(body_edrpou)
    .load(conn)
    .await?)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerOutcome {
    Answered,
    NotFound,
    AlreadyAnswered,
}

/// Record the community's answer. Final: a request is answered once. Answering a request never
/// listed before is also its receipt.
pub async fn answer(
    conn: &mut Conn,
    id: Uuid,
    body_id: Uuid,
    answer: &serde_json::Value,
    due_if_new: NaiveDate,
) -> Result<AnswerOutcome, DbError> {
    let n = diesel::sql_query(
        "UPDATE verification_requests SET answer = $3, answered_at = now(), \
           delivered_at = COALESCE(delivered_at, now()), due_date = COALESCE(due_date, $4) \
         WHERE id = $1 AND registration_body_id = $2 AND answer IS NULL",
    )
    .bind::<SqlUuid, _>(id)
    .bind::<SqlUuid, _>(body_id)
    .bind::<Jsonb, _>(answer)
    .bind::<Date, _>(due_if_new)
    .execute(conn)
    .await?;
    if n == 1 {
        return Ok(AnswerOutcome::Answered);
    }
    Ok(match request(conn, id).await? {
        Some(r) if r.registration_body_id == body_id => AnswerOutcome::AlreadyAnswered,
        _ => AnswerOutcome::NotFound,
    })
}

/// The scheduled job: flag requests unanswered after the end of their due day.
pub fn mark_overdue(conn: &mut PgConnection, today_kyiv: NaiveDate) -> QueryResult<usize> {
    let query = diesel::sql_query(
        "UPDATE verification_requests SET overdue = true \
         WHERE answer IS NULL AND due_date < $1 AND NOT overdue",
    )
    .bind::<Date, _>(today_kyiv);
    diesel::RunQueryDsl::execute(query, conn)
}

/// What staff may search actions by.
#[derive(Debug, Clone)]
pub enum SearchKey {
    Unzr(String),
    Rnokpp(String),
    Document {
        kind: String,
        number: String,
    },
    SurnameBirth {
        surname: String,
        birth_date: NaiveDate,
    },
}

#[derive(Debug, Clone, QueryableByName)]
pub struct Found {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Text)]
    pub dms_number: String,
    #[diesel(sql_type = Text)]
    pub action_type: String,
    #[diesel(sql_type = Date)]
    pub action_date: NaiveDate,
    #[diesel(sql_type = Timestamptz)]
    pub received_at: DateTime<Utc>,
    #[diesel(sql_type = Text)]
    pub registration_body_edrpou: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub katottg: Option<String>,
    #[diesel(sql_type = Jsonb)]
    pub body: serde_json::Value,
}

/// Actions about the person, newest first (at most `limit`).
pub async fn search(conn: &mut Conn, key: &SearchKey, limit: i64) -> Result<Vec<Found>, DbError> {
    const SELECT: &str = "SELECT a.id, a.dms_number, a.action_type, a.action_date, a.received_at, \
         b.edrpou AS registration_body_edrpou, a.katottg, a.body \
         FROM registration_actions a JOIN registration_bodies b ON b.id = a.registration_body_id";
    let (filter, texts): (&str, Vec<String>) = match key {
        SearchKey::Unzr(u) => ("JOIN persons p ON p.id = a.person_id WHERE p.unzr = $1", vec![u.clone()]),
        SearchKey::Rnokpp(r) => (
            "WHERE a.body->'person' ? 'rnokpp' AND a.body->'person'->>'rnokpp' = $1",
            vec![r.clone()],
        ),
        SearchKey::Document { kind, number } => (
            "WHERE a.body->'person'->'document'->>'number' = $1 \
               AND a.body->'person'->'document'->>'type' = $2",
            vec![number.clone(), kind.clone()],
        ),
        SearchKey::SurnameBirth { surname, birth_date } => (
            "WHERE lower(a.body->'person'->>'surname') = lower($1) AND a.body->'person'->>'birth_date' = $2",
            vec![surname.clone(), birth_date.to_string()],
        ),
    };
    let mut q = diesel::sql_query(format!(
        "{SELECT} {filter} ORDER BY a.received_at DESC LIMIT ${}",
        texts.len() + 1
    ))
    .into_boxed::<diesel::pg::Pg>();
    for t in texts {
        q = q.bind::<Text, _>(t);
    }
    let q = q.bind::<diesel::sql_types::BigInt, _>(limit);
    Ok(q.load(conn).await?)
}

#[derive(Debug, Clone, QueryableByName, serde::Serialize)]
pub struct ReportRow {
    #[diesel(sql_type = Text)]
    pub registration_body_edrpou: String,
    #[diesel(sql_type = Nullable<Date>)]
    pub day: Option<NaiveDate>,
    #[diesel(sql_type = Nullable<Text>)]
    pub action_type: Option<String>,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub count: i64,
}

/// Reports: `late` (late submissions per body and Kyiv day of receipt), `volumes` (actions per
/// Kyiv day and type), `overdue` (overdue answers per body as of `today`).
pub async fn report(
    conn: &mut Conn,
    kind: &str,
    from: NaiveDate,
    to: NaiveDate,
    today: NaiveDate,
) -> Result<Vec<ReportRow>, DbError> {
    let sql = match kind {
        "late" => "SELECT b.edrpou AS registration_body_edrpou, (a.received_at AT TIME ZONE 'Europe/Kyiv')::date AS day, \
                     NULL::text AS action_type, count(*) AS count \
                   FROM registration_actions a JOIN registration_bodies b ON b.id = a.registration_body_id \
                   WHERE a.late AND (a.received_at AT TIME ZONE 'Europe/Kyiv')::date BETWEEN $1 AND $2 \
                   GROUP BY 1, 2 ORDER BY 2, 1",
        "volumes" => "SELECT '' AS registration_body_edrpou, (a.received_at AT TIME ZONE 'Europe/Kyiv')::date AS day, \
                     a.action_type, count(*) AS count FROM registration_actions a \
                   WHERE (a.received_at AT TIME ZONE 'Europe/Kyiv')::date BETWEEN $1 AND $2 \
                   GROUP BY 2, 3 ORDER BY 2, 3",
        _ => "SELECT b.edrpou AS registration_body_edrpou, NULL::date AS day, NULL::text AS action_type, \
                     count(*) AS count \
                   FROM verification_requests r JOIN registration_bodies b ON b.id = r.registration_body_id \
                   WHERE r.answer IS NULL AND r.due_date < $3 AND r.created_at::date BETWEEN $1 AND $2 \
                   GROUP BY 1 ORDER BY 1",
    };
    Ok(diesel::sql_query(sql)
        .bind::<Date, _>(from)
        .bind::<Date, _>(to)
        .bind::<Date, _>(today)
        .load(conn)
        .await?)
}

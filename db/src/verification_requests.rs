//! Verification requests to registration bodies (rule 5): created by DMS officers, received
//! when the community register first lists them, answered once, overdue after the due day.

use crate::{DbError, PgConn};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Date, Jsonb, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use crate::enums::{Question, RequestState};
use crate::staff::Staff;

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
    pub question: Question,
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
    /// The first answer, when it was later corrected (`answer` is then the latest correction).
    #[diesel(sql_type = Nullable<Jsonb>)]
    pub first_answer: Option<serde_json::Value>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub corrected_at: Option<DateTime<Utc>>,
}

impl Request {
    /// `answered`, `overdue` (unanswered after the end of the due day) or `open`.
    pub fn state(&self, today_kyiv: NaiveDate) -> RequestState {
        match (&self.answer, self.due_date) {
            (Some(_), _) => RequestState::Answered,
            (None, Some(due)) if due < today_kyiv => RequestState::Overdue,
            _ => RequestState::Open,
        }
    }
}

const REQUEST_COLUMNS: &str =
    "r.id, r.registration_body_id, b.edrpou AS registration_body_edrpou, \
     b.hromada_katottg AS registration_body_hromada, r.unit, r.person, r.question, r.details, \
     r.created_at, r.delivered_at, r.due_date, coalesce(c.answer, r.answer) AS answer, \
     r.answered_at, CASE WHEN c.answer IS NULL THEN NULL ELSE r.answer END AS first_answer, \
     c.corrected_at";

/// The request, its body and its latest correction, if any.
const REQUEST_FROM: &str = "verification_requests r \
     JOIN registration_bodies b ON b.id = r.registration_body_id \
     LEFT JOIN LATERAL (SELECT answer, corrected_at FROM verification_answer_corrections \
       WHERE request_id = r.id ORDER BY id DESC LIMIT 1) c ON true";

pub async fn create_request(
    conn: &mut PgConn,
    body_id: Uuid,
    staff: &Staff,
    person: &serde_json::Value,
    question: Question,
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

pub async fn request(conn: &mut PgConn, id: Uuid) -> Result<Option<Request>, DbError> {
    Ok(diesel::sql_query(format!(
        "SELECT {REQUEST_COLUMNS} FROM {REQUEST_FROM} WHERE r.id = $1"
    ))
    .bind::<SqlUuid, _>(id)
    .get_result(conn)
    .await
    .optional()?)
}

/// A request id, as `RETURNING id` gives it.
#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
}

/// One page of a listing: the requests after `after` (in the listing's order), at most `limit`,
/// of the requests in `state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub after: Option<Uuid>,
    pub limit: i64,
    /// `all`, `answered`, `unanswered` (open and overdue), `open` or `overdue`, as of `today`.
    pub state: &'static str,
    pub today: NaiveDate,
}

/// The condition a page's `state` puts on a request (`$3` = state, `$4` = today).
const STATE_MATCHES: &str = "CASE $3 \
       WHEN 'all' THEN true \
       WHEN 'answered' THEN r.answer IS NOT NULL \
       WHEN 'unanswered' THEN r.answer IS NULL \
       WHEN 'overdue' THEN r.answer IS NULL AND r.due_date < $4 \
       WHEN 'open' THEN r.answer IS NULL AND (r.due_date IS NULL OR r.due_date >= $4) \
       ELSE false END";

/// The community register lists its requests: the first listing is the receipt of every request
/// not delivered before, which fixes its due date. Returns the ids received now (all of them,
/// whatever the page shows), and one page of the body's requests, oldest first.
pub async fn deliver_and_list(
    conn: &mut PgConn,
    body_id: Uuid,
    due_if_new: NaiveDate,
    page: Page,
) -> Result<(Vec<Uuid>, Vec<Request>), DbError> {
    let received: Vec<Id> = diesel::sql_query(
        "UPDATE verification_requests SET delivered_at = now(), due_date = $2 \
         WHERE registration_body_id = $1 AND delivered_at IS NULL RETURNING id",
    )
    .bind::<SqlUuid, _>(body_id)
    .bind::<Date, _>(due_if_new)
    .load(conn)
    .await?;
    let received = received.into_iter().map(|r| r.id).collect();
    let listed = diesel::sql_query(format!(
        "SELECT {REQUEST_COLUMNS} FROM {REQUEST_FROM} \
         WHERE r.registration_body_id = $1 AND ($2::uuid IS NULL OR r.id > $2) \
           AND {STATE_MATCHES} ORDER BY r.id LIMIT $5"
    ))
    .bind::<SqlUuid, _>(body_id)
    .bind::<Nullable<SqlUuid>, _>(page.after)
    .bind::<Text, _>(page.state)
    .bind::<Date, _>(page.today)
    .bind::<BigInt, _>(page.limit)
    .load(conn)
    .await?;
    Ok((received, listed))
}

/// One page of every request, newest first: to one registration body when `body_edrpou` is
/// given, and only to bodies of the given hromadas when `hromadas` is given.
pub async fn all_requests(
    conn: &mut PgConn,
    body_edrpou: Option<&str>,
    hromadas: Option<&[String]>,
    page: Page,
) -> Result<Vec<Request>, DbError> {
    Ok(diesel::sql_query(format!(
        "SELECT {REQUEST_COLUMNS} FROM {REQUEST_FROM} \
         WHERE ($1::text IS NULL OR b.edrpou = $1) AND ($2::uuid IS NULL OR r.id < $2) \
           AND {STATE_MATCHES} AND ($6::text[] IS NULL OR b.hromada_katottg = ANY($6)) \
         ORDER BY r.id DESC LIMIT $5"
    ))
    .bind::<Nullable<Text>, _>(body_edrpou)
    .bind::<Nullable<SqlUuid>, _>(page.after)
    .bind::<Text, _>(page.state)
    .bind::<Date, _>(page.today)
    .bind::<BigInt, _>(page.limit)
    .bind::<Nullable<Array<Text>>, _>(hromadas)
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
    conn: &mut PgConn,
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
pub async fn mark_overdue(conn: &mut PgConn, today_kyiv: NaiveDate) -> Result<usize, DbError> {
    Ok(diesel::sql_query(
        "UPDATE verification_requests SET overdue = true \
         WHERE answer IS NULL AND due_date < $1 AND NOT overdue",
    )
    .bind::<Date, _>(today_kyiv)
    .execute(conn)
    .await?)
}

/// Append a correction to an answered request of this body. The first answer and its time stay.
pub async fn correct_answer(
    conn: &mut PgConn,
    id: Uuid,
    answer: &serde_json::Value,
) -> Result<(), DbError> {
    diesel::sql_query(
        "INSERT INTO verification_answer_corrections (request_id, answer) VALUES ($1, $2)",
    )
    .bind::<SqlUuid, _>(id)
    .bind::<Jsonb, _>(answer)
    .execute(conn)
    .await?;
    Ok(())
}

/// The request, locked against a concurrent answer or correction.
pub async fn request_for_update(conn: &mut PgConn, id: Uuid) -> Result<Option<Request>, DbError> {
    diesel::sql_query("SELECT id FROM verification_requests WHERE id = $1 FOR UPDATE")
        .bind::<SqlUuid, _>(id)
        .execute(conn)
        .await?;
    request(conn, id).await
}

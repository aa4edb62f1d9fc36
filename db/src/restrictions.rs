//! Territorial bans on registration actions (CMU 1450/2021), set by supervisors, and their
//! early ends. Both tables are append-only: an end is a row of its own, at most one per ban.

use crate::{DbError, PgConn};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Date, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use uuid::Uuid;

#[derive(Debug, Clone, QueryableByName, serde::Serialize)]
pub struct Restriction {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Text)]
    pub katottg: String,
    #[diesel(sql_type = Date)]
    pub from_date: NaiveDate,
    /// The ban's own last day as set (inclusive); none: until lifted.
    #[diesel(sql_type = Nullable<Date>)]
    pub to_date: Option<NaiveDate>,
    #[diesel(sql_type = Text)]
    pub legal_basis: String,
    /// The last day of a ban ended early (then the effective last day).
    #[diesel(sql_type = Nullable<Date>)]
    pub ended_last_day: Option<NaiveDate>,
    #[diesel(sql_type = Nullable<Text>)]
    pub ended_reason: Option<String>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub ended_by: Option<Uuid>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub ended_at: Option<DateTime<Utc>>,
}

impl Restriction {
    /// The last day the ban is in force: its end's when it was ended early, else its own.
    pub fn effective_to(&self) -> Option<NaiveDate> {
        self.ended_last_day.or(self.to_date)
    }
}

const SELECT: &str = "SELECT r.id, r.katottg, r.from_date, r.to_date, r.legal_basis, \
       e.last_day AS ended_last_day, e.reason AS ended_reason, e.ended_by, e.ended_at \
     FROM territory_restrictions r \
     LEFT JOIN territory_restriction_ends e ON e.restriction_id = r.id";

pub async fn add_restriction(
    conn: &mut PgConn,
    katottg: &str,
    from: NaiveDate,
    to: Option<NaiveDate>,
    legal_basis: &str,
    by: Uuid,
) -> Result<Restriction, DbError> {
    let id = Uuid::now_v7();
    diesel::sql_query(
        "INSERT INTO territory_restrictions (id, katottg, from_date, to_date, legal_basis, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind::<SqlUuid, _>(id)
    .bind::<Text, _>(katottg)
    .bind::<Date, _>(from)
    .bind::<Nullable<Date>, _>(to)
    .bind::<Text, _>(legal_basis)
    .bind::<SqlUuid, _>(by)
    .execute(conn)
    .await?;
    restriction(conn, id)
        .await?
        .ok_or(DbError::Query(diesel::result::Error::NotFound))
}

/// Every ban, oldest first, with its end when it was ended early.
pub async fn restrictions(conn: &mut PgConn) -> Result<Vec<Restriction>, DbError> {
    Ok(
        diesel::sql_query(format!("{SELECT} ORDER BY r.created_at, r.id"))
            .load(conn)
            .await?,
    )
}

/// One ban with its end, if any.
pub async fn restriction(conn: &mut PgConn, id: Uuid) -> Result<Option<Restriction>, DbError> {
    Ok(diesel::sql_query(format!("{SELECT} WHERE r.id = $1"))
        .bind::<SqlUuid, _>(id)
        .get_result(conn)
        .await
        .optional()?)
}

/// End the ban early: in force until `last_day` (inclusive). A ban ends once: a second end
/// writes nothing, and the end's primary key decides between concurrent ones.
pub async fn end_restriction(
    conn: &mut PgConn,
    id: Uuid,
    last_day: NaiveDate,
    reason: &str,
    by: Uuid,
) -> Result<Ended, DbError> {
    let inserted = diesel::sql_query(
        "INSERT INTO territory_restriction_ends (restriction_id, last_day, reason, ended_by) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (restriction_id) DO NOTHING",
    )
    .bind::<SqlUuid, _>(id)
    .bind::<Date, _>(last_day)
    .bind::<Text, _>(reason)
    .bind::<SqlUuid, _>(by)
    .execute(conn)
    .await?;
    Ok(if inserted == 1 {
        Ended::Now
    } else {
        Ended::Already
    })
}

/// What ending a ban came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    Now,
    /// The ban had been ended before; nothing was written.
    Already,
}

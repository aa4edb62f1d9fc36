//! The working-day calendar's data: martial-law periods and overrides set by supervisors.

use crate::{DbError, PgConn};
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Date, Nullable, Text, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use dms_schemas::calendar::{Calendar, Period};

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
pub async fn calendar(conn: &mut PgConn) -> Result<Calendar, DbError> {
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
    conn: &mut PgConn,
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

/// A calendar override as staff list it.
#[derive(Debug, Clone, QueryableByName)]
pub struct Override {
    #[diesel(sql_type = Date)]
    pub day: NaiveDate,
    #[diesel(sql_type = Bool)]
    pub working: bool,
    #[diesel(sql_type = Text)]
    pub reason: String,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub created_by: Option<Uuid>,
    #[diesel(sql_type = Nullable<Text>)]
    pub created_by_name: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// The overrides of days from `from` to `to` (both inclusive, either open), in day order.
pub async fn overrides(
    conn: &mut PgConn,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<Vec<Override>, DbError> {
    Ok(diesel::sql_query(
        "SELECT o.day, o.working, o.reason, o.created_by, s.name AS created_by_name, o.created_at \
         FROM calendar_overrides o LEFT JOIN staff s ON s.id = o.created_by \
         WHERE ($1::date IS NULL OR o.day >= $1) AND ($2::date IS NULL OR o.day <= $2) \
         ORDER BY o.day",
    )
    .bind::<Nullable<Date>, _>(from)
    .bind::<Nullable<Date>, _>(to)
    .load(conn)
    .await?)
}

//! Territorial bans on registration actions (CMU 1450/2021), set by supervisors.

use crate::{DbError, PgConn};
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{Date, Nullable, Text, Uuid as SqlUuid};
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
    #[diesel(sql_type = Nullable<Date>)]
    pub to_date: Option<NaiveDate>,
    #[diesel(sql_type = Text)]
    pub legal_basis: String,
}

pub async fn add_restriction(
    conn: &mut PgConn,
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

pub async fn restrictions(conn: &mut PgConn) -> Result<Vec<Restriction>, DbError> {
    Ok(diesel::sql_query(
        "SELECT id, katottg, from_date, to_date, legal_basis FROM territory_restrictions ORDER BY created_at",
    )
    .load(conn)
    .await?)
}

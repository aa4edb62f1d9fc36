//! DMS staff members and their role-scoped tokens.

use crate::enums::StaffRole;
use crate::{DbError, PgConn};
use diesel::prelude::*;
use diesel::sql_types::{Nullable, Text, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct Staff {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Text)]
    pub role: StaffRole,
    #[diesel(sql_type = Text)]
    pub unit: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub territory: Option<String>,
}

pub async fn add_staff(
    conn: &mut PgConn,
    name: &str,
    role: StaffRole,
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

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
}

/// Store a token (by its hash) for the staff member; its id.
pub async fn add_token(
    conn: &mut PgConn,
    staff_id: Uuid,
    lookup: &str,
    expires_at: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<Uuid, DbError> {
    let row: Id = diesel::sql_query(
        "INSERT INTO staff_tokens (id, lookup, staff_id, expires_at) VALUES ($1, $2, $3, $4) \
         RETURNING id",
    )
    .bind::<SqlUuid, _>(Uuid::now_v7())
    .bind::<Text, _>(lookup)
    .bind::<SqlUuid, _>(staff_id)
    .bind::<diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>, _>(expires_at)
    .get_result(conn)
    .await?;
    Ok(row.id)
}

/// Revoke one live staff token by its id; the staff member it belonged to, or nothing when
/// there is no such live token (unknown or already revoked).
pub async fn revoke_token_by_id(conn: &mut PgConn, id: Uuid) -> Result<Option<Uuid>, DbError> {
    #[derive(QueryableByName)]
    struct Owner {
        #[diesel(sql_type = SqlUuid)]
        staff_id: Uuid,
    }
    let owner: Option<Owner> = diesel::sql_query(
        "UPDATE staff_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL \
         RETURNING staff_id",
    )
    .bind::<SqlUuid, _>(id)
    .get_result(conn)
    .await
    .optional()?;
    Ok(owner.map(|o| o.staff_id))
}

/// Revoke a staff member and every token of theirs.
pub async fn revoke_staff(conn: &mut PgConn, staff_id: Uuid) -> Result<bool, DbError> {
    let n = diesel::sql_query(
        "WITH t AS (UPDATE staff_tokens SET revoked_at = now() WHERE staff_id = $1 AND revoked_at IS NULL) \
         UPDATE staff SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL",
    )
    .bind::<SqlUuid, _>(staff_id)
    .execute(conn)
    .await?;
    Ok(n > 0)
}

pub async fn staff_by_token(conn: &mut PgConn, lookup: &str) -> Result<Option<Staff>, DbError> {
    Ok(diesel::sql_query(
        "SELECT s.id, s.name, s.role, s.unit, s.territory FROM staff_tokens t JOIN staff s ON s.id = t.staff_id \
         WHERE t.lookup = $1 AND t.revoked_at IS NULL AND s.revoked_at IS NULL \
           AND (t.expires_at IS NULL OR t.expires_at > now())",
    )
    .bind::<Text, _>(lookup)
    .get_result(conn)
    .await
    .optional()?)
}

/// A staff member who is not revoked.
pub async fn live_staff_by_id(conn: &mut PgConn, id: Uuid) -> Result<Option<Staff>, DbError> {
    Ok(diesel::sql_query(
        "SELECT id, name, role, unit, territory FROM staff WHERE id = $1 AND revoked_at IS NULL",
    )
    .bind::<SqlUuid, _>(id)
    .get_result(conn)
    .await
    .optional()?)
}

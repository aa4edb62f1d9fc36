//! What a registration body reads of its loads (async, on the pool).

use super::Load;
use crate::schema::bulk_loads as b;
use crate::{DbError, PgConn};
use diesel::sql_types::{Integer, Jsonb, Nullable, Text, Uuid as SqlUuid};
use diesel::{ExpressionMethods, OptionalExtension, QueryDsl, QueryableByName, SelectableHelper};
use diesel_async::RunQueryDsl;
use uuid::Uuid;

/// One of the body's loads.
pub async fn own(conn: &mut PgConn, body: Uuid, id: Uuid) -> Result<Option<Load>, DbError> {
    Ok(b::table
        .filter(b::registration_body_id.eq(body))
        .filter(b::id.eq(id))
        .select(Load::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// One line of a load's results, in line order: its receipt, its problem, or neither yet.
#[derive(Debug, Clone, QueryableByName)]
pub struct ResultLine {
    #[diesel(sql_type = Integer)]
    pub line_no: i32,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    pub done: bool,
    #[diesel(sql_type = Nullable<Jsonb>)]
    pub problem: Option<serde_json::Value>,
    #[diesel(sql_type = Nullable<Text>)]
    pub defect: Option<String>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub action_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<Text>)]
    pub dms_number: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub receipt: Option<String>,
}

/// Results after line `after`, at most `limit`.
pub async fn results(
    conn: &mut PgConn,
    load: &Load,
    after: i32,
    limit: i64,
) -> Result<Vec<ResultLine>, DbError> {
    Ok(diesel::sql_query(
        "SELECT l.line_no, (l.sort_date, l.line_no) <= ($2, $3) AS done, r.problem, l.defect, \
                a.id AS action_id, a.dms_number, c.receipt \
         FROM bulk_load_lines l \
         LEFT JOIN bulk_load_refusals r ON r.load_id = l.load_id AND r.line_no = l.line_no \
         LEFT JOIN registration_actions a ON r.line_no IS NULL \
              AND a.registration_body_id = $4 AND a.external_id = l.external_id \
         LEFT JOIN confirmations c ON c.action_id = a.id \
         WHERE l.load_id = $1 AND l.line_no > $5 ORDER BY l.line_no LIMIT $6",
    )
    .bind::<SqlUuid, _>(load.id)
    .bind::<diesel::sql_types::Date, _>(load.cursor_date)
    .bind::<Integer, _>(load.cursor_line)
    .bind::<SqlUuid, _>(load.registration_body_id)
    .bind::<Integer, _>(after)
    .bind::<diesel::sql_types::BigInt, _>(limit)
    .load(conn)
    .await?)
}

/// A person history shows resident in two communities at once, as DMS staff see it.
#[derive(Debug, Clone, QueryableByName)]
pub struct ConflictRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub id: i64,
    #[diesel(sql_type = SqlUuid)]
    pub load_id: Uuid,
    #[diesel(sql_type = Integer)]
    pub line_no: i32,
    #[diesel(sql_type = SqlUuid)]
    pub person_id: Uuid,
    /// The loaded action that moved the person in.
    #[diesel(sql_type = SqlUuid)]
    pub action_id: Uuid,
    #[diesel(sql_type = Text)]
    pub dms_number: String,
    #[diesel(sql_type = diesel::sql_types::Date)]
    pub action_date: chrono::NaiveDate,
    #[diesel(sql_type = Text)]
    pub registration_body_edrpou: String,
    /// The other community's residence action that stood.
    #[diesel(sql_type = SqlUuid)]
    pub other_action_id: Uuid,
    #[diesel(sql_type = Text)]
    pub other_dms_number: String,
    #[diesel(sql_type = diesel::sql_types::Date)]
    pub other_action_date: chrono::NaiveDate,
    #[diesel(sql_type = Text)]
    pub other_registration_body_edrpou: String,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    pub found_at: chrono::DateTime<chrono::Utc>,
}

/// Conflicts after `after`, oldest first, at most `limit`.
pub async fn conflicts(
    conn: &mut PgConn,
    after: i64,
    limit: i64,
) -> Result<Vec<ConflictRow>, DbError> {
    Ok(diesel::sql_query(
        "SELECT c.id, c.load_id, c.line_no, c.person_id, a.id AS action_id, a.dms_number, \
                a.action_date, ab.edrpou AS registration_body_edrpou, o.id AS other_action_id, \
                o.dms_number AS other_dms_number, o.action_date AS other_action_date, \
                ob.edrpou AS other_registration_body_edrpou, c.found_at \
         FROM bulk_load_conflicts c \
         JOIN registration_actions a ON a.id = c.action_id \
         JOIN registration_bodies ab ON ab.id = a.registration_body_id \
         JOIN registration_actions o ON o.id = c.other_action_id \
         JOIN registration_bodies ob ON ob.id = c.other_body_id \
         WHERE c.id > $1 ORDER BY c.id LIMIT $2",
    )
    .bind::<diesel::sql_types::BigInt, _>(after)
    .bind::<diesel::sql_types::BigInt, _>(limit)
    .load(conn)
    .await?)
}

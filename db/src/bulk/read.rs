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

//! Staff reports: late submissions, daily volumes, overdue answers.

use crate::enums::ReportKind;
use crate::{DbError, PgConn};
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{Date, Nullable, Text};
use diesel_async::RunQueryDsl;

#[derive(Debug, Clone, QueryableByName, serde::Serialize)]
pub struct ReportRow {
    #[diesel(sql_type = Text)]
    pub registration_body_edrpou: String,
    #[diesel(sql_type = Nullable<Date>)]
    pub day: Option<NaiveDate>,
    #[diesel(sql_type = Nullable<Text>)]
    pub action_type: Option<dms_schemas::ActionType>,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub count: i64,
}

/// Reports: `late` (late submissions per body and Kyiv day of receipt), `volumes` (actions per
/// Kyiv day and type), `overdue` (overdue answers per body as of `today`).
pub async fn report(
    conn: &mut PgConn,
    kind: ReportKind,
    from: NaiveDate,
    to: NaiveDate,
    today: NaiveDate,
) -> Result<Vec<ReportRow>, DbError> {
    let sql = match kind {
        ReportKind::Late => "SELECT b.edrpou AS registration_body_edrpou, (a.received_at AT TIME ZONE 'Europe/Kyiv')::date AS day, \
                     NULL::text AS action_type, count(*) AS count \
                   FROM registration_actions a JOIN registration_bodies b ON b.id = a.registration_body_id \
                   WHERE a.late AND (a.received_at AT TIME ZONE 'Europe/Kyiv')::date BETWEEN $1 AND $2 \
                   GROUP BY 1, 2 ORDER BY 2, 1",
        ReportKind::Volumes => "SELECT '' AS registration_body_edrpou, (a.received_at AT TIME ZONE 'Europe/Kyiv')::date AS day, \
                     a.action_type, count(*) AS count FROM registration_actions a \
                   WHERE (a.received_at AT TIME ZONE 'Europe/Kyiv')::date BETWEEN $1 AND $2 \
                   GROUP BY 2, 3 ORDER BY 2, 3",
        ReportKind::Overdue => "SELECT b.edrpou AS registration_body_edrpou, NULL::date AS day, NULL::text AS action_type, \
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

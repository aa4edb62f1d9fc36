//! An action as its own registration body sees it, and the feed gauges for `/metrics`.

use crate::{DbError, PgConn};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Bool, Date, Int8, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use uuid::Uuid;

/// An action as its own registration body may see it (no personal data).
#[derive(Debug, Clone, QueryableByName)]
pub struct ActionView {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Text)]
    pub dms_number: String,
    #[diesel(sql_type = Text)]
    pub external_id: String,
    #[diesel(sql_type = Text)]
    pub action_type: dms_schemas::ActionType,
    #[diesel(sql_type = Date)]
    pub action_date: NaiveDate,
    #[diesel(sql_type = Timestamptz)]
    pub received_at: DateTime<Utc>,
    #[diesel(sql_type = Bool)]
    pub late: bool,
    #[diesel(sql_type = Text)]
    pub receipt: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub feed_state: Option<crate::enums::FeedItemState>,
    #[diesel(sql_type = Nullable<Int8>)]
    pub dataset_seq: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    pub feed_reason: Option<String>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub cancelled_by_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<Text>)]
    pub cancelled_by_number: Option<String>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub cancels_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<Text>)]
    pub cancels_number: Option<String>,
}

/// The action with this id if it belongs to this registration body.
pub async fn view_for_body(
    conn: &mut PgConn,
    id: Uuid,
    body_id: Uuid,
) -> Result<Option<ActionView>, DbError> {
    let rows: Vec<ActionView> = diesel::sql_query(
        "SELECT a.id, a.dms_number, a.external_id, a.action_type, a.action_date, a.received_at, \
                a.late, c.receipt, f.state AS feed_state, f.dataset_seq, f.reason AS feed_reason, \
                x.id AS cancelled_by_id, x.dms_number AS cancelled_by_number, \
                t.id AS cancels_id, t.dms_number AS cancels_number \
         FROM registration_actions a \
         JOIN confirmations c ON c.action_id = a.id \
         LEFT JOIN feed_places f ON f.action_id = a.id \
         LEFT JOIN registration_actions x ON x.cancels_action_id = a.id \
         LEFT JOIN registration_actions t ON t.id = a.cancels_action_id \
         WHERE a.id = $1 AND a.registration_body_id = $2",
    )
    .bind::<SqlUuid, _>(id)
    .bind::<SqlUuid, _>(body_id)
    .load(conn)
    .await?;
    Ok(rows.into_iter().next())
}

#[derive(Debug, Clone, QueryableByName)]
pub struct StateCount {
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = Text)]
    pub state: String,
    #[diesel(sql_type = diesel::sql_types::Double)]
    pub value: f64,
}

/// Gauges of the feed to ЄДДР for `/metrics`: feed items and data sets by state, the age of the
/// oldest pending item, and data sets whose last delivery failed.
pub async fn feed_gauges(conn: &mut PgConn) -> Result<Vec<StateCount>, DbError> {
    Ok(diesel::sql_query(
        "WITH lo AS (SELECT range_xid, range_action_id FROM datasets WHERE range_xid IS NOT NULL \
                     ORDER BY range_xid DESC, range_action_id DESC LIMIT 1) \
         SELECT 'feed_items' AS kind, \
           CASE WHEN f.state = 'pending' AND (f.queued_xid, f.action_id) <= (lo.range_xid, lo.range_action_id) \
             THEN 'in_dataset' ELSE f.state END AS state, count(*)::float8 AS value \
           FROM feed_items f LEFT JOIN lo ON true GROUP BY 2 \
         UNION ALL SELECT 'datasets', state, count(*)::float8 FROM datasets GROUP BY state \
         UNION ALL SELECT 'oldest_pending_age_seconds', 'pending', \
           COALESCE(extract(epoch FROM now() - min(f.received_at)), 0)::float8 \
           FROM feed_items f LEFT JOIN lo ON true WHERE f.state = 'pending' \
             AND ((f.queued_xid, f.action_id) > (lo.range_xid, lo.range_action_id) OR lo.range_xid IS NULL) \
         UNION ALL SELECT 'delivery_failures', 'failing', count(*)::float8 FROM datasets \
           WHERE last_error IS NOT NULL AND state IN ('sealed', 'failed') \
         UNION ALL SELECT 'verification_requests', \
           CASE WHEN due_date < (now() AT TIME ZONE 'Europe/Kyiv')::date THEN 'overdue' ELSE 'open' END, \
           count(*)::float8 FROM verification_requests WHERE answer IS NULL GROUP BY 2",
    )
    .load(conn)
    .await?)
}

/// An action as DMS staff see it: what the body sent, whose it is and where.
#[derive(Debug, Clone, QueryableByName)]
pub struct StaffActionView {
    #[diesel(embed)]
    pub view: ActionView,
    #[diesel(sql_type = diesel::sql_types::Jsonb)]
    pub body: serde_json::Value,
    #[diesel(sql_type = Text)]
    pub registration_body_edrpou: String,
    #[diesel(sql_type = Text)]
    pub registration_body_name: String,
    #[diesel(sql_type = Text)]
    pub registration_body_hromada: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub katottg: Option<String>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub person_id: Option<Uuid>,
    #[diesel(sql_type = Text)]
    pub channel: String,
}

/// Any action with this id, for staff (the caller checks the staff member's territory).
pub async fn view_for_staff(
    conn: &mut PgConn,
    id: Uuid,
) -> Result<Option<StaffActionView>, DbError> {
    let rows: Vec<StaffActionView> = diesel::sql_query(
        "SELECT a.id, a.dms_number, a.external_id, a.action_type, a.action_date, a.received_at, \
                a.late, c.receipt, f.state AS feed_state, f.dataset_seq, f.reason AS feed_reason, \
                x.id AS cancelled_by_id, x.dms_number AS cancelled_by_number, \
                t.id AS cancels_id, t.dms_number AS cancels_number, \
                a.body, b.edrpou AS registration_body_edrpou, b.name AS registration_body_name, \
                b.hromada_katottg AS registration_body_hromada, \
                coalesce(a.katottg, t.katottg) AS katottg, coalesce(a.person_id, t.person_id) AS person_id, \
                a.channel \
         FROM registration_actions a \
         JOIN registration_bodies b ON b.id = a.registration_body_id \
         JOIN confirmations c ON c.action_id = a.id \
         LEFT JOIN feed_places f ON f.action_id = a.id \
         LEFT JOIN registration_actions x ON x.cancels_action_id = a.id \
         LEFT JOIN registration_actions t ON t.id = a.cancels_action_id \
         WHERE a.id = $1",
    )
    .bind::<SqlUuid, _>(id)
    .load(conn)
    .await?;
    Ok(rows.into_iter().next())
}

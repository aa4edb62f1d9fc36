//! Notices to registration bodies (a resident registered elsewhere, a move cancelled),
//! written by the intake transaction and read cursor-paged.

use crate::enums::NoticeKind;
use crate::{DbError, PgConn};
use chrono::NaiveDate;
use diesel::sql_types::{Int8, Nullable, Text, Uuid as SqlUuid};
use diesel::QueryableByName;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

/// A notice to a registration body (e.g. "your resident registered elsewhere").
#[derive(Debug, Clone, QueryableByName)]
pub struct Notice {
    #[diesel(sql_type = Int8)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub kind: NoticeKind,
    #[diesel(sql_type = diesel::sql_types::Date)]
    pub effective_date: NaiveDate,
    #[diesel(sql_type = SqlUuid)]
    pub action_id: Uuid,
    #[diesel(sql_type = Text)]
    pub dms_number: String,
    #[diesel(sql_type = Text)]
    pub action_type: dms_schemas::ActionType,
    /// Who left, and no more: УНЗР when the action had one, names and birth date (see
    /// [`NOTICE_PERSON`]).
    #[diesel(sql_type = Nullable<diesel::sql_types::Jsonb>)]
    pub person: Option<serde_json::Value>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub previous_action_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<Text>)]
    pub previous_dms_number: Option<String>,
}

/// The members of the person a notice names: enough for the previous community to find the
/// person in its register (every register has the names and the birth date; УНЗР, when the
/// action had one, makes the match unambiguous) and nothing else: not the document, РНОКПП, sex,
/// nor anything of the new address.
pub const NOTICE_PERSON: &[&str] = &["unzr", "surname", "given_name", "patronymic", "birth_date"];

/// The id of the body's last notice (0 when it has none): a cursor may not go beyond it.
pub async fn last_notice(conn: &mut PgConn, body_id: Uuid) -> Result<i64, DbError> {
    #[derive(QueryableByName)]
    struct Last {
        #[diesel(sql_type = Int8)]
        id: i64,
    }
    let last: Last = diesel::sql_query(
        "SELECT COALESCE(max(id), 0) AS id FROM notifications WHERE registration_body_id = $1",
    )
    .bind::<SqlUuid, _>(body_id)
    .get_result(conn)
    .await?;
    Ok(last.id)
}

/// The body's notices after `after` (a cursor: a notice id), oldest first. Asking for notices
/// after a cursor acknowledges everything up to it.
pub async fn notices(
    conn: &mut PgConn,
    body_id: Uuid,
    after: i64,
    limit: i64,
) -> Result<Vec<Notice>, DbError> {
    diesel::sql_query(
        "UPDATE registration_bodies SET notifications_acked = GREATEST(notifications_acked, $2) WHERE id = $1",
    )
    .bind::<SqlUuid, _>(body_id)
    .bind::<Int8, _>(after)
    .execute(conn)
    .await?;
    Ok(diesel::sql_query(
        "SELECT n.id, n.kind, n.effective_date, n.action_id, a.dms_number, a.action_type, \
                (SELECT jsonb_object_agg(k, v) FROM jsonb_each(COALESCE(a.body->'person', t.body->'person')) AS e(k, v) \
                 WHERE k = ANY($4)) AS person, \
                n.previous_action_id, p.dms_number AS previous_dms_number \
         FROM notifications n \
         JOIN registration_actions a ON a.id = n.action_id \
         LEFT JOIN registration_actions t ON t.id = a.cancels_action_id \
         LEFT JOIN registration_actions p ON p.id = n.previous_action_id \
         WHERE n.registration_body_id = $1 AND n.id > $2 ORDER BY n.id LIMIT $3",
    )
    .bind::<SqlUuid, _>(body_id)
    .bind::<Int8, _>(after)
    .bind::<Int8, _>(limit)
    .bind::<diesel::sql_types::Array<Text>, _>(NOTICE_PERSON)
    .load(conn)
    .await?)
}

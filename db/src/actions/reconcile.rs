//! What a registration body reads to prove that DMS holds exactly what it sent: its own actions
//! (received in a period, or by `external_id`), cursor-paged, and the `(external_id,
//! body_sha256)` pairs of a period, for a day's digest. Nothing here reads personal data.

use crate::{DbError, PgConn};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::sql_types::{Bool, Bytea, Date, Int8, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel::QueryableByName;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

/// One of the body's actions as its listing shows it.
#[derive(Debug, Clone, QueryableByName)]
pub struct OwnAction {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Text)]
    pub external_id: String,
    #[diesel(sql_type = Text)]
    pub dms_number: String,
    #[diesel(sql_type = Text)]
    pub action_type: dms_schemas::ActionType,
    #[diesel(sql_type = Date)]
    pub action_date: NaiveDate,
    #[diesel(sql_type = Timestamptz)]
    pub received_at: DateTime<Utc>,
    #[diesel(sql_type = Bytea)]
    pub body_sha256: Vec<u8>,
    #[diesel(sql_type = Bool)]
    pub cancelled: bool,
}

/// Which of the body's actions to list.
#[derive(Debug, Clone, Default)]
pub struct OwnFilter {
    pub received_from: Option<DateTime<Utc>>,
    pub received_to: Option<DateTime<Utc>>,
    pub external_id: Option<String>,
    /// Continue after this action (ids are UUIDv7: in order of receipt).
    pub after: Option<Uuid>,
}

/// The body's actions in the order they were received (by id), `limit` at most.
pub async fn own_actions(
    conn: &mut PgConn,
    body_id: Uuid,
    filter: &OwnFilter,
    limit: i64,
) -> Result<Vec<OwnAction>, DbError> {
    Ok(diesel::sql_query(
        "SELECT a.id, a.external_id, a.dms_number, a.action_type, a.action_date, a.received_at, \
                a.body_sha256, \
                EXISTS (SELECT 1 FROM registration_actions x WHERE x.cancels_action_id = a.id) AS cancelled \
         FROM registration_actions a \
         WHERE a.registration_body_id = $1 \
           AND ($2::timestamptz IS NULL OR a.received_at >= $2) \
           AND ($3::timestamptz IS NULL OR a.received_at < $3) \
           AND ($4::text IS NULL OR a.external_id = $4) \
           AND ($5::uuid IS NULL OR a.id > $5) \
         ORDER BY a.id LIMIT $6",
    )
    .bind::<SqlUuid, _>(body_id)
    .bind::<Nullable<Timestamptz>, _>(filter.received_from)
    .bind::<Nullable<Timestamptz>, _>(filter.received_to)
    .bind::<Nullable<Text>, _>(filter.external_id.as_deref())
    .bind::<Nullable<SqlUuid>, _>(filter.after)
    .bind::<Int8, _>(limit)
    .load(conn)
    .await?)
}

/// The `(external_id, body_sha256)` pairs of the body's actions received in `[from, to)`,
/// sorted by `external_id` byte for byte.
#[derive(Debug, Clone, QueryableByName)]
pub struct Pair {
    #[diesel(sql_type = Text)]
    pub external_id: String,
    #[diesel(sql_type = Bytea)]
    pub body_sha256: Vec<u8>,
}

pub async fn pairs(
    conn: &mut PgConn,
    body_id: Uuid,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<Pair>, DbError> {
    Ok(diesel::sql_query(
        "SELECT external_id, body_sha256 FROM registration_actions \
         WHERE registration_body_id = $1 AND received_at >= $2 AND received_at < $3 \
         ORDER BY external_id COLLATE \"C\"",
    )
    .bind::<SqlUuid, _>(body_id)
    .bind::<Timestamptz, _>(from)
    .bind::<Timestamptz, _>(to)
    .load(conn)
    .await?)
}

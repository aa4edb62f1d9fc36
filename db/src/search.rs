//! Staff search of registration actions by the person they are about.

use crate::{DbError, PgConn};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Date, Jsonb, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use uuid::Uuid;

/// What staff may search actions by.
#[derive(Debug, Clone)]
pub enum SearchKey {
    Unzr(String),
    Rnokpp(String),
    Document {
        kind: String,
        number: String,
    },
    SurnameBirth {
        surname: String,
        birth_date: NaiveDate,
    },
}

#[derive(Debug, Clone, QueryableByName)]
pub struct Found {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Text)]
    pub dms_number: String,
    #[diesel(sql_type = Text)]
    pub action_type: dms_schemas::ActionType,
    #[diesel(sql_type = Date)]
    pub action_date: NaiveDate,
    #[diesel(sql_type = Timestamptz)]
    pub received_at: DateTime<Utc>,
    #[diesel(sql_type = Text)]
    pub registration_body_edrpou: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub katottg: Option<String>,
    #[diesel(sql_type = Jsonb)]
    pub body: serde_json::Value,
    /// The person's record (none for a cancellation): their history is listed by it.
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub person_id: Option<Uuid>,
}

/// Actions about the person, newest first (at most `limit`).
pub async fn search(conn: &mut PgConn, key: &SearchKey, limit: i64) -> Result<Vec<Found>, DbError> {
    const SELECT: &str = "SELECT a.id, a.dms_number, a.action_type, a.action_date, a.received_at, \
         b.edrpou AS registration_body_edrpou, a.katottg, a.body, a.person_id \
         FROM registration_actions a JOIN registration_bodies b ON b.id = a.registration_body_id";
    let (filter, texts): (&str, Vec<String>) = match key {
        SearchKey::Unzr(u) => ("JOIN persons p ON p.id = a.person_id WHERE p.unzr = $1", vec![u.clone()]),
        SearchKey::Rnokpp(r) => (
            "WHERE a.body->'person' ? 'rnokpp' AND a.body->'person'->>'rnokpp' = $1",
            vec![r.clone()],
        ),
        SearchKey::Document { kind, number } => (
            "WHERE a.body->'person'->'document'->>'number' = $1 \
               AND a.body->'person'->'document'->>'type' = $2",
            vec![number.clone(), kind.clone()],
        ),
        SearchKey::SurnameBirth { surname, birth_date } => (
            "WHERE lower(a.body->'person'->>'surname') = lower($1) AND a.body->'person'->>'birth_date' = $2",
            vec![surname.clone(), birth_date.to_string()],
        ),
    };
    let mut q = diesel::sql_query(format!(
        "{SELECT} {filter} ORDER BY a.received_at DESC LIMIT ${}",
        texts.len() + 1
    ))
    .into_boxed::<diesel::pg::Pg>();
    for t in texts {
        q = q.bind::<Text, _>(t);
    }
    let q = q.bind::<diesel::sql_types::BigInt, _>(limit);
    Ok(q.load(conn).await?)
}

/// One action in a person's history across communities.
#[derive(Debug, Clone, QueryableByName)]
pub struct HistoryEntry {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Text)]
    pub dms_number: String,
    #[diesel(sql_type = Text)]
    pub action_type: dms_schemas::ActionType,
    #[diesel(sql_type = Date)]
    pub action_date: NaiveDate,
    #[diesel(sql_type = Timestamptz)]
    pub received_at: DateTime<Utc>,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    pub late: bool,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    pub historical: bool,
    #[diesel(sql_type = Text)]
    pub registration_body_edrpou: String,
    #[diesel(sql_type = Text)]
    pub registration_body_name: String,
    /// Where the action was (none for a cancellation: it is where the cancelled one was).
    #[diesel(sql_type = Nullable<Text>)]
    pub katottg: Option<String>,
    /// A cancellation: the action it cancels.
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub cancels_action_id: Option<Uuid>,
    /// The cancellation of this action, if it was cancelled.
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub cancelled_by_id: Option<Uuid>,
    /// A move: the residence action it ended and that action's registration body.
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub previous_action_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<Text>)]
    pub previous_body_edrpou: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub feed_state: Option<crate::enums::FeedItemState>,
    #[diesel(sql_type = Nullable<diesel::sql_types::BigInt>)]
    pub dataset_seq: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    pub feed_reason: Option<String>,
}

/// Whether a person record with this id exists.
pub async fn person_exists(conn: &mut PgConn, id: Uuid) -> Result<bool, DbError> {
    use crate::schema::persons;
    Ok(diesel::select(diesel::dsl::exists(persons::table.find(id)))
        .get_result(conn)
        .await?)
}

/// Every action about the person, and every cancellation of one, in every community: oldest
/// first (by action date, then by receipt).
pub async fn history(conn: &mut PgConn, person_id: Uuid) -> Result<Vec<HistoryEntry>, DbError> {
    Ok(diesel::sql_query(
        "WITH own AS (SELECT id FROM registration_actions WHERE person_id = $1) \
         SELECT a.id, a.dms_number, a.action_type, a.action_date, a.received_at, a.late, \
                a.historical, b.edrpou AS registration_body_edrpou, b.name AS registration_body_name, \
                COALESCE(a.katottg, t.katottg) AS katottg, a.cancels_action_id, \
                x.id AS cancelled_by_id, r.previous_action_id, pb.edrpou AS previous_body_edrpou, \
                f.state AS feed_state, f.dataset_seq, f.reason AS feed_reason \
         FROM registration_actions a \
         JOIN registration_bodies b ON b.id = a.registration_body_id \
         LEFT JOIN registration_actions t ON t.id = a.cancels_action_id \
         LEFT JOIN registration_actions x ON x.cancels_action_id = a.id \
         LEFT JOIN residence_changes r ON r.action_id = a.id \
         LEFT JOIN registration_bodies pb ON pb.id = r.previous_body_id \
         LEFT JOIN feed_places f ON f.action_id = a.id \
         WHERE a.id IN (SELECT id FROM own) OR a.cancels_action_id IN (SELECT id FROM own) \
         ORDER BY a.action_date, a.received_at, a.id",
    )
    .bind::<SqlUuid, _>(person_id)
    .load(conn)
    .await?)
}

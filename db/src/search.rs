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
}

/// Actions about the person, newest first (at most `limit`).
pub async fn search(conn: &mut PgConn, key: &SearchKey, limit: i64) -> Result<Vec<Found>, DbError> {
    const SELECT: &str = "SELECT a.id, a.dms_number, a.action_type, a.action_date, a.received_at, \
         b.edrpou AS registration_body_edrpou, a.katottg, a.body \
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

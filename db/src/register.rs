//! The community register as the body's own officials read it on the web: its actions (filtered,
//! searched, paged), its residents (people whose current residence this body registered) and a
//! person's history here. Every query is scoped to one registration body: a record of another
//! body is never returned.

use crate::enums::FeedItemState;
use crate::notices::{Notice, NOTICE_PERSON};
use crate::{DbError, PgConn};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::sql_types::{Bool, Date, Int8, Jsonb, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel::QueryableByName;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

/// One line of the body's list of actions: enough to recognise it, no more.
#[derive(Debug, Clone, QueryableByName)]
pub struct ActionRow {
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
    #[diesel(sql_type = Bool)]
    pub late: bool,
    /// The person's surname, given name and birth date (none for a cancellation).
    #[diesel(sql_type = Nullable<Text>)]
    pub surname: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub given_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub birth_date: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub feed_state: Option<FeedItemState>,
    #[diesel(sql_type = Bool)]
    pub cancelled: bool,
}

/// What the list of actions is narrowed to; every part optional.
#[derive(Debug, Clone, Default)]
pub struct ActionFilter {
    pub date_from: Option<NaiveDate>,
    pub date_to: Option<NaiveDate>,
    pub action_type: Option<String>,
    /// A feed state, or `cancelled`.
    pub state: Option<String>,
    pub surname: Option<String>,
    pub birth_date: Option<String>,
    pub unzr: Option<String>,
    pub document: Option<String>,
    pub person_id: Option<Uuid>,
}

const ROW: &str = "a.id, a.dms_number, a.action_type, a.action_date, a.received_at, a.late, \
    COALESCE(a.body->'person', t.body->'person')->>'surname' AS surname, \
    COALESCE(a.body->'person', t.body->'person')->>'given_name' AS given_name, \
    COALESCE(a.body->'person', t.body->'person')->>'birth_date' AS birth_date, \
    f.state AS feed_state, \
    EXISTS (SELECT 1 FROM registration_actions x WHERE x.cancels_action_id = a.id) AS cancelled";

/// The narrowing of the body's actions by an [`ActionFilter`] (binds `$1`–`$10`).
const ACTION_WHERE: &str = "a.registration_body_id = $1 \
       AND ($2::date IS NULL OR a.action_date >= $2) \
       AND ($3::date IS NULL OR a.action_date <= $3) \
       AND ($4::text IS NULL OR a.action_type = $4) \
       AND ($5::text IS NULL OR ($5 = 'cancelled' AND EXISTS (SELECT 1 FROM registration_actions x \
            WHERE x.cancels_action_id = a.id)) OR f.state = $5) \
       AND ($6::text IS NULL OR lower(a.body->'person'->>'surname') = lower($6)) \
       AND ($7::text IS NULL OR a.body->'person'->>'birth_date' = $7) \
       AND ($8::text IS NULL OR a.body->'person'->>'unzr' = $8) \
       AND ($9::text IS NULL OR a.body->'person'->'document'->>'number' = $9) \
       AND ($10::uuid IS NULL OR a.person_id = $10 OR t.person_id = $10)";

const ACTION_FROM: &str = "registration_actions a \
     LEFT JOIN registration_actions t ON t.id = a.cancels_action_id \
     LEFT JOIN feed_places f ON f.action_id = a.id";

macro_rules! bind_filter {
    ($query:expr, $body_id:expr, $filter:expr) => {
        $query
            .bind::<SqlUuid, _>($body_id)
            .bind::<Nullable<Date>, _>($filter.date_from)
            .bind::<Nullable<Date>, _>($filter.date_to)
            .bind::<Nullable<Text>, _>($filter.action_type.as_deref())
            .bind::<Nullable<Text>, _>($filter.state.as_deref())
            .bind::<Nullable<Text>, _>($filter.surname.as_deref())
            .bind::<Nullable<Text>, _>($filter.birth_date.as_deref())
            .bind::<Nullable<Text>, _>($filter.unzr.as_deref())
            .bind::<Nullable<Text>, _>($filter.document.as_deref())
            .bind::<Nullable<SqlUuid>, _>($filter.person_id)
    };
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = Int8)]
    n: i64,
}

/// The body's actions, newest first, `limit` from `offset` (an index on the body and the date
/// gives a page without reading the rest).
pub async fn actions(
    conn: &mut PgConn,
    body_id: Uuid,
    filter: &ActionFilter,
    offset: i64,
    limit: i64,
) -> Result<Vec<ActionRow>, DbError> {
    let query = diesel::sql_query(format!(
        "SELECT {ROW} FROM {ACTION_FROM} WHERE {ACTION_WHERE} \
         ORDER BY a.action_date DESC, a.received_at DESC LIMIT $11 OFFSET $12"
    ));
    Ok(bind_filter!(query, body_id, filter)
        .bind::<Int8, _>(limit)
        .bind::<Int8, _>(offset)
        .load(conn)
        .await?)
}

/// How many of the body's actions the filter keeps.
pub async fn count_actions(
    conn: &mut PgConn,
    body_id: Uuid,
    filter: &ActionFilter,
) -> Result<i64, DbError> {
    let query = diesel::sql_query(format!(
        "SELECT count(*) AS n FROM {ACTION_FROM} WHERE {ACTION_WHERE}"
    ));
    let c: Count = bind_filter!(query, body_id, filter)
        .get_result(conn)
        .await?;
    Ok(c.n)
}

/// What an action's own page shows besides its view: the document as sent, the channel and the
/// official or user who performed it, and the person it concerns.
#[derive(Debug, Clone, QueryableByName)]
pub struct ActionDocument {
    #[diesel(sql_type = Jsonb)]
    pub body: serde_json::Value,
    #[diesel(sql_type = Text)]
    pub channel: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub transport_user_id: Option<String>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub person_id: Option<Uuid>,
}

pub async fn action_document(
    conn: &mut PgConn,
    id: Uuid,
    body_id: Uuid,
) -> Result<Option<ActionDocument>, DbError> {
    let rows: Vec<ActionDocument> = diesel::sql_query(
        "SELECT body, channel, transport_user_id, person_id FROM registration_actions \
         WHERE id = $1 AND registration_body_id = $2",
    )
    .bind::<SqlUuid, _>(id)
    .bind::<SqlUuid, _>(body_id)
    .load(conn)
    .await?;
    Ok(rows.into_iter().next())
}

/// The body's own action with this external id (a form already submitted).
pub async fn action_by_external_id(
    conn: &mut PgConn,
    body_id: Uuid,
    external_id: &str,
) -> Result<Option<Uuid>, DbError> {
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = SqlUuid)]
        id: Uuid,
    }
    let rows: Vec<Id> = diesel::sql_query(
        "SELECT id FROM registration_actions WHERE registration_body_id = $1 AND external_id = $2",
    )
    .bind::<SqlUuid, _>(body_id)
    .bind::<Text, _>(external_id)
    .load(conn)
    .await?;
    Ok(rows.into_iter().next().map(|r| r.id))
}

/// A resident: a person whose current residence this body registered, with that action.
#[derive(Debug, Clone, QueryableByName)]
pub struct Resident {
    #[diesel(sql_type = SqlUuid)]
    pub person_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub action_id: Uuid,
    #[diesel(sql_type = Text)]
    pub dms_number: String,
    #[diesel(sql_type = Text)]
    pub action_type: dms_schemas::ActionType,
    #[diesel(sql_type = Date)]
    pub action_date: NaiveDate,
    #[diesel(sql_type = Timestamptz)]
    pub received_at: DateTime<Utc>,
    /// The action's person and address as sent.
    #[diesel(sql_type = Jsonb)]
    pub person: serde_json::Value,
    #[diesel(sql_type = Jsonb)]
    pub address: serde_json::Value,
    /// The signed receipt of that action.
    #[diesel(sql_type = Text)]
    pub receipt: String,
}

const RESIDENT: &str = "p.id AS person_id, a.id AS action_id, a.dms_number, a.action_type, \
    a.action_date, a.received_at, a.body->'person' AS person, a.body->'address' AS address, \
    c.receipt";

/// Residents are read in the order of their registration action's surname and given name
/// (an index on the body and those names gives a page without sorting them all); a surname
/// prefix narrows that range (`$2`: the prefix, lower case).
const RESIDENT_FROM: &str = "registration_actions a \
     JOIN persons p ON p.residence_action_id = a.id AND p.residence_body_id = $1 \
     WHERE a.registration_body_id = $1 \
       AND ($2::text IS NULL OR (lower(a.body->'person'->>'surname') >= $2 \
            AND lower(a.body->'person'->>'surname') < $2 || chr(1114111)))";

/// The body's residents by surname (optionally those whose surname starts so), `limit` from
/// `offset`.
pub async fn residents(
    conn: &mut PgConn,
    body_id: Uuid,
    surname_prefix: Option<&str>,
    offset: i64,
    limit: i64,
) -> Result<Vec<Resident>, DbError> {
    let prefix = surname_prefix.map(str::to_lowercase);
    Ok(diesel::sql_query(format!(
        "SELECT {RESIDENT} FROM (SELECT a.id FROM {RESIDENT_FROM} \
           ORDER BY lower(a.body->'person'->>'surname'), lower(a.body->'person'->>'given_name'), a.id \
           LIMIT $3 OFFSET $4) page \
         JOIN registration_actions a ON a.id = page.id \
         JOIN persons p ON p.residence_action_id = a.id \
         JOIN confirmations c ON c.action_id = a.id \
         ORDER BY lower(a.body->'person'->>'surname'), lower(a.body->'person'->>'given_name'), a.id"
    ))
    .bind::<SqlUuid, _>(body_id)
    .bind::<Nullable<Text>, _>(prefix.as_deref())
    .bind::<Int8, _>(limit)
    .bind::<Int8, _>(offset)
    .load(conn)
    .await?)
}

/// How many residents the body has (whose surname starts so).
pub async fn count_residents(
    conn: &mut PgConn,
    body_id: Uuid,
    surname_prefix: Option<&str>,
) -> Result<i64, DbError> {
    let prefix = surname_prefix.map(str::to_lowercase);
    let c: Count = match prefix {
        None => {
            diesel::sql_query("SELECT count(*) AS n FROM persons WHERE residence_body_id = $1")
                .bind::<SqlUuid, _>(body_id)
                .get_result(conn)
                .await?
        }
        Some(p) => {
            diesel::sql_query(format!("SELECT count(*) AS n FROM {RESIDENT_FROM}"))
                .bind::<SqlUuid, _>(body_id)
                .bind::<Nullable<Text>, _>(Some(p))
                .get_result(conn)
                .await?
        }
    };
    Ok(c.n)
}

/// The person if their current residence is registered by this body.
pub async fn resident(
    conn: &mut PgConn,
    body_id: Uuid,
    person_id: Uuid,
) -> Result<Option<Resident>, DbError> {
    let rows: Vec<Resident> = diesel::sql_query(format!(
        "SELECT {RESIDENT} FROM persons p JOIN registration_actions a ON a.id = p.residence_action_id \
         JOIN confirmations c ON c.action_id = a.id \
         WHERE p.residence_body_id = $1 AND p.id = $2"
    ))
    .bind::<SqlUuid, _>(body_id)
    .bind::<SqlUuid, _>(person_id)
    .load(conn)
    .await?;
    Ok(rows.into_iter().next())
}

/// The body's notices, newest first (reading them on the web moves no API cursor).
pub async fn notices(
    conn: &mut PgConn,
    body_id: Uuid,
    since: Option<DateTime<Utc>>,
    offset: i64,
    limit: i64,
) -> Result<Vec<Notice>, DbError> {
    Ok(diesel::sql_query(
        "SELECT n.id, n.kind, n.effective_date, n.action_id, a.dms_number, a.action_type, \
                (SELECT jsonb_object_agg(k, v) FROM jsonb_each(COALESCE(a.body->'person', t.body->'person')) AS e(k, v) \
                 WHERE k = ANY($5)) AS person, \
                n.previous_action_id, p.dms_number AS previous_dms_number \
         FROM notifications n \
         JOIN registration_actions a ON a.id = n.action_id \
         LEFT JOIN registration_actions t ON t.id = a.cancels_action_id \
         LEFT JOIN registration_actions p ON p.id = n.previous_action_id \
         WHERE n.registration_body_id = $1 AND ($2::timestamptz IS NULL OR n.created_at >= $2) \
         ORDER BY n.id DESC LIMIT $3 OFFSET $4",
    )
    .bind::<SqlUuid, _>(body_id)
    .bind::<Nullable<Timestamptz>, _>(since)
    .bind::<Int8, _>(limit)
    .bind::<Int8, _>(offset)
    .bind::<diesel::sql_types::Array<Text>, _>(NOTICE_PERSON)
    .load(conn)
    .await?)
}

/// The settlements (and city districts) of a territorial community, by name, for the address
/// form.
#[derive(Debug, Clone, QueryableByName)]
pub struct Settlement {
    #[diesel(sql_type = Text)]
    pub code: String,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Text)]
    pub category: String,
}

pub async fn settlements(conn: &mut PgConn, hromada: &str) -> Result<Vec<Settlement>, DbError> {
    Ok(diesel::sql_query(
        "SELECT code, name, category::text AS category FROM katottg \
         WHERE hromada = $1 AND category IN ('K','M','T','X','C','B') ORDER BY name, code",
    )
    .bind::<Text, _>(hromada)
    .load(conn)
    .await?)
}

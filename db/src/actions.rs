//! Registration actions: the intake transaction that makes an action legally complete, the
//! idempotent replay of its receipt, and the action's state as its registration body sees it.
//!
//! Guarantees:
//! - one transaction writes the action, its person, its feed item, its audit row and its
//!   confirmation; nothing is visible unless all of it is;
//! - DMS numbers are unique per year and taken last, after every check, so that concurrent
//!   submissions never wait for one another;
//! - `(registration_body_id, external_id)` is the idempotency key: a retry, even a concurrent
//!   one, gets the stored receipt, never a second action.

use crate::error::unique_violation_on;
use crate::{Conn, DbError};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::result::Error as DieselError;
use diesel::sql_types::{
    Bool, Bytea, Date, Int4, Int8, Jsonb, Nullable, Text, Timestamptz, Uuid as SqlUuid,
};
use diesel::QueryableByName;
use diesel_async::{AsyncConnection, RunQueryDsl};
use uuid::Uuid;

/// How the action reached us.
#[derive(Debug, Clone, Default)]
pub struct Transport {
    /// `token` or `trembita`.
    pub channel: String,
    /// Трембіта client id (`Uxp-Client` / `X-Road-Client`).
    pub client: Option<String>,
    /// `Uxp-QueryID` / `X-Road-Id`.
    pub query_id: Option<String>,
    /// `Uxp-Subject-Id` / `X-Road-UserId`: the official who performed the action.
    pub user_id: Option<String>,
}

/// Reference to the action a cancellation cancels.
#[derive(Debug, Clone)]
pub enum CancelRef {
    DmsNumber(String),
    ActionId(Uuid),
}

/// Everything the intake transaction writes, already validated.
#[derive(Debug, Clone)]
pub struct NewAction {
    pub id: Uuid,
    pub registration_body_id: Uuid,
    pub external_id: String,
    pub action_type: String,
    pub action_date: NaiveDate,
    /// `(person_key, unzr)` for actions about a person.
    pub person: Option<(String, Option<String>)>,
    pub katottg: Option<String>,
    pub cancels: Option<CancelRef>,
    pub body: serde_json::Value,
    pub body_sha256: [u8; 32],
    pub schema_version: String,
    pub received_at: DateTime<Utc>,
    /// The year the DMS number is counted in (Kyiv year of receipt).
    pub number_year: i32,
    pub late: bool,
    pub transport: Transport,
    pub request_id: String,
}

/// What the signer is given to build the receipt: the facts known only inside the transaction.
#[derive(Debug, Clone)]
pub struct Assigned<'a> {
    pub action: &'a NewAction,
    pub dms_number: &'a str,
    /// The id of the cancelled action, resolved from the reference.
    pub cancels_action_id: Option<Uuid>,
}

/// A receipt produced by the signer: key id and compact JWS.
#[derive(Debug, Clone)]
pub struct SignedReceipt {
    pub kid: String,
    pub jws: String,
}

/// A stored action as its receipt describes it.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct Stored {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Text)]
    pub dms_number: String,
    #[diesel(sql_type = Timestamptz)]
    pub received_at: DateTime<Utc>,
    #[diesel(sql_type = Bool)]
    pub late: bool,
    #[diesel(sql_type = Text)]
    pub receipt: String,
}

/// Why a cancellation was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelProblem {
    /// No such action of this registration body.
    NotFound,
    /// A cancellation cannot itself be cancelled.
    IsCancellation,
    AlreadyCancelled,
}

/// The outcome of submitting an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recorded {
    /// Newly stored and confirmed.
    Created(Stored),
    /// The same body was already stored under this external id: here is its receipt.
    Replayed(Stored),
    /// The external id is taken by a different body.
    KeyReused,
    Cancel(CancelProblem),
}

#[derive(QueryableByName)]
struct ExistingRow {
    #[diesel(embed)]
    stored: Stored,
    #[diesel(sql_type = Bool)]
    same_body: bool,
}

/// Look up an earlier submission under the same key, comparing bodies by exact bytes or, failing
/// that, by JSON equality (a client that re-serialises the same document is not punished).
async fn existing(conn: &mut Conn, new: &NewAction) -> Result<Option<Recorded>, DieselError> {
    let rows: Vec<ExistingRow> = diesel::sql_query(
        "SELECT a.id, a.dms_number, a.received_at, a.late, c.receipt, \
                (a.body_sha256 = $3 OR a.body = $4) AS same_body \
         FROM registration_actions a JOIN confirmations c ON c.action_id = a.id \
         WHERE a.registration_body_id = $1 AND a.external_id = $2",
    )
    .bind::<SqlUuid, _>(new.registration_body_id)
    .bind::<Text, _>(&new.external_id)
    .bind::<Bytea, _>(&new.body_sha256[..])
    .bind::<Jsonb, _>(&new.body)
    .load(conn)
    .await?;
    Ok(rows.into_iter().next().map(|r| {
        if r.same_body {
            Recorded::Replayed(r.stored)
        } else {
            Recorded::KeyReused
        }
    }))
}

#[derive(QueryableByName)]
struct TargetRow {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = Text)]
    action_type: String,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    person_id: Option<Uuid>,
    #[diesel(sql_type = Bool)]
    cancelled: bool,
    #[diesel(sql_type = Bool)]
    register_entry: bool,
}

#[derive(QueryableByName)]
struct PersonRow {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = Bool)]
    register_entry: bool,
}

#[derive(QueryableByName)]
struct NumberRow {
    #[diesel(sql_type = Text)]
    dms_number: String,
}

enum Abort {
    Db(DieselError),
    Duplicate,
    Cancel(CancelProblem),
}

impl From<DieselError> for Abort {
    fn from(e: DieselError) -> Self {
        Abort::Db(e)
    }
}

const CANCELS_UNIQUE: &str = "registration_actions_cancels_action_id_key";

/// Store and confirm an action. `sign` builds the receipt from the facts assigned inside the
/// transaction; the receipt is committed with the action before anyone sees it.
pub async fn record(
    conn: &mut Conn,
    new: &NewAction,
    sign: &(dyn Fn(&Assigned<'_>) -> SignedReceipt + Sync),
) -> Result<Recorded, DbError> {
    if let Some(found) = existing(conn, new).await? {
        return Ok(found);
    }
    let outcome = conn
        .transaction(async |conn| -> Result<Stored, Abort> {
            let (person_id, register_entry, cancels_action_id) = match (&new.person, &new.cancels) {
                (Some((key, unzr)), _) => {
                    let p: PersonRow = diesel::sql_query(
                        "INSERT INTO persons (id, person_key, unzr) VALUES ($1, $2, $3) \
                         ON CONFLICT (person_key) DO UPDATE SET updated_at = now() \
                         RETURNING id, register_entry",
                    )
                    .bind::<SqlUuid, _>(Uuid::now_v7())
                    .bind::<Text, _>(key)
                    .bind::<Nullable<Text>, _>(unzr.as_deref())
                    .get_result(conn)
                    .await?;
                    (Some(p.id), p.register_entry, None)
                }
                (None, Some(target)) => {
                    let t = resolve_target(conn, new.registration_body_id, target).await?;
                    (t.person_id, t.register_entry, Some(t.id))
                }
                (None, None) => return Err(Abort::Db(DieselError::NotFound)),
            };
            // Concurrent submissions under one key queue here; the later ones then see the
            // committed action and replay it without taking a DMS number.
            diesel::sql_query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
                .bind::<Text, _>(format!("{}/{}", new.registration_body_id, new.external_id))
                .execute(conn)
                .await?;
            if existing_in_tx(conn, new).await? {
                return Err(Abort::Duplicate);
            }
            let number: Option<NumberRow> = diesel::sql_query(
                "INSERT INTO registration_actions (id, registration_body_id, external_id, \
                   action_type, action_date, person_id, katottg, cancels_action_id, body, \
                   body_sha256, schema_version, received_at, dms_number, late, channel, \
                   transport_client, transport_query_id, transport_user_id, request_id) \
                 VALUES ($2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, \
                   next_dms_number($1), $14, $15, $16, $17, $18, $19) \
                 ON CONFLICT (registration_body_id, external_id) DO NOTHING \
                 RETURNING dms_number",
            )
            .bind::<Int4, _>(new.number_year)
            .bind::<SqlUuid, _>(new.id)
            .bind::<SqlUuid, _>(new.registration_body_id)
            .bind::<Text, _>(&new.external_id)
            .bind::<Text, _>(&new.action_type)
            .bind::<Date, _>(new.action_date)
            .bind::<Nullable<SqlUuid>, _>(if new.person.is_some() { person_id } else { None })
            .bind::<Nullable<Text>, _>(new.katottg.as_deref())
            .bind::<Nullable<SqlUuid>, _>(cancels_action_id)
            .bind::<Jsonb, _>(&new.body)
            .bind::<Bytea, _>(&new.body_sha256[..])
            .bind::<Text, _>(&new.schema_version)
            .bind::<Timestamptz, _>(new.received_at)
            .bind::<Bool, _>(new.late)
            .bind::<Text, _>(&new.transport.channel)
            .bind::<Nullable<Text>, _>(new.transport.client.as_deref())
            .bind::<Nullable<Text>, _>(new.transport.query_id.as_deref())
            .bind::<Nullable<Text>, _>(new.transport.user_id.as_deref())
            .bind::<Text, _>(&new.request_id)
            .get_result(conn)
            .await
            .map(Some)
            .or_else(|e| match e {
                DieselError::NotFound => Ok(None),
                e if unique_violation_on(&e, CANCELS_UNIQUE) => {
                    Err(Abort::Cancel(CancelProblem::AlreadyCancelled))
                }
                e => Err(Abort::Db(e)),
            })?;
            let Some(NumberRow { dms_number }) = number else {
                return Err(Abort::Duplicate);
            };
            let receipt = sign(&Assigned {
                action: new,
                dms_number: &dms_number,
                cancels_action_id,
            });
            let feed_state = if register_entry { "pending" } else { "held" };
            diesel::sql_query(
                "WITH c AS (INSERT INTO confirmations (action_id, kid, receipt) VALUES ($1, $2, $3)), \
                      f AS (INSERT INTO feed_items (action_id, person_id, state) VALUES ($1, $4, $5)) \
                 INSERT INTO audit_log (actor_kind, actor_id, channel, event, target, request_id, details) \
                 VALUES ('registration_body', $6::text, $7, 'registration_action.create', $1::text, $8, \
                         jsonb_build_object('dms_number', $9::text, 'action_type', $10::text))",
            )
            .bind::<SqlUuid, _>(new.id)
            .bind::<Text, _>(&receipt.kid)
            .bind::<Text, _>(&receipt.jws)
            .bind::<Nullable<SqlUuid>, _>(person_id)
            .bind::<Text, _>(feed_state)
            .bind::<Text, _>(new.registration_body_id.to_string())
            .bind::<Text, _>(&new.transport.channel)
            .bind::<Text, _>(&new.request_id)
            .bind::<Text, _>(&dms_number)
            .bind::<Text, _>(&new.action_type)
            .execute(conn)
            .await?;
            Ok(Stored {
                id: new.id,
                dms_number,
                received_at: new.received_at,
                late: new.late,
                receipt: receipt.jws,
            })
        })
        .await;
    match outcome {
        Ok(stored) => Ok(Recorded::Created(stored)),
        Err(Abort::Cancel(p)) => Ok(Recorded::Cancel(p)),
        // Lost the race to a concurrent submission of the same key: answer with its receipt.
        Err(Abort::Duplicate) => existing(conn, new)
            .await?
            .ok_or_else(|| DbError::Query(DieselError::NotFound)),
        Err(Abort::Db(e)) => Err(DbError::Query(e)),
    }
}

#[derive(QueryableByName)]
struct Found {
    #[diesel(sql_type = Bool)]
    found: bool,
}

async fn existing_in_tx(conn: &mut Conn, new: &NewAction) -> Result<bool, DieselError> {
    let row: Found = diesel::sql_query(
        "SELECT EXISTS (SELECT 1 FROM registration_actions \
                        WHERE registration_body_id = $1 AND external_id = $2) AS found",
    )
    .bind::<SqlUuid, _>(new.registration_body_id)
    .bind::<Text, _>(&new.external_id)
    .get_result(conn)
    .await?;
    Ok(row.found)
}

async fn resolve_target(
    conn: &mut Conn,
    body_id: Uuid,
    target: &CancelRef,
) -> Result<TargetRow, Abort> {
    let (by_number, by_id) = match target {
        CancelRef::DmsNumber(n) => (Some(n.as_str()), None),
        CancelRef::ActionId(id) => (None, Some(*id)),
    };
    let row: Option<TargetRow> = diesel::sql_query(
        "SELECT a.id, a.action_type, a.person_id, \
                EXISTS (SELECT 1 FROM registration_actions x WHERE x.cancels_action_id = a.id) AS cancelled, \
                COALESCE(p.register_entry, false) AS register_entry \
         FROM registration_actions a LEFT JOIN persons p ON p.id = a.person_id \
         WHERE a.registration_body_id = $1 AND (a.dms_number = $2 OR a.id = $3)",
    )
    .bind::<SqlUuid, _>(body_id)
    .bind::<Nullable<Text>, _>(by_number)
    .bind::<Nullable<SqlUuid>, _>(by_id)
    .load(conn)
    .await?
    .into_iter()
    .next();
    let t = row.ok_or(Abort::Cancel(CancelProblem::NotFound))?;
    if t.action_type == "cancellation" {
        return Err(Abort::Cancel(CancelProblem::IsCancellation));
    }
    if t.cancelled {
        return Err(Abort::Cancel(CancelProblem::AlreadyCancelled));
    }
    Ok(t)
}

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
    pub action_type: String,
    #[diesel(sql_type = Date)]
    pub action_date: NaiveDate,
    #[diesel(sql_type = Timestamptz)]
    pub received_at: DateTime<Utc>,
    #[diesel(sql_type = Bool)]
    pub late: bool,
    #[diesel(sql_type = Text)]
    pub receipt: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub feed_state: Option<String>,
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
    conn: &mut Conn,
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
         LEFT JOIN feed_items f ON f.action_id = a.id \
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

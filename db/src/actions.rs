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
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use diesel::sql_types::{Bool, Date, Int8, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel::QueryableByName;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
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
    /// The address's КАТОТТГ and every territory above it (for territorial bans).
    pub territory_path: Vec<String>,
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
    /// The address lies in a territory where registration actions are banned on that date.
    Restricted {
        legal_basis: String,
    },
}

mod sql {
    diesel::define_sql_function! {
        /// Transaction-scoped advisory lock (returns void; only ever executed).
        fn pg_advisory_xact_lock(key: diesel::sql_types::BigInt) -> diesel::sql_types::Integer;
    }
    diesel::define_sql_function! {
        fn hashtextextended(t: diesel::sql_types::Text, seed: diesel::sql_types::BigInt) -> diesel::sql_types::BigInt;
    }
    diesel::define_sql_function! {
        /// The next DMS number of a year (migrations: one sequence per year).
        fn next_dms_number(year: diesel::sql_types::Integer) -> diesel::sql_types::Text;
    }
}

/// Look up an earlier submission under the same key, comparing bodies by exact bytes or, failing
/// that, by JSON equality (a client that re-serialises the same document is not punished).
async fn existing(conn: &mut Conn, new: &NewAction) -> Result<Option<Recorded>, DieselError> {
    use crate::schema::{confirmations as c, registration_actions as a};
    let row: Option<(Uuid, String, DateTime<Utc>, bool, String, bool)> = a::table
        .inner_join(c::table)
        .filter(a::registration_body_id.eq(new.registration_body_id))
        .filter(a::external_id.eq(&new.external_id))
        .select((
            a::id,
            a::dms_number,
            a::received_at,
            a::late,
            c::receipt,
            a::body_sha256
                .eq(&new.body_sha256[..])
                .or(a::body.eq(&new.body)),
        ))
        .first(conn)
        .await
        .optional()?;
    Ok(
        row.map(|(id, dms_number, received_at, late, receipt, same_body)| {
            if same_body {
                Recorded::Replayed(Stored {
                    id,
                    dms_number,
                    received_at,
                    late,
                    receipt,
                })
            } else {
                Recorded::KeyReused
            }
        }),
    )
}

/// id, action type, person, person's register entry, already cancelled.
type TargetRow = (Uuid, String, Option<Uuid>, Option<bool>, bool);

struct Target {
    id: Uuid,
    person_id: Option<Uuid>,
    register_entry: bool,
}

enum Abort {
    Db(DieselError),
    Duplicate,
    Cancel(CancelProblem),
    Restricted(String),
}

impl From<DieselError> for Abort {
    fn from(e: DieselError) -> Self {
        Abort::Db(e)
    }
}

const CANCELS_UNIQUE: &str = "registration_actions_cancels_action_id_key";

/// Store and confirm an action. `sign` builds the receipt from the facts assigned inside the
/// transaction; the receipt is committed with the action before anyone sees it.
///
/// Statements that do not depend on one another are pipelined (sent together, executed in
/// order), and every statement is a cacheable prepared statement.
pub async fn record(
    conn: &mut Conn,
    new: &NewAction,
    sign: &(dyn Fn(&Assigned<'_>) -> SignedReceipt + Sync),
) -> Result<Recorded, DbError> {
    use crate::schema::{
        audit_log, confirmations, feed_items, persons, registration_actions as a,
        territory_restrictions as tr,
    };
    let outcome = conn
        .transaction(async |conn| -> Result<Stored, Abort> {
            let shared: &AsyncPgConnection = conn;
            // The person's current residence as known before this action.
            let mut residence: (Option<Uuid>, Option<Uuid>) = (None, None);
            // Concurrent submissions under one key queue on the lock; the later ones then see
            // the committed action (each statement takes a fresh snapshot) and replay it.
            let key = format!("{}/{}", new.registration_body_id, new.external_id);
            let lock = diesel::select(sql::pg_advisory_xact_lock(sql::hashtextextended(key, 0i64)))
                .execute(&mut &*shared);
            let taken = diesel::select(diesel::dsl::exists(
                a::table
                    .filter(a::registration_body_id.eq(new.registration_body_id))
                    .filter(a::external_id.eq(&new.external_id)),
            ))
            .get_result::<bool>(&mut &*shared);
            let (person_id, register_entry, cancels_action_id) = match (&new.person, &new.cancels) {
                (Some((key, unzr)), _) => {
                    let upsert = diesel::insert_into(persons::table)
                        .values((
                            persons::id.eq(Uuid::now_v7()),
                            persons::person_key.eq(key),
                            persons::unzr.eq(unzr.as_deref()),
                        ))
                        .on_conflict(persons::person_key)
                        .do_update()
                        .set(persons::updated_at.eq(diesel::dsl::now))
                        .returning((
                            persons::id,
                            persons::register_entry,
                            persons::residence_action_id,
                            persons::residence_body_id,
                        ))
                        .get_result::<PersonRow>(&mut &*shared);
                    let ban = tr::table
                        .filter(tr::katottg.eq_any(&new.territory_path))
                        .filter(tr::from_date.le(new.action_date))
                        .filter(tr::to_date.is_null().or(tr::to_date.ge(new.action_date)))
                        .order(tr::from_date)
                        .select(tr::legal_basis)
                        .limit(1)
                        .load::<String>(&mut &*shared);
                    let (_, taken, (id, entry, res_action, res_body), bans) =
                        futures_util::try_join!(lock, taken, upsert, ban)?;
                    if taken {
                        return Err(Abort::Duplicate);
                    }
                    if let Some(legal_basis) = bans.into_iter().next() {
                        return Err(Abort::Restricted(legal_basis));
                    }
                    residence = (res_action, res_body);
                    (Some(id), entry, None)
                }
                (None, Some(target)) => {
                    let resolve = resolve_target(shared, new.registration_body_id, target);
                    let (_, taken, resolved) = futures_util::try_join!(lock, taken, resolve)?;
                    if taken {
                        return Err(Abort::Duplicate);
                    }
                    let t = resolved.map_err(Abort::Cancel)?;
                    (t.person_id, t.register_entry, Some(t.id))
                }
                (None, None) => return Err(Abort::Db(DieselError::NotFound)),
            };
            let dms_number: String = diesel::insert_into(a::table)
                .values((
                    a::id.eq(new.id),
                    a::registration_body_id.eq(new.registration_body_id),
                    a::external_id.eq(&new.external_id),
                    a::action_type.eq(&new.action_type),
                    a::action_date.eq(new.action_date),
                    a::person_id.eq(if new.person.is_some() {
                        person_id
                    } else {
                        None
                    }),
                    a::katottg.eq(new.katottg.as_deref()),
                    a::cancels_action_id.eq(cancels_action_id),
                    a::body.eq(&new.body),
                    a::body_sha256.eq(&new.body_sha256[..]),
                    a::schema_version.eq(&new.schema_version),
                    a::received_at.eq(new.received_at),
                    a::dms_number.eq(sql::next_dms_number(new.number_year)),
                    a::late.eq(new.late),
                    a::channel.eq(&new.transport.channel),
                    a::transport_client.eq(new.transport.client.as_deref()),
                    a::transport_query_id.eq(new.transport.query_id.as_deref()),
                    a::transport_user_id.eq(new.transport.user_id.as_deref()),
                    a::request_id.eq(&new.request_id),
                ))
                .returning(a::dms_number)
                .get_result(conn)
                .await
                .map_err(|e| {
                    if unique_violation_on(&e, CANCELS_UNIQUE) {
                        Abort::Cancel(CancelProblem::AlreadyCancelled)
                    } else {
                        Abort::Db(e)
                    }
                })?;
            let receipt = sign(&Assigned {
                action: new,
                dms_number: &dms_number,
                cancels_action_id,
            });
            let shared: &AsyncPgConnection = conn;
            let confirmation = diesel::insert_into(confirmations::table)
                .values((
                    confirmations::action_id.eq(new.id),
                    confirmations::kid.eq(&receipt.kid),
                    confirmations::receipt.eq(&receipt.jws),
                ))
                .execute(&mut &*shared);
            let feed = diesel::insert_into(feed_items::table)
                .values((
                    feed_items::action_id.eq(new.id),
                    feed_items::person_id.eq(person_id),
                    feed_items::received_at.eq(new.received_at),
                    feed_items::state.eq(if register_entry { "pending" } else { "held" }),
                ))
                .execute(&mut &*shared);
            let audit = diesel::insert_into(audit_log::table)
                .values((
                    audit_log::actor_kind.eq("registration_body"),
                    audit_log::actor_id.eq(new.registration_body_id.to_string()),
                    audit_log::channel.eq(&new.transport.channel),
                    audit_log::event.eq("registration_action.create"),
                    audit_log::target.eq(new.id.to_string()),
                    audit_log::request_id.eq(&new.request_id),
                    audit_log::details.eq(serde_json::json!({
                        "dms_number": dms_number,
                        "action_type": new.action_type,
                    })),
                ))
                .execute(&mut &*shared);
            let mut writes: Vec<Write<'_>> =
                vec![Box::pin(confirmation), Box::pin(feed), Box::pin(audit)];
            writes.extend(residence_writes(
                shared,
                new,
                person_id,
                residence,
                cancels_action_id,
            ));
            futures_util::future::try_join_all(writes).await?;
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
        Err(Abort::Restricted(legal_basis)) => Ok(Recorded::Restricted { legal_basis }),
        // Already stored under this key (a retry, or a concurrent duplicate that won).
        Err(Abort::Duplicate) => existing(conn, new)
            .await?
            .ok_or_else(|| DbError::Query(DieselError::NotFound)),
        Err(Abort::Db(e)) => Err(DbError::Query(e)),
    }
}

/// Columns of the person as the upsert returns them.
type PersonRow = (Uuid, bool, Option<Uuid>, Option<Uuid>);

type Write<'a> =
    std::pin::Pin<Box<dyn std::future::Future<Output = QueryResult<usize>> + Send + 'a>>;

/// Moves between communities. A declaration or registration of residence becomes the person's
/// current residence; if the previous one was in another community, that registration body is
/// notified (in this transaction, so exactly once). A deregistration of residence by the current
/// community clears it. A cancellation restores what the cancelled action replaced, and tells the
/// community it had been taken from.
fn residence_writes<'a>(
    conn: &'a AsyncPgConnection,
    new: &'a NewAction,
    person_id: Option<Uuid>,
    (previous_action, previous_body): (Option<Uuid>, Option<Uuid>),
    cancels_action_id: Option<Uuid>,
) -> Vec<Write<'a>> {
    use crate::schema::{notifications as n, persons, residence_changes as rc};
    let mut writes: Vec<Write<'a>> = Vec::new();
    let kind = new.action_type.as_str();
    if let (Some(target), "cancellation") = (cancels_action_id, kind) {
        writes.push(Box::pin(
            diesel::sql_query(
                "WITH c AS (SELECT * FROM residence_changes WHERE action_id = $1), \
                      u AS (UPDATE persons p SET residence_action_id = c.previous_action_id, \
                              residence_body_id = c.previous_body_id, updated_at = now() \
                            FROM c WHERE p.id = c.person_id AND p.residence_action_id = $1 \
                            RETURNING c.previous_body_id AS body, c.previous_action_id AS previous) \
                 INSERT INTO notifications (registration_body_id, kind, action_id, previous_action_id, effective_date) \
                 SELECT body, 'move_cancelled', $2, previous, $3 FROM u \
                 WHERE body IS NOT NULL AND body <> $4",
            )
            .bind::<SqlUuid, _>(target)
            .bind::<SqlUuid, _>(new.id)
            .bind::<Date, _>(new.action_date)
            .bind::<SqlUuid, _>(new.registration_body_id)
            .execute(&mut &*conn),
        ));
        return writes;
    }
    let Some(person) = person_id else {
        return writes;
    };
    let moves_in = matches!(
        kind,
        "declaration_of_residence" | "registration_of_residence"
    );
    let moves_out =
        kind == "deregistration_of_residence" && previous_body == Some(new.registration_body_id);
    if !(moves_in || moves_out) {
        return writes;
    }
    writes.push(Box::pin(
        diesel::insert_into(rc::table)
            .values((
                rc::action_id.eq(new.id),
                rc::person_id.eq(person),
                rc::previous_action_id.eq(previous_action),
                rc::previous_body_id.eq(previous_body),
            ))
            .execute(&mut &*conn),
    ));
    let (action, body) = if moves_in {
        (Some(new.id), Some(new.registration_body_id))
    } else {
        (None, None)
    };
    writes.push(Box::pin(
        diesel::update(persons::table.find(person))
            .set((
                persons::residence_action_id.eq(action),
                persons::residence_body_id.eq(body),
                persons::updated_at.eq(diesel::dsl::now),
            ))
            .execute(&mut &*conn),
    ));
    if let (true, Some(previous)) = (moves_in, previous_body) {
        if previous != new.registration_body_id {
            writes.push(Box::pin(
                diesel::insert_into(n::table)
                    .values((
                        n::registration_body_id.eq(previous),
                        n::kind.eq("resident_registered_elsewhere"),
                        n::action_id.eq(new.id),
                        n::previous_action_id.eq(previous_action),
                        n::effective_date.eq(new.action_date),
                    ))
                    .execute(&mut &*conn),
            ));
        }
    }
    writes
}

/// Resolve a cancellation's target among the caller's own actions.
async fn resolve_target(
    conn: &AsyncPgConnection,
    body_id: Uuid,
    target: &CancelRef,
) -> Result<Result<Target, CancelProblem>, DieselError> {
    use crate::schema::{persons, registration_actions as a};
    let cancelled_by = diesel::alias!(crate::schema::registration_actions as cancelled_by);
    let query = a::table
        .left_join(persons::table)
        .filter(a::registration_body_id.eq(body_id))
        .select((
            a::id,
            a::action_type,
            a::person_id,
            persons::register_entry.nullable(),
            diesel::dsl::exists(
                cancelled_by.filter(
                    cancelled_by
                        .field(a::cancels_action_id)
                        .eq(a::id.nullable()),
                ),
            ),
        ))
        .into_boxed();
    let query = match target {
        CancelRef::DmsNumber(n) => query.filter(a::dms_number.eq(n.clone())),
        CancelRef::ActionId(id) => query.filter(a::id.eq(*id)),
    };
    let row: Option<TargetRow> = query.first(&mut &*conn).await.optional()?;
    Ok(match row {
        None => Err(CancelProblem::NotFound),
        Some((_, kind, ..)) if kind == "cancellation" => Err(CancelProblem::IsCancellation),
        Some((.., true)) => Err(CancelProblem::AlreadyCancelled),
        Some((id, _, person_id, entry, false)) => Ok(Target {
            id,
            person_id,
            register_entry: entry.unwrap_or(false),
        }),
    })
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
pub async fn feed_gauges(conn: &mut Conn) -> Result<Vec<StateCount>, DbError> {
    Ok(diesel::sql_query(
        "SELECT 'feed_items' AS kind, state, count(*)::float8 AS value FROM feed_items GROUP BY state \
         UNION ALL SELECT 'datasets', state, count(*)::float8 FROM datasets GROUP BY state \
         UNION ALL SELECT 'oldest_pending_age_seconds', 'pending', \
           COALESCE(extract(epoch FROM now() - min(received_at)), 0)::float8 \
           FROM feed_items WHERE state = 'pending' \
         UNION ALL SELECT 'delivery_failures', 'failing', count(*)::float8 FROM datasets \
           WHERE last_error IS NOT NULL AND state IN ('sealed', 'failed') \
         UNION ALL SELECT 'verification_requests', \
           CASE WHEN due_date < (now() AT TIME ZONE 'Europe/Kyiv')::date THEN 'overdue' ELSE 'open' END, \
           count(*)::float8 FROM verification_requests WHERE answer IS NULL GROUP BY 2",
    )
    .load(conn)
    .await?)
}

/// A notice to a registration body (e.g. "your resident registered elsewhere").
#[derive(Debug, Clone, QueryableByName)]
pub struct Notice {
    #[diesel(sql_type = Int8)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = diesel::sql_types::Date)]
    pub effective_date: NaiveDate,
    #[diesel(sql_type = SqlUuid)]
    pub action_id: Uuid,
    #[diesel(sql_type = Text)]
    pub dms_number: String,
    #[diesel(sql_type = Text)]
    pub action_type: String,
    #[diesel(sql_type = Text)]
    pub registration_body_edrpou: String,
    #[diesel(sql_type = Nullable<diesel::sql_types::Jsonb>)]
    pub person: Option<serde_json::Value>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub previous_action_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<Text>)]
    pub previous_dms_number: Option<String>,
}

/// The body's notices after `after` (a cursor: a notice id), oldest first. Asking for notices
/// after a cursor acknowledges everything up to it.
pub async fn notices(
    conn: &mut Conn,
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
                b.edrpou AS registration_body_edrpou, \
                COALESCE(a.body->'person', t.body->'person') AS person, \
                n.previous_action_id, p.dms_number AS previous_dms_number \
         FROM notifications n \
         JOIN registration_actions a ON a.id = n.action_id \
         JOIN registration_bodies b ON b.id = a.registration_body_id \
         LEFT JOIN registration_actions t ON t.id = a.cancels_action_id \
         LEFT JOIN registration_actions p ON p.id = n.previous_action_id \
         WHERE n.registration_body_id = $1 AND n.id > $2 ORDER BY n.id LIMIT $3",
    )
    .bind::<SqlUuid, _>(body_id)
    .bind::<Int8, _>(after)
    .bind::<Int8, _>(limit)
    .load(conn)
    .await?)
}

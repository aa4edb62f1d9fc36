//! The intake transaction: idempotency under a per-key lock, territorial bans, the person,
//! the action with its DMS number, the confirmation, the feed item and the audit row.

use super::residence::{residence_writes, PersonRow, Write};
use super::*;
use crate::error::unique_violation_on;
use crate::{DbError, PgConn};
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

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
async fn existing(conn: &mut PgConn, new: &NewAction) -> Result<Option<Recorded>, DieselError> {
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
type TargetRow = (
    Uuid,
    dms_schemas::ActionType,
    Option<Uuid>,
    Option<bool>,
    bool,
);

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
    conn: &mut PgConn,
    new: &NewAction,
    sign: &(dyn Fn(&Assigned<'_>) -> SignedReceipt + Sync),
) -> Result<Recorded, DbError> {
    use crate::schema::{
        audit_log, confirmations, feed_items, persons, registration_actions as a,
        territory_restriction_ends as tre, territory_restrictions as tr,
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
                    // A ban ended early lasts until its end's last day (never later than
                    // its own `to_date`).
                    let ban = tr::table
                        .left_join(tre::table)
                        .filter(tr::katottg.eq_any(&new.territory_path))
                        .filter(tr::from_date.le(new.action_date))
                        .filter(
                            tre::last_day.ge(new.action_date).or(tre::last_day
                                .is_null()
                                .and(tr::to_date.is_null().or(tr::to_date.ge(new.action_date)))),
                        )
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
                    a::action_type.eq(new.action_type),
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
                    // The official who performed it, when the channel names one (the web's
                    // login, Трембіта's Uxp-Subject-Id).
                    audit_log::details.eq(serde_json::json!({
                        "dms_number": dms_number,
                        "action_type": new.action_type,
                        "user": new.transport.user_id,
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
        Some((_, dms_schemas::ActionType::Cancellation, ..)) => Err(CancelProblem::IsCancellation),
        Some((.., true)) => Err(CancelProblem::AlreadyCancelled),
        Some((id, _, person_id, entry, false)) => Ok(Target {
            id,
            person_id,
            register_entry: entry.unwrap_or(false),
        }),
    })
}

//! The intake transaction: idempotency under a per-key lock, territorial bans, the person,
//! the action with its DMS number, the confirmation, the feed item and the audit row.

use super::residence::{residence_move, Move};
use super::statements::{Close, Lock, OpenCancellation, OpenPerson, RestoreResidence};
use super::*;
use crate::error::unique_violation_on;
use crate::prepared::{queue, Begin, Bind, Commit, Manual, Statement};
use crate::{DbError, PgConn};
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use futures_util::future::maybe_done;
use std::future::Future;
use std::pin::pin;

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

/// What the opening statement decided.
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

/// The action is stored with its number; what closing it needs to know.
struct Opened {
    dms_number: String,
    person_id: Option<Uuid>,
    register_entry: bool,
    cancels_action_id: Option<Uuid>,
    residence_move: Option<Move>,
}

const CANCELS_UNIQUE: &str = "registration_actions_cancels_action_id_key";

/// Store and confirm an action. `sign` builds the receipt from the facts assigned inside the
/// transaction; the receipt is committed with the action before anyone sees it.
///
/// Two round trips: `BEGIN`, the idempotency lock and the statement that checks and stores the
/// action go together; then the statement that writes the rest goes with `COMMIT`. A refusal
/// (a retry, a ban, a cancellation that cannot be made) rolls back instead.
pub async fn record(
    conn: &mut PgConn,
    new: &NewAction,
    sign: &(dyn Fn(&Assigned<'_>) -> SignedReceipt + Sync),
) -> Result<Recorded, DbError> {
    Manual::open(conn)?;
    let opened = match open(conn, new).await {
        Ok(opened) => opened,
        Err(abort) => {
            Manual::rollback(conn).await?;
            return match abort {
                Abort::Cancel(p) => Ok(Recorded::Cancel(p)),
                Abort::Restricted(legal_basis) => Ok(Recorded::Restricted { legal_basis }),
                // Already stored under this key (a retry, or a concurrent duplicate that won).
                Abort::Duplicate => existing(conn, new)
                    .await?
                    .ok_or(DbError::Query(DieselError::NotFound)),
                Abort::Db(e) => Err(DbError::Query(e)),
            };
        }
    };
    let receipt = sign(&Assigned {
        action: new,
        dms_number: &opened.dms_number,
        cancels_action_id: opened.cancels_action_id,
    });
    let details = serde_json::json!({
        "dms_number": opened.dms_number,
        "action_type": new.action_type,
        // The official who performed it, when the channel names one (the web's login,
        // Трембіта's Uxp-Subject-Id).
        "user": new.transport.user_id,
    });
    let (body, id) = (new.registration_body_id.to_string(), new.id.to_string());
    let moved = opened.residence_move;
    let close = Statement::<Close>::new(vec![
        Bind::Uuid(Some(new.id)),
        Bind::Text(Some(&receipt.kid)),
        Bind::Text(Some(&receipt.jws)),
        Bind::Uuid(opened.person_id),
        Bind::Timestamptz(new.received_at),
        Bind::Text(Some(if opened.register_entry {
            "pending"
        } else {
            "held"
        })),
        Bind::Text(Some(&body)),
        Bind::Text(Some(&new.transport.channel)),
        Bind::Text(Some(&id)),
        Bind::Text(Some(&new.request_id)),
        Bind::Jsonb(&details),
        Bind::Bool(moved.is_some()),
        Bind::Uuid(moved.and_then(|m| m.previous_action)),
        Bind::Uuid(moved.and_then(|m| m.previous_body)),
        Bind::Uuid(moved.and_then(|m| m.action)),
        Bind::Uuid(moved.and_then(|m| m.body)),
        Bind::Bool(moved.is_some_and(|m| m.notify_previous)),
        Bind::Date(new.action_date),
    ]);
    let restore = opened.cancels_action_id.map(|target| {
        Statement::<RestoreResidence>::new(vec![
            Bind::Uuid(Some(target)),
            Bind::Uuid(Some(new.id)),
            Bind::Date(new.action_date),
            Bind::Uuid(Some(new.registration_body_id)),
        ])
    });
    let commit = Statement::<Commit>::new(Vec::new());
    let written = {
        let shared: &AsyncPgConnection = conn;
        let restored = async {
            match &restore {
                Some(statement) => statement.execute(&mut &*shared).await.map(|_| ()),
                None => Ok(()),
            }
        };
        let mut closing = pin!(maybe_done(close.execute(&mut &*shared)));
        let mut restoring = pin!(maybe_done(restored));
        let mut early = queue(closing.as_mut()).await.err();
        if early.is_none() {
            early = queue(restoring.as_mut()).await.err();
        }
        match early {
            // A write that never reached the server: no COMMIT may follow it.
            Some(e) => Err(e),
            None => {
                // Every statement is answered before anything is decided: a failed write
                // makes PostgreSQL answer the `COMMIT` with a rollback.
                let ((), (), committed) = futures_util::join!(
                    closing.as_mut(),
                    restoring.as_mut(),
                    commit.execute(&mut &*shared),
                );
                Ok((closing.take_output(), restoring.take_output(), committed))
            }
        }
    };
    let (closed, restored, committed) = match written {
        Ok(answers) => answers,
        Err(e) => {
            Manual::rollback(conn).await?;
            return Err(DbError::Query(e));
        }
    };
    // A failed COMMIT leaves the connection marked as inside a transaction: the pool drops it.
    committed?;
    Manual::closed(conn)?;
    closed.unwrap_or(Err(DieselError::NotFound))?;
    restored.unwrap_or(Err(DieselError::NotFound))?;
    Ok(Recorded::Created(Stored {
        id: new.id,
        dms_number: opened.dms_number,
        received_at: new.received_at,
        late: new.late,
        receipt: receipt.jws,
    }))
}

/// `BEGIN`, the lock and the opening statement in one round trip; the action is stored (with
/// its number) only if the key is free and every check passed.
async fn open(conn: &mut PgConn, new: &NewAction) -> Result<Opened, Abort> {
    let shared: &AsyncPgConnection = conn;
    let key = format!("{}/{}", new.registration_body_id, new.external_id);
    match (&new.person, &new.cancels) {
        (Some((person_key, unzr)), _) => {
            let mut binds = vec![
                Bind::Uuid(Some(Uuid::now_v7())),
                Bind::Text(Some(person_key)),
                Bind::Text(unzr.as_deref()),
                Bind::Uuid(Some(new.registration_body_id)),
                Bind::Text(Some(&new.external_id)),
                Bind::TextArray(&new.territory_path),
                Bind::Date(new.action_date),
                Bind::Uuid(Some(new.id)),
                Bind::Text(Some(new.action_type.as_str())),
                Bind::Text(new.katottg.as_deref()),
            ];
            binds.extend(as_received(new));
            let opening = Statement::<OpenPerson>::new(binds);
            let row = pipeline(
                shared,
                &key,
                opening.get_result::<PersonOpened>(&mut &*shared),
            )
            .await?;
            let (person_id, register_entry, res_action, res_body, taken, ban, number) = row?;
            if taken {
                return Err(Abort::Duplicate);
            }
            if let Some(legal_basis) = ban {
                return Err(Abort::Restricted(legal_basis));
            }
            let dms_number = number.ok_or(Abort::Db(DieselError::NotFound))?;
            Ok(Opened {
                dms_number,
                person_id: Some(person_id),
                register_entry,
                cancels_action_id: None,
                residence_move: residence_move(new, (res_action, res_body)),
            })
        }
        (None, Some(target)) => {
            let (number, id) = match target {
                CancelRef::DmsNumber(n) => (Some(n.as_str()), None),
                CancelRef::ActionId(id) => (None, Some(*id)),
            };
            let mut binds = vec![
                Bind::Uuid(Some(new.registration_body_id)),
                Bind::Text(Some(&new.external_id)),
                Bind::Text(number),
                Bind::Uuid(id),
                Bind::Uuid(Some(new.id)),
                Bind::Date(new.action_date),
            ];
            binds.extend(as_received(new));
            binds.extend([
                Bind::Text(Some(new.action_type.as_str())),
                Bind::Text(new.katottg.as_deref()),
            ]);
            let opening = Statement::<OpenCancellation>::new(binds);
            let row = pipeline(
                shared,
                &key,
                opening.get_result::<CancellationOpened>(&mut &*shared),
            )
            .await?;
            let (taken, target_id, target_type, person_id, entry, cancelled, number) = row
                .map_err(|e| {
                    // Another cancellation of the same action committed first.
                    if unique_violation_on(&e, CANCELS_UNIQUE) {
                        Abort::Cancel(CancelProblem::AlreadyCancelled)
                    } else {
                        Abort::Db(e)
                    }
                })?;
            if taken {
                return Err(Abort::Duplicate);
            }
            let Some(target_id) = target_id else {
                return Err(Abort::Cancel(CancelProblem::NotFound));
            };
            if target_type.as_deref() == Some("cancellation") {
                return Err(Abort::Cancel(CancelProblem::IsCancellation));
            }
            if cancelled {
                return Err(Abort::Cancel(CancelProblem::AlreadyCancelled));
            }
            let dms_number = number.ok_or(Abort::Db(DieselError::NotFound))?;
            Ok(Opened {
                dms_number,
                person_id,
                register_entry: entry.unwrap_or(false),
                cancels_action_id: Some(target_id),
                residence_move: None,
            })
        }
        (None, None) => Err(Abort::Db(DieselError::NotFound)),
    }
}

/// What both opening statements store as received, in the same order: the body, its SHA-256,
/// the schema version, when, the numbering year, late, and the transport's facts.
fn as_received(new: &NewAction) -> [Bind<'_>; 11] {
    [
        Bind::Jsonb(&new.body),
        Bind::Bytea(&new.body_sha256),
        Bind::Text(Some(&new.schema_version)),
        Bind::Timestamptz(new.received_at),
        Bind::Int(new.number_year),
        Bind::Bool(new.late),
        Bind::Text(Some(&new.transport.channel)),
        Bind::Text(new.transport.client.as_deref()),
        Bind::Text(new.transport.query_id.as_deref()),
        Bind::Text(new.transport.user_id.as_deref()),
        Bind::Text(Some(&new.request_id)),
    ]
}

/// `BEGIN`, the key's lock and the opening statement, queued in that order and then all
/// answered: the opening statement's own answer, or the error of what went wrong before it. If
/// one fails before it reaches the server, the ones after it are not sent (an opening statement
/// without its `BEGIN` would commit on its own); the caller rolls back.
async fn pipeline<O, T>(
    conn: &AsyncPgConnection,
    key: &str,
    opening: O,
) -> Result<QueryResult<T>, DieselError>
where
    O: Future<Output = QueryResult<T>>,
{
    let begin = Statement::<Begin>::new(Vec::new());
    let lock = Statement::<Lock>::new(vec![Bind::Text(Some(key))]);
    let mut begin = pin!(maybe_done(begin.execute(&mut &*conn)));
    let mut lock = pin!(maybe_done(lock.execute(&mut &*conn)));
    let mut opening = pin!(maybe_done(opening));
    queue(begin.as_mut()).await?;
    queue(lock.as_mut()).await?;
    queue(opening.as_mut()).await?;
    futures_util::join!(begin.as_mut(), lock.as_mut(), opening.as_mut());
    begin.take_output().unwrap_or(Err(DieselError::NotFound))?;
    lock.take_output().unwrap_or(Err(DieselError::NotFound))?;
    Ok(opening.take_output().unwrap_or(Err(DieselError::NotFound)))
}

/// What [`OpenPerson`] returns: the person, their register entry and residence, whether the key
/// was taken, the ban's legal basis, the DMS number (only when the action was stored).
type PersonOpened = (
    Uuid,
    bool,
    Option<Uuid>,
    Option<Uuid>,
    bool,
    Option<String>,
    Option<String>,
);

/// What [`OpenCancellation`] returns: whether the key was taken, the target (id, type, person,
/// person's register entry, already cancelled), the DMS number (only when stored).
type CancellationOpened = (
    bool,
    Option<Uuid>,
    Option<String>,
    Option<Uuid>,
    Option<bool>,
    bool,
    Option<String>,
);

//! The worker: applies open loads a batch at a time, each batch read and checked line by line one
//! ahead ([`super::pipeline`]). One transaction per batch writes the batch's actions (COPY),
//! receipts, feed items, moves, conflicts, refusals and audit row, and moves the load's cursor; a
//! worker killed anywhere resumes after the last committed batch.

use super::pipeline::{read_ahead, Checked, Ctx};
use super::Refusal;
use crate::receipt::{self, RECEIPT_TYP};
use crate::{ServiceError, Services};
use chrono::NaiveDate;
use diesel::{Connection, PgConnection};
use dms_db::actions::{Assigned, NewAction};
use dms_db::bodies::RegistrationBody;
use dms_db::bulk::apply::{self as q, Counts, PersonState};
use dms_db::bulk::{CopyRow, Load};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// Apply open loads on a blocking thread: at most `max_batches` batches (`None`: until every
/// load is done). Returns the number of batches applied.
pub async fn work(
    services: &Services,
    batch_lines: i64,
    max_batches: Option<usize>,
) -> Result<usize, ServiceError> {
    let ctx = Ctx {
        contract: services.contract.clone(),
        codifier: services.codifier().await?,
        keys: services.keys.clone(),
        batch_lines: batch_lines.max(1),
    };
    let url = services.sync_url()?;
    tokio::task::spawn_blocking(move || {
        let mut conn = crate::context::connect_sync(&url)?;
        run(&mut conn, &url, &ctx, max_batches)
    })
    .await
    .map_err(|_| ServiceError::Internal)?
}

fn run(
    conn: &mut PgConnection,
    url: &str,
    ctx: &Ctx,
    max_batches: Option<usize>,
) -> Result<usize, ServiceError> {
    let mut batches = 0;
    for load in q::open_loads(conn)? {
        if !q::try_lock(conn, load.id)? {
            continue; // another worker has it
        }
        let outcome = run_load(conn, url, ctx, load.id, &mut batches, max_batches);
        q::unlock(conn, load.id)?;
        outcome?;
        if max_batches.is_some_and(|m| batches >= m) {
            break;
        }
    }
    Ok(batches)
}

/// Apply one load to its end (or `max_batches`), its lines read and checked one batch ahead.
fn run_load(
    conn: &mut PgConnection,
    url: &str,
    ctx: &Ctx,
    id: Uuid,
    batches: &mut usize,
    max_batches: Option<usize>,
) -> Result<(), ServiceError> {
    let body = body_of(conn, id)?;
    let start = q::reload(conn, id)?;
    if start.state == "done" {
        return Ok(());
    }
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let (body_ref, start_ref) = (&body, &start);
        let from = (start.cursor_date, start.cursor_line);
        scope.spawn(move || read_ahead(url, ctx, body_ref, start_ref, from, tx));
        loop {
            if max_batches.is_some_and(|m| *batches >= m) {
                return Ok(()); // dropping the receiver stops the reader
            }
            let checked = rx.recv().map_err(|_| ServiceError::Internal)??;
            let done = checked.done;
            let counts = apply_checked(conn, ctx, &body, id, checked)?;
            *batches += 1;
            tracing::info!(bulk_load.id = %id, bulk_load.lines = counts.1, bulk_load.stored = counts.0.stored, bulk_load.replayed = counts.0.replayed, bulk_load.refused = counts.0.refused, "bulk load batch applied");
            if done {
                return Ok(());
            }
        }
    })
}

/// One checked batch in one transaction, with the cursor; refused (rolled back) unless the
/// committed cursor is where the batch begins.
fn apply_checked(
    conn: &mut PgConnection,
    ctx: &Ctx,
    body: &RegistrationBody,
    id: Uuid,
    checked: Checked,
) -> Result<(Counts, usize), ServiceError> {
    let lines = checked.lines.len();
    Ok(conn.transaction(|conn| {
        let load = q::reload(conn, id)?;
        if (load.cursor_date, load.cursor_line) != checked.from {
            // Another worker moved the cursor since this batch was read: undo.
            return Err(diesel::result::Error::RollbackTransaction);
        }
        let counts = apply_batch(conn, ctx, body, &load, checked.lines)?;
        if q::advance(conn, &load, checked.to, counts, checked.done)? != 1 {
            return Err(diesel::result::Error::RollbackTransaction);
        }
        Ok::<_, diesel::result::Error>((counts, lines))
    })?)
}

fn body_of(conn: &mut PgConnection, load: Uuid) -> Result<RegistrationBody, ServiceError> {
    use diesel::prelude::*;
    use dms_db::schema::{bulk_loads as b, registration_bodies as r};
    Ok(r::table
        .inner_join(b::table.on(b::registration_body_id.eq(r::id)))
        .filter(b::id.eq(load))
        .select(RegistrationBody::as_select())
        .first(conn)?)
}

/// A line that passed every check of its own, waiting for the checks against the store.
struct Ready {
    line_no: i32,
    new: NewAction,
}

fn refuse(refusals: &mut Vec<(i32, serde_json::Value)>, line_no: i32, e: &ServiceError) {
    refusals.push((
        line_no,
        serde_json::to_value(Refusal::of(e)).unwrap_or_default(),
    ));
}

/// One batch, inside the caller's transaction: lines already checked on their own
/// ([`check_lines`]), now checked against the store and stored.
fn apply_batch(
    conn: &mut PgConnection,
    ctx: &Ctx,
    body: &RegistrationBody,
    load: &Load,
    checked: Vec<(i32, Result<NewAction, ServiceError>)>,
) -> diesel::QueryResult<Counts> {
    let lines = checked.len();
    let mut counts = Counts::default();
    let mut refusals: Vec<(i32, serde_json::Value)> = Vec::new();
    let mut ready: Vec<Ready> = Vec::with_capacity(lines);
    // The first line of each external id in this batch, by its position in `ready`.
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (line_no, checked) in checked {
        let new = match checked {
            Ok(new) => new,
            Err(e) => {
                refuse(&mut refusals, line_no, &e);
                continue;
            }
        };
        // The same external id twice in the file: a retry if the same document.
        if let Some(&first) = seen.get(&new.external_id) {
            let earlier = &ready[first].new;
            if earlier.body_sha256 == new.body_sha256 || earlier.body == new.body {
                counts.replayed += 1;
            } else {
                refuse(&mut refusals, line_no, &ServiceError::IdempotencyKeyReused);
            }
            continue;
        }
        seen.insert(new.external_id.clone(), ready.len());
        ready.push(Ready { line_no, new });
    }
    // Against the store: earlier submissions under the same external id, territorial bans.
    let earlier: HashMap<String, bool> = {
        let ids: Vec<&str> = ready.iter().map(|r| r.new.external_id.as_str()).collect();
        let shas: Vec<&[u8]> = ready.iter().map(|r| &r.new.body_sha256[..]).collect();
        let docs: Vec<&serde_json::Value> = ready.iter().map(|r| &r.new.body).collect();
        q::earlier(conn, body.id, &ids, &shas, &docs)?
            .into_iter()
            .map(|e| (e.external_id, e.same))
            .collect()
    };
    let bans = q::bans(conn)?;
    let mut to_store: Vec<Ready> = Vec::with_capacity(ready.len());
    for r in ready {
        match earlier.get(&r.new.external_id) {
            Some(true) => {
                counts.replayed += 1;
                continue;
            }
            Some(false) => {
                refuse(
                    &mut refusals,
                    r.line_no,
                    &ServiceError::IdempotencyKeyReused,
                );
                continue;
            }
            None => {}
        }
        let ban = bans.iter().find(|b| {
            r.new.territory_path.contains(&b.katottg)
                && b.from_date <= r.new.action_date
                && b.to_date.is_none_or(|t| t >= r.new.action_date)
        });
        if let Some(b) = ban {
            refuse(
                &mut refusals,
                r.line_no,
                &ServiceError::TerritoryRestricted(b.legal_basis.clone()),
            );
            continue;
        }
        to_store.push(r);
    }
    counts.refused = i32::try_from(refusals.len()).unwrap_or(i32::MAX);
    counts.stored = i32::try_from(to_store.len()).unwrap_or(i32::MAX);
    if !to_store.is_empty() {
        store(conn, ctx, body, load, &to_store)?;
    }
    q::refusals(conn, load.id, &refusals)?;
    let event = dms_db::audit::AuditEvent {
        actor_kind: "registration_body".into(),
        actor_id: Some(body.id.to_string()),
        channel: load.channel.clone(),
        event: "bulk_load.apply".into(),
        target: Some(load.id.to_string()),
        request_id: Some(load.request_id.clone()),
        details: serde_json::json!({
            "lines": lines,
            "stored": counts.stored,
            "replayed": counts.replayed,
            "refused": counts.refused,
            "first_action": to_store.first().map(|r| r.new.id),
            "last_action": to_store.last().map(|r| r.new.id),
        }),
    };
    dms_db::audit::record_sync(conn, &event)?;
    Ok(counts)
}

/// A person's residence as the batch goes: action, body, the action's date.
type Residence = (Option<Uuid>, Option<Uuid>, Option<NaiveDate>);

/// Store the batch's new actions, in order: persons, numbers, moves, receipts, then COPY.
fn store(
    conn: &mut PgConnection,
    ctx: &Ctx,
    body: &RegistrationBody,
    load: &Load,
    batch: &[Ready],
) -> diesel::QueryResult<()> {
    // Persons, created where new, locked in key order.
    let mut keys: Vec<(&str, Option<&str>)> = batch
        .iter()
        .filter_map(|r| r.new.person.as_ref())
        .map(|(k, u)| (k.as_str(), u.as_deref()))
        .collect();
    keys.sort_unstable_by(|a, b| a.0.cmp(b.0));
    keys.dedup_by(|a, b| a.0 == b.0);
    let ids: Vec<Uuid> = keys.iter().map(|_| Uuid::now_v7()).collect();
    let key_list: Vec<&str> = keys.iter().map(|k| k.0).collect();
    let unzrs: Vec<Option<&str>> = keys.iter().map(|k| k.1).collect();
    let persons: HashMap<String, PersonState> = q::upsert_persons(conn, &ids, &key_list, &unzrs)?
        .into_iter()
        .map(|p| (p.person_key.clone(), p))
        .collect();
    let year = batch[0].new.number_year;
    let numbers = q::take_numbers(conn, year, i32::try_from(batch.len()).unwrap_or(i32::MAX))?;
    let signer = ctx.keys.signer().ok_or_else(|| {
        diesel::result::Error::QueryBuilderError("no signing key is configured".into())
    })?;
    let mut residences: HashMap<Uuid, Residence> = persons
        .values()
        .map(|p| {
            (
                p.id,
                (p.residence_action_id, p.residence_body_id, p.residence_date),
            )
        })
        .collect();
    let mut changed: HashSet<Uuid> = HashSet::new();
    let mut moves: Vec<q::Move> = Vec::new();
    let mut conflicts: Vec<q::Conflict> = Vec::new();
    let (mut actions, mut receipts, mut feed) =
        (CopyRow::default(), CopyRow::default(), CopyRow::default());
    let received_at = receipt::timestamp(load.received_at);
    let bulk_load = load.id.to_string();
    for (r, number) in batch.iter().zip(numbers.iter()) {
        let n = &r.new;
        let person = n
            .person
            .as_ref()
            .and_then(|(k, _)| persons.get(k))
            .ok_or(diesel::result::Error::NotFound)?;
        let state = residences.entry(person.id).or_insert((None, None, None));
        let kind = n.action_type.as_str();
        let newer = state.2.is_none_or(|d| d <= n.action_date);
        if matches!(
            kind,
            "declaration_of_residence" | "registration_of_residence"
        ) {
            if let (Some(other_action), Some(other_body)) = (state.0, state.1) {
                if other_body != body.id {
                    conflicts.push((r.line_no, person.id, n.id, other_action, other_body));
                }
            }
            if newer {
                moves.push((n.id, person.id, state.0, state.1));
                *state = (Some(n.id), Some(body.id), Some(n.action_date));
                changed.insert(person.id);
            }
        } else if kind == "deregistration_of_residence" && state.1 == Some(body.id) && newer {
            moves.push((n.id, person.id, state.0, state.1));
            *state = (None, None, None);
            changed.insert(person.id);
        }
        let claims = receipt::claims(
            &Assigned {
                action: n,
                dms_number: number,
                cancels_action_id: None,
            },
            &body.edrpou,
            crate::actions::now_micros(),
        );
        let (kid, jws) = signer.sign(RECEIPT_TYP, &dms_crypto::canonical::to_vec(&claims));
        let id = n.id.to_string();
        let body_text = serde_json::to_string(&n.body).unwrap_or_default();
        actions
            .text(&id)
            .display(n.registration_body_id)
            .text(&n.external_id)
            .text(kind)
            .display(n.action_date)
            .display(person.id)
            .opt(n.katottg.as_deref())
            .text(&body_text)
            .bytea(&n.body_sha256)
            .text(&n.schema_version)
            .text(&received_at)
            .text(number)
            .text("f")
            .text(&n.transport.channel)
            .opt(n.transport.client.as_deref())
            .opt(n.transport.query_id.as_deref())
            .opt(n.transport.user_id.as_deref())
            .text(&n.request_id)
            .text("t")
            .text(&bulk_load)
            .end();
        receipts.text(&id).text(&kid).text(&jws).end();
        feed.text(&id)
            .display(person.id)
            .text(if person.register_entry {
                "pending"
            } else {
                "held"
            })
            .text(&received_at)
            .end();
    }
    q::copy_actions(conn, &actions)?;
    q::copy_confirmations(conn, &receipts)?;
    q::copy_feed(conn, &feed)?;
    q::residence_changes(conn, &moves)?;
    let rows: Vec<(Uuid, Option<Uuid>, Option<Uuid>)> = changed
        .iter()
        .filter_map(|p| residences.get(p).map(|s| (*p, s.0, s.1)))
        .collect();
    q::set_residences(conn, &rows)?;
    q::conflicts(conn, load.id, &conflicts)?;
    Ok(())
}

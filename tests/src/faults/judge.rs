//! The verdict checks every fault scenario shares: what the load's clients saw, every receipt a
//! client holds stored exactly once and verifying, every confirmed action in exactly one data set
//! (none lost, none twice), and the data-set chain agreeing between its holders and verifying.

use crate::client::Community;
use crate::faults::observe::{self, DatasetRow, Placed};
use crate::faults::verdict::Verdict;
use crate::load::{attempt, Answer, Outcome, Stats};
use crate::process::feeder::Feeder;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// The figures of a load, and its promises: no unexpected status, no `503` without
/// `Retry-After`.
pub fn load_figures(v: &mut Verdict, stats: &Stats, outcomes: &[Outcome]) {
    v.figure("requests sent", Stats::get(&stats.sent));
    v.figure("receipts received", outcomes.len());
    v.figure("201 created", Stats::get(&stats.created));
    v.figure(
        "200 replayed (a retry after a lost answer)",
        Stats::get(&stats.replayed),
    );
    v.figure("503 answers", Stats::get(&stats.unavailable));
    v.figure("connection errors", Stats::get(&stats.connection_errors));
    v.figure("client timeouts", Stats::get(&stats.timeouts));
    v.figure(
        "latency p50 / p99",
        format!(
            "{:?} / {:?}",
            stats.percentile(0.5, None),
            stats.percentile(0.99, None)
        ),
    );
    let other = stats.other.lock().map(|m| m.clone()).unwrap_or_default();
    v.expect(other.is_empty(), format!("unexpected statuses: {other:?}"));
    v.expect(
        Stats::get(&stats.unavailable_without_retry_after) == 0,
        format!(
            "{} answers of 503 without Retry-After",
            Stats::get(&stats.unavailable_without_retry_after)
        ),
    );
}

/// Every receipt a client holds is in the database, byte for byte, and verifies against the
/// JWKS; every action in the database has exactly one receipt and was acknowledged to a client;
/// no `external_id` has two actions; a retry of every document gets the identical answer.
pub async fn receipts(
    v: &mut Verdict,
    client: &Community,
    database_url: &str,
    outcomes: &[Outcome],
) {
    let jwks: Value = match client
        .listener
        .request(reqwest::Method::GET, "/.well-known/jwks.json")
        .send()
        .await
    {
        Ok(r) => r.json().await.unwrap_or(Value::Null),
        Err(e) => {
            v.problems.push(format!("cannot fetch the JWKS: {e}"));
            return;
        }
    };
    let stored = match observe::stored_receipts(database_url).await {
        Ok(s) => s,
        Err(e) => {
            v.problems.push(format!("cannot read the database: {e}"));
            return;
        }
    };
    let mut lost = 0;
    let mut mismatched = 0;
    let mut unverified = 0;
    let mut client_ids = BTreeSet::new();
    for o in outcomes {
        client_ids.insert(o.external_id.clone());
        let receipt = o.answer["receipt"].as_str().unwrap_or_default();
        match dms_crypto::verify_compact(receipt, &jwks) {
            Ok((_, _, payload)) => {
                let claims: Value = serde_json::from_slice(&payload).unwrap_or(Value::Null);
                if claims["action_id"] != o.answer["action_id"] {
                    unverified += 1;
                }
            }
            Err(_) => unverified += 1,
        }
        match stored.get(&o.external_id) {
            None => lost += 1,
            Some(s) => {
                if s.receipt != receipt || o.answer["action_id"].as_str() != Some(s.id.as_str()) {
                    mismatched += 1;
                }
            }
        }
    }
    let duplicates = stored.values().filter(|s| s.actions > 1).count();
    let without_one_receipt = stored.values().filter(|s| s.confirmations != 1).count();
    let unacknowledged = stored.keys().filter(|k| !client_ids.contains(*k)).count();
    v.figure("actions in the database", stored.len());
    v.figure(
        "receipts lost (held by a client, not in the database)",
        lost,
    );
    v.figure("duplicates (one external_id, two actions)", duplicates);
    v.expect(
        lost == 0,
        format!("{lost} receipts are not in the database"),
    );
    v.expect(
        mismatched == 0,
        format!("{mismatched} receipts differ from the stored ones"),
    );
    v.expect(
        unverified == 0,
        format!("{unverified} receipts do not verify against the JWKS"),
    );
    v.expect(duplicates == 0, format!("{duplicates} duplicated actions"));
    v.expect(
        without_one_receipt == 0,
        format!("{without_one_receipt} actions without exactly one receipt"),
    );
    v.expect(
        unacknowledged == 0,
        format!("{unacknowledged} actions stored but never acknowledged to their client"),
    );
    // Retrying every document: the identical answer, and nothing new stored.
    let mut differing = 0;
    for o in outcomes {
        let same = match attempt(client, &o.body).await {
            Answer::Receipt { status, answer } => status == 200 && answer == o.answer,
            _ => false,
        };
        if !same {
            differing += 1;
        }
    }
    v.figure("retries answered with a different receipt", differing);
    v.expect(
        differing == 0,
        format!("{differing} retries did not get 200 and the identical receipt"),
    );
    if let Ok(after) = observe::stored_receipts(database_url).await {
        v.expect(
            after.len() == stored.len(),
            "the retries stored new actions",
        );
    }
}

/// Every receipt a client holds names an action the database holds.
pub fn receipts_name_stored_actions<'a>(
    v: &mut Verdict,
    action_ids: impl IntoIterator<Item = Option<&'a str>>,
    confirmed: &BTreeSet<String>,
) {
    let unknown = action_ids
        .into_iter()
        .filter(|id| id.is_none_or(|id| !confirmed.contains(id)))
        .count();
    v.expect(
        unknown == 0,
        format!("{unknown} receipt(s) name an action the database does not hold"),
    );
}

/// Who holds the delivered data sets a scenario judges.
#[derive(Debug, Clone, Copy)]
pub enum Holder {
    /// The ЄДДР double: what it accepted.
    Eddr,
    /// The outbox: what was written.
    Outbox,
}

/// Every confirmed action in exactly one data set of `holder` (`held`: action id → the
/// sequences holding it), nothing else there. Adds the `duplicates` and `losses` figures.
pub fn exactly_once(
    v: &mut Verdict,
    confirmed: &BTreeSet<String>,
    held: &BTreeMap<String, Vec<i64>>,
    holder: Holder,
) {
    let duplicates: usize = held.values().map(|s| s.len().saturating_sub(1)).sum();
    let losses: Vec<&String> = confirmed
        .iter()
        .filter(|id| !held.contains_key(*id))
        .collect();
    let strangers = held.keys().filter(|id| !confirmed.contains(*id)).count();
    v.figure("duplicates", duplicates);
    v.figure("losses", losses.len());
    let (twice, lost, strange) = match holder {
        Holder::Eddr => (
            format!("{duplicates} action(s) accepted in more than one data set"),
            format!(
                "{} confirmed action(s) never accepted by ЄДДР, e.g. {:?}",
                losses.len(),
                losses.iter().take(3).collect::<Vec<_>>()
            ),
            format!("ЄДДР accepted {strangers} action(s) the database does not hold"),
        ),
        Holder::Outbox => (
            format!("{duplicates} action(s) in more than one data set"),
            format!("{} confirmed action(s) in no data set", losses.len()),
            format!("{strangers} record(s) name an action the database does not hold"),
        ),
    };
    v.expect(duplicates == 0, twice);
    v.expect(losses.is_empty(), lost);
    v.expect(strangers == 0, strange);
}

/// The data sets `holder` has (`seqs`) run 1, 2, … without gaps and are the database's.
pub fn chain(v: &mut Verdict, seqs: &[i64], db: &[DatasetRow], holder: Holder) {
    let db_seqs: Vec<i64> = db.iter().map(|d| d.seq).collect();
    let (gaps, differs) = match holder {
        Holder::Eddr => (
            format!("ЄДДР's data set sequence has gaps: {seqs:?}"),
            format!("the database has data sets {db_seqs:?}, ЄДДР has {seqs:?}"),
        ),
        Holder::Outbox => (
            format!("the outbox's data set sequence has gaps: {seqs:?}"),
            format!("the database has data sets {db_seqs:?}, the outbox {seqs:?}"),
        ),
    };
    v.expect(seqs == (1..=seqs.len() as i64).collect::<Vec<_>>(), gaps);
    v.expect(db_seqs == seqs, differs);
}

/// Every feed item is in `state` and recorded in the data set `held` puts its action in.
pub fn placements(
    v: &mut Verdict,
    placed: &[Placed],
    held: &BTreeMap<String, Vec<i64>>,
    holder: Holder,
) {
    let state = match holder {
        Holder::Eddr => "accepted",
        Holder::Outbox => "in_dataset",
    };
    let misplaced = placed
        .iter()
        .filter(|p| p.state != state || held.get(&p.id).and_then(|s| s.first()).copied() != p.seq)
        .count();
    v.expect(
        misplaced == 0,
        match holder {
            Holder::Eddr => format!(
                "{misplaced} feed item(s) not recorded as accepted in the data set ЄДДР accepted them in"
            ),
            Holder::Outbox => {
                format!("{misplaced} feed item(s) not recorded in the data set that holds them")
            }
        },
    );
}

/// `dms-feeder verify` over the outbox's data sets: the chain and every signature hold.
pub async fn verified(v: &mut Verdict, feeder: &Feeder, dirs: &[PathBuf]) {
    let verified = if dirs.is_empty() {
        Ok(())
    } else {
        let f = feeder.verify(dirs).await;
        if f.success() {
            Ok(())
        } else {
            let lines: Vec<&str> = f.stderr.lines().take(5).collect();
            Err(match f.status {
                Some(s) => format!("{s}: {}", lines.join(" | ")),
                None => f.describe(),
            })
        }
    };
    v.figure(
        "dms-feeder verify",
        match &verified {
            Ok(()) => format!("{} data set(s) verified", dirs.len()),
            Err(e) => e.clone(),
        },
    );
    v.expect(
        verified.is_ok(),
        format!("dms-feeder verify: {}", verified.err().unwrap_or_default()),
    );
}

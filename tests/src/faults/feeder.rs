//! Scenarios 3 and 4: the feeder killed mid-delivery while ЄДДР is slow or failing, and an
//! outbox that becomes unwritable.
//!
//! Both run real `dms-api serve` and `dms-feeder run-once` processes against a database of
//! their own, under concurrent submissions, and judge only what can be observed from outside:
//! the database, the outbox, what the ЄДДР double holds and `dms-feeder verify`.

use super::load::{Load, Service};
use super::{Env, Verdict};
use crate::eddr::{Eddr, EddrState};
use diesel::sql_types::{BigInt, Integer, Nullable, Text};
use diesel::{Connection, PgConnection, QueryResult, QueryableByName, RunQueryDsl};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::AsyncReadExt;

/// The steps `DMS_FEEDER_CRASH_AT` can kill the feeder at.
const CRASH_STEPS: [&str; 5] = [
    "after_claim",
    "mid_write",
    "after_rename",
    "after_seal",
    "after_delivery",
];

/// The longest one feeder run may take before it is killed and reported.
const RUN_LIMIT: Duration = Duration::from_secs(15);

// ---------------------------------------------------------------------------------------------
// Scenario 3
// ---------------------------------------------------------------------------------------------

pub async fn killed_mid_delivery(env: &Env) -> Verdict {
    let mut v = Verdict::new("3. feeder killed mid-delivery, ЄДДР slow and failing");
    let seed = seed();
    v.figure("seed (DMS_FAULTS_SEED)", seed);
    let scratch = Scratch::new("dms-faults-feeder-kill");
    let svc = match Service::running(env).await {
        Ok(s) => s,
        Err(e) => {
            v.expect(false, format!("setup: {e}"));
            return v;
        }
    };
    let outbox = scratch.path.join("outbox");
    if let Err(e) = killed_mid_delivery_in(env, &svc, &outbox, seed, &mut v).await {
        v.expect(false, e);
    }
    svc.teardown().await;
    drop(scratch);
    v
}

/// What the kill loop counted.
#[derive(Default)]
struct Runs {
    total: u64,
    killed_in_flight: u64,
    killed_at_random: u64,
    crashed_at_step: u64,
    completed: u64,
    /// Runs that ended non-zero although nobody killed them: (exit, stderr tail).
    unexplained: Vec<String>,
    /// "delivery failed" lines the feeders logged.
    delivery_failures: u64,
}

impl Runs {
    fn kills(&self) -> u64 {
        self.killed_in_flight + self.killed_at_random + self.crashed_at_step
    }

    fn note(&mut self, f: &Finished) {
        self.total += 1;
        self.delivery_failures += f.stderr.matches("delivery failed").count() as u64;
    }
}

async fn killed_mid_delivery_in(
    env: &Env,
    svc: &Service,
    outbox: &Path,
    seed: u64,
    v: &mut Verdict,
) -> Result<(), String> {
    let eddr = Eddr::start().await;
    let result = against_eddr(env, svc, outbox, seed, v, &eddr).await;
    eddr.stop().await;
    result
}

async fn against_eddr(
    env: &Env,
    svc: &Service,
    outbox: &Path,
    seed: u64,
    v: &mut Verdict,
    eddr: &Eddr,
) -> Result<(), String> {
    let clients = if env.short { 3 } else { 6 };
    let max_records = if env.short { "60" } else { "150" };
    let settings = FeederSettings {
        outbox: outbox.to_owned(),
        eddr_url: Some(eddr.url.clone()),
        extra: vec![
            ("DMS_FEEDER_MAX_RECORDS", max_records.into()),
            // Outages are injected often: the data set must stay retryable until ЄДДР is back.
            ("DMS_FEEDER_MAX_ATTEMPTS", "100000".into()),
            // Shorter than the slowest answers of the double: some deliveries time out after
            // ЄДДР has taken them.
            ("DMS_FEEDER_HTTP_TIMEOUT_SECS", "1".into()),
        ],
        quota_blocks: None,
    };

    let load = Load::start(
        svc.url(),
        svc.token.clone(),
        clients,
        Duration::from_secs(5),
        Duration::from_secs(3),
    );
    let stop = Arc::new(AtomicBool::new(false));
    let unzrs = Arc::new(AtomicU64::new(5_000_000));
    let releaser = {
        let (url, stop, unzrs) = (svc.database_url.clone(), stop.clone(), unzrs.clone());
        tokio::task::spawn_blocking(move || release_loop(&url, &stop, &unzrs))
    };
    let chaos = tokio::spawn(chaos_loop(eddr.clone(), stop.clone(), seed ^ 0x5eed));
    let mut runs = Runs::default();
    let killing = kill_loop(env, svc, &settings, eddr, seed, &mut runs).await;

    // Submissions stop; whatever is still held is released by its register entry.
    stop.store(true, Ordering::Relaxed);
    let outages = chaos.await.unwrap_or(0);
    let (outcomes, stats) = load.stop().await;
    let released = releaser.await.map_err(|e| e.to_string()).and_then(|r| r);
    killing?;
    let mut released = released.map_err(|e| format!("register entries: {e}"))?;
    released += {
        let url = svc.database_url.clone();
        tokio::task::spawn_blocking(move || -> Result<u64, String> {
            let mut conn = PgConnection::establish(&url).map_err(|e| e.to_string())?;
            let mut n = 0;
            for _ in 0..5 {
                match release_held(&mut conn, &url, &unzrs)? {
                    0 => break,
                    k => n += k,
                }
            }
            Ok(n)
        })
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| format!("register entries: {e}"))?
    };

    // ЄДДР recovers; the feeder runs to completion.
    eddr_state(eddr, |s| {
        s.down = false;
        s.delay = None;
    });
    let recovered = Instant::now();
    let deadline = recovered + env.secs(20, 8);
    let mut drained = false;
    let mut drain_runs = 0;
    loop {
        let f = Run::spawn(feeder(env, svc, &settings))?
            .finish(RUN_LIMIT)
            .await;
        runs.note(&f);
        drain_runs += 1;
        if !f.success() {
            runs.unexplained.push(f.describe());
        }
        let open = count(
            &svc.database_url,
            "SELECT (SELECT count(*) FROM feed_items WHERE state <> 'accepted') + \
                    (SELECT count(*) FROM datasets WHERE state <> 'acknowledged') AS n",
        )
        .await?;
        if open == 0 {
            drained = true;
            break;
        }
        if Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let drain_time = recovered.elapsed();

    // What everyone holds now.
    let confirmed = confirmed_actions(&svc.database_url).await?;
    let placed = placements(&svc.database_url).await?;
    let db_datasets = datasets(&svc.database_url).await?;
    let (held_by_eddr, deliveries) = eddr_state(eddr, |s| {
        let sets: BTreeMap<i64, (Vec<Value>, Value)> = s.datasets.clone();
        (sets, s.deliveries.len())
    })
    .unwrap_or_default();

    v.figure(
        "actions submitted (receipts received by clients)",
        outcomes.len(),
    );
    v.figure("confirmed actions in the database", confirmed.len());
    v.figure("held actions released by register entries", released);
    v.figure("feeder runs", runs.total);
    v.figure(
        "kills (SIGKILL)",
        format!(
            "{} ({} while ЄДДР held a delivery, {} at a random moment, {} at DMS_FEEDER_CRASH_AT points)",
            runs.kills(),
            runs.killed_in_flight,
            runs.killed_at_random,
            runs.crashed_at_step
        ),
    );
    v.figure(
        "feeder runs not killed (finished during the faults)",
        runs.completed,
    );
    v.figure(
        "ЄДДР failures injected",
        format!(
            "{outages} outage windows, answers delayed up to 1.5 s against a 1 s timeout; \
             {} failed deliveries logged by the feeder",
            runs.delivery_failures
        ),
    );
    v.figure(
        "submissions refused / connection errors",
        format!(
            "{:?} / {}",
            stats.other.lock().map(|m| m.clone()).unwrap_or_default(),
            super::load::Stats::get(&stats.connection_errors)
        ),
    );

    // Every receipt a client holds names an action the database holds.
    let unknown_receipts = outcomes
        .iter()
        .filter(|o| {
            o.answer["action_id"]
                .as_str()
                .is_none_or(|id| !confirmed.contains(id))
        })
        .count();
    v.expect(
        unknown_receipts == 0,
        format!("{unknown_receipts} receipt(s) name an action the database does not hold"),
    );
    v.expect(
        !confirmed.is_empty(),
        "no action was confirmed: there was no load",
    );
    v.expect(
        runs.kills() > 0,
        "no feeder process was killed: nothing was tested",
    );
    v.expect(
        runs.killed_in_flight > 0,
        "no feeder process was killed while ЄДДР held a delivery",
    );
    if let Some(first) = runs.unexplained.first() {
        v.expect(
            false,
            format!(
                "{} feeder run(s) failed without being killed; first: {first}",
                runs.unexplained.len()
            ),
        );
    }
    v.expect(
        drained,
        format!(
            "the feed did not drain within {:?} of ЄДДР's recovery ({drain_runs} runs)",
            env.secs(20, 8)
        ),
    );

    // Each confirmed action in exactly one data set ЄДДР accepted.
    let mut accepted: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    let mut rejected = 0usize;
    let mut records = 0usize;
    for (seq, (recs, answer)) in &held_by_eddr {
        records += recs.len();
        for r in answer["results"].as_array().into_iter().flatten() {
            let id = r["action_id"].as_str().unwrap_or_default().to_owned();
            if r["status"] == "accepted" {
                accepted.entry(id).or_default().push(*seq);
            } else {
                rejected += 1;
            }
        }
    }
    let duplicates: usize = accepted.values().map(|s| s.len().saturating_sub(1)).sum();
    let losses: Vec<&String> = confirmed
        .iter()
        .filter(|id| !accepted.contains_key(*id))
        .collect();
    let strangers = accepted
        .keys()
        .filter(|id| !confirmed.contains(*id))
        .count();
    let seqs: Vec<i64> = held_by_eddr.keys().copied().collect();
    v.figure("data sets", seqs.len());
    v.figure("records delivered", records);
    v.figure("deliveries answered by ЄДДР (repeats included)", deliveries);
    v.figure("duplicates", duplicates);
    v.figure("losses", losses.len());
    v.figure(
        "time to drain after ЄДДР recovered",
        format!("{:.1} s ({drain_runs} run(s))", drain_time.as_secs_f64()),
    );
    v.expect(
        duplicates == 0,
        format!("{duplicates} action(s) accepted in more than one data set"),
    );
    v.expect(
        losses.is_empty(),
        format!(
            "{} confirmed action(s) never accepted by ЄДДР, e.g. {:?}",
            losses.len(),
            losses.iter().take(3).collect::<Vec<_>>()
        ),
    );
    v.expect(
        strangers == 0,
        format!("ЄДДР accepted {strangers} action(s) the database does not hold"),
    );
    v.expect(
        rejected == 0,
        format!("ЄДДР's answers hold {rejected} rejection(s), none were asked for"),
    );
    v.expect(
        records == confirmed.len(),
        format!(
            "ЄДДР holds {records} records for {} confirmed actions",
            confirmed.len()
        ),
    );
    v.expect(
        seqs == (1..=seqs.len() as i64).collect::<Vec<_>>(),
        format!("ЄДДР's data set sequence has gaps: {seqs:?}"),
    );

    // The database tells the same story.
    let db_seqs: Vec<i64> = db_datasets.iter().map(|d| d.seq).collect();
    v.expect(
        db_seqs == seqs,
        format!("the database has data sets {db_seqs:?}, ЄДДР has {seqs:?}"),
    );
    let not_acknowledged: Vec<String> = db_datasets
        .iter()
        .filter(|d| d.state != "acknowledged")
        .map(|d| format!("{}:{}", d.seq, d.state))
        .collect();
    v.expect(
        not_acknowledged.is_empty(),
        format!("data sets not acknowledged: {not_acknowledged:?}"),
    );
    let misplaced = placed
        .iter()
        .filter(|p| {
            p.state != "accepted" || accepted.get(&p.id).and_then(|s| s.first()).copied() != p.seq
        })
        .count();
    v.expect(
        misplaced == 0,
        format!(
            "{misplaced} feed item(s) not recorded as accepted in the data set ЄДДР accepted them in"
        ),
    );

    // ЄДДР's copy is the outbox copy, and the chain verifies.
    let dirs = dataset_dirs(outbox);
    let dir_seqs: Vec<i64> = dirs.iter().filter_map(|d| dir_seq(d)).collect();
    v.expect(
        dir_seqs == seqs,
        format!("the outbox holds data sets {dir_seqs:?}, ЄДДР holds {seqs:?}"),
    );
    let mut differing = Vec::new();
    for d in &dirs {
        let Some(seq) = dir_seq(d) else { continue };
        let on_disk = read_records(d);
        match (on_disk, held_by_eddr.get(&seq)) {
            (Ok(disk), Some((theirs, _))) if &disk == theirs => {}
            _ => differing.push(seq),
        }
    }
    v.expect(
        differing.is_empty(),
        format!("ЄДДР's copy differs from the outbox copy for data sets {differing:?}"),
    );
    let verified = verify(env, &svc.keys_dir, &dirs).await;
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
    v.expect(!dirs.is_empty(), "no data set was written to the outbox");
    Ok(())
}

/// Feeder runs killed at random moments, mid-delivery and at crash points, until the chaos ends.
async fn kill_loop(
    env: &Env,
    svc: &Service,
    settings: &FeederSettings,
    eddr: &Eddr,
    seed: u64,
    runs: &mut Runs,
) -> Result<(), String> {
    let mut rng = StdRng::seed_from_u64(seed);
    let until = Instant::now() + env.secs(30, 7);
    while Instant::now() < until {
        // Until one kill has landed inside a delivery, every other run tries for one.
        let pick = if runs.killed_in_flight == 0 && runs.total % 2 == 1 {
            30
        } else {
            rng.gen_range(0..100)
        };
        let mut cmd = feeder(env, svc, settings);
        let crash = pick < 30;
        if crash {
            cmd.env(
                "DMS_FEEDER_CRASH_AT",
                CRASH_STEPS[rng.gen_range(0..CRASH_STEPS.len())],
            );
        }
        eddr_state(eddr, |s| s.in_flight = false);
        let mut run = Run::spawn(cmd)?;
        let mut killed_in_flight = false;
        let mut killed_at_random = false;
        if (30..70).contains(&pick) {
            // Wait for the double to hold a delivery, then kill somewhere inside its answer.
            let waited = Instant::now();
            while waited.elapsed() < Duration::from_secs(4) && run.running() {
                let held = eddr_state(eddr, |s| s.in_flight.then(|| s.delay.unwrap_or_default()));
                if let Some(delay) = held.flatten() {
                    let within = delay.as_millis().max(1) as u64;
                    tokio::time::sleep(Duration::from_millis(rng.gen_range(0..within))).await;
                    killed_in_flight = run.kill();
                    break;
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        } else if (70..90).contains(&pick) {
            tokio::time::sleep(Duration::from_millis(rng.gen_range(0..500))).await;
            killed_at_random = run.kill();
        }
        let f = run.finish(RUN_LIMIT).await;
        runs.note(&f);
        if f.killed() {
            if killed_in_flight {
                runs.killed_in_flight += 1;
            } else if killed_at_random {
                runs.killed_at_random += 1;
            } else if crash {
                runs.crashed_at_step += 1;
            } else {
                runs.unexplained.push(f.describe());
            }
        } else if f.success() {
            runs.completed += 1;
        } else {
            runs.unexplained.push(f.describe());
        }
    }
    Ok(())
}

/// ЄДДР goes down and comes back, and answers slowly, at random. Returns the outage count.
async fn chaos_loop(eddr: Eddr, stop: Arc<AtomicBool>, seed: u64) -> u64 {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut outages = 0;
    while !stop.load(Ordering::Relaxed) {
        let down = rng.gen_bool(0.3);
        let delay = Duration::from_millis(rng.gen_range(50..1500));
        let went_down = eddr_state(&eddr, |s| {
            let went_down = down && !s.down;
            s.down = down;
            s.delay = Some(delay);
            went_down
        });
        if went_down == Some(true) {
            outages += 1;
        }
        tokio::time::sleep(Duration::from_millis(rng.gen_range(150..600))).await;
    }
    outages
}

/// Release held actions by register entries (by the document they name) until told to stop.
fn release_loop(database_url: &str, stop: &AtomicBool, unzrs: &AtomicU64) -> Result<u64, String> {
    let mut conn = PgConnection::establish(database_url).map_err(|e| e.to_string())?;
    let mut released = 0;
    while !stop.load(Ordering::Relaxed) {
        released += release_held(&mut conn, database_url, unzrs)?;
        std::thread::sleep(Duration::from_millis(150));
    }
    Ok(released)
}

#[derive(QueryableByName)]
struct HeldDocument {
    #[diesel(sql_type = Nullable<Text>)]
    kind: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    number: Option<String>,
}

/// A register entry for the person of every held action, as `dms-api register-entry --unzr …
/// --document-type … --document-number …` records it. Returns the items released.
fn release_held(
    conn: &mut PgConnection,
    database_url: &str,
    next: &AtomicU64,
) -> Result<u64, String> {
    let held: Vec<HeldDocument> = diesel::sql_query(
        "SELECT DISTINCT a.body->'person'->'document'->>'type' AS kind, \
                a.body->'person'->'document'->>'number' AS number \
         FROM feed_items f JOIN registration_actions a ON a.id = f.action_id \
         WHERE f.state = 'held'",
    )
    .load(conn)
    .map_err(|e| e.to_string())?;
    let mut released = 0;
    for h in held {
        let (Some(kind), Some(number)) = (h.kind, h.number) else {
            continue;
        };
        let kind: dms_schemas::DocumentType = serde_json::from_value(Value::String(kind))
            .map_err(|e| format!("document type: {e}"))?;
        let doc = dms_schemas::DocumentNumber::parse(kind, &number)
            .map_err(|e| format!("document number {number}: {e}"))?;
        let (_, unzr) = unzr_for(next.fetch_add(1, Ordering::Relaxed));
        let unzr = dms_schemas::Unzr::parse(&unzr).map_err(|e| format!("УНЗР {unzr}: {e}"))?;
        released += crate::register_entry_blocking(database_url, &unzr, Some(&doc))? as u64;
    }
    Ok(released)
}

// ---------------------------------------------------------------------------------------------
// Scenario 4
// ---------------------------------------------------------------------------------------------

pub async fn outbox_unwritable(env: &Env) -> Verdict {
    let mut v = Verdict::new("4. outbox unwritable");
    let scratch = Scratch::new("dms-faults-feeder-outbox");
    let svc = match Service::running(env).await {
        Ok(s) => s,
        Err(e) => {
            v.expect(false, format!("setup: {e}"));
            return v;
        }
    };
    if let Err(e) = outbox_unwritable_in(env, &svc, &scratch.path, &mut v).await {
        v.expect(false, e);
    }
    // Whatever happened, leave the directory removable.
    restore_permissions(&scratch.path.join("outbox"));
    svc.teardown().await;
    drop(scratch);
    v
}

/// Records per data set in scenario 4: several data sets before the fault.
const OUTBOX_MAX_RECORDS: u64 = 40;

/// The database's view of what the feeder has sealed (or handed further) so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Sealed {
    datasets: i64,
    items: i64,
    max_seq: i64,
}

async fn sealed(database_url: &str) -> Result<Sealed, String> {
    let ds = datasets(database_url).await?;
    let done: Vec<&DatasetRow> = ds.iter().filter(|d| d.state != "building").collect();
    let items = count(
        database_url,
        "SELECT count(*) AS n FROM feed_items f JOIN datasets d ON d.seq = f.dataset_seq \
         WHERE d.state <> 'building'",
    )
    .await?;
    Ok(Sealed {
        datasets: done.len() as i64,
        items,
        max_seq: done.iter().map(|d| d.seq).max().unwrap_or(0),
    })
}

/// One way of making the outbox unwritable.
#[derive(Debug, Clone, Copy)]
enum Fault {
    /// The outbox directory is replaced by a regular file of the same name.
    ReplacedByFile,
    /// No file the feeder writes may grow beyond 1 block (`ulimit -f 1`): out of space mid-write.
    OutOfSpace,
    /// Permission bits (`chmod 0555`): only binds a user that is not root.
    ReadOnly,
}

impl Fault {
    fn name(self) -> &'static str {
        match self {
            Fault::ReplacedByFile => "outbox replaced by a file",
            Fault::OutOfSpace => "out of space mid-write (file size limit)",
            Fault::ReadOnly => "outbox mode 0555",
        }
    }
}

async fn outbox_unwritable_in(
    env: &Env,
    svc: &Service,
    base: &Path,
    v: &mut Verdict,
) -> Result<(), String> {
    let outbox = base.join("outbox");
    let aside = base.join("outbox.aside");
    let mut settings = FeederSettings {
        outbox: outbox.clone(),
        eddr_url: None,
        extra: vec![("DMS_FEEDER_MAX_RECORDS", OUTBOX_MAX_RECORDS.to_string())],
        quota_blocks: None,
    };
    let tasks = if env.short { 3 } else { 4 };
    let submitters = Submitters::start(svc, tasks);

    let faulted = under_faults(env, svc, &outbox, &aside, &mut settings, &submitters, v).await;
    restore(&outbox, &aside, &mut settings);

    // Recovery: submissions stop, the outbox is back, the feeder delivers everything.
    let tally = submitters.stop().await;
    let (before, after_faults) = faulted?;
    if let Some(e) = tally.errors.first() {
        v.expect(
            false,
            format!("{} submission(s) failed; first: {e}", tally.errors.len()),
        );
    }
    let recovered = Instant::now();
    let deadline = recovered + env.secs(20, 8);
    let mut drained = false;
    let mut recovery_runs = 0;
    loop {
        let f = Run::spawn(feeder(env, svc, &settings))?
            .finish(RUN_LIMIT)
            .await;
        recovery_runs += 1;
        v.expect(
            f.success(),
            format!(
                "a feeder run failed after the outbox was restored: {}",
                f.describe()
            ),
        );
        let open = count(
            &svc.database_url,
            "SELECT (SELECT count(*) FROM feed_items WHERE state IN ('pending','held')) + \
                    (SELECT count(*) FROM datasets WHERE state <> 'delivered') AS n",
        )
        .await?;
        if open == 0 {
            drained = true;
            break;
        }
        if !f.success() || Instant::now() > deadline {
            break;
        }
    }
    v.expect(
        drained,
        format!(
            "not everything was delivered within {:?} of the outbox's recovery ({recovery_runs} runs)",
            env.secs(20, 8)
        ),
    );

    let confirmed = confirmed_actions(&svc.database_url).await?;
    let placed = placements(&svc.database_url).await?;
    let db_datasets = datasets(&svc.database_url).await?;
    let dirs = dataset_dirs(&outbox);
    let seqs: Vec<i64> = dirs.iter().filter_map(|d| dir_seq(d)).collect();
    let mut on_disk: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    let mut records = 0usize;
    for d in &dirs {
        let Some(seq) = dir_seq(d) else { continue };
        match read_records(d) {
            Ok(recs) => {
                records += recs.len();
                for r in recs {
                    on_disk
                        .entry(r["action_id"].as_str().unwrap_or_default().to_owned())
                        .or_default()
                        .push(seq);
                }
            }
            Err(e) => v.expect(false, e),
        }
    }
    let duplicates: usize = on_disk.values().map(|s| s.len().saturating_sub(1)).sum();
    let losses = confirmed
        .iter()
        .filter(|id| !on_disk.contains_key(*id))
        .count();
    let strangers = on_disk.keys().filter(|id| !confirmed.contains(*id)).count();
    v.figure(
        "actions confirmed",
        format!(
            "{} ({} receipts received)",
            confirmed.len(),
            tally.ids.len()
        ),
    );
    v.figure(
        "data sets after recovery (in all)",
        format!(
            "{} ({recovery_runs} run(s), {:.1} s)",
            seqs.len(),
            recovered.elapsed().as_secs_f64()
        ),
    );
    v.figure("records", records);
    v.figure("duplicates", duplicates);
    v.figure("losses", losses);
    v.expect(
        after_faults.items == before.items,
        format!(
            "{} item(s) marked delivered while the outbox was unwritable",
            after_faults.items - before.items
        ),
    );
    v.expect(
        duplicates == 0,
        format!("{duplicates} action(s) in more than one data set"),
    );
    v.expect(
        losses == 0,
        format!("{losses} confirmed action(s) in no data set"),
    );
    v.expect(
        strangers == 0,
        format!("{strangers} record(s) name an action the database does not hold"),
    );
    let missing_receipts = tally
        .ids
        .iter()
        .filter(|id| !confirmed.contains(*id))
        .count();
    v.expect(
        missing_receipts == 0,
        format!("{missing_receipts} receipt(s) name an action the database does not hold"),
    );
    v.expect(
        seqs == (1..=seqs.len() as i64).collect::<Vec<_>>(),
        format!("the outbox's data set sequence has gaps: {seqs:?}"),
    );
    let db_seqs: Vec<i64> = db_datasets.iter().map(|d| d.seq).collect();
    v.expect(
        db_seqs == seqs,
        format!("the database has data sets {db_seqs:?}, the outbox {seqs:?}"),
    );
    let counts_differ: Vec<i64> = dirs
        .iter()
        .filter_map(|d| {
            let seq = dir_seq(d)?;
            let n = read_records(d).map(|r| r.len()).unwrap_or(usize::MAX);
            let row = db_datasets.iter().find(|r| r.seq == seq)?;
            (row.record_count as usize != n).then_some(seq)
        })
        .collect();
    v.expect(
        counts_differ.is_empty(),
        format!("data sets whose record count differs from the database: {counts_differ:?}"),
    );
    let misplaced = placed
        .iter()
        .filter(|p| {
            p.state != "in_dataset" || on_disk.get(&p.id).and_then(|s| s.first()).copied() != p.seq
        })
        .count();
    v.expect(
        misplaced == 0,
        format!("{misplaced} feed item(s) not recorded in the data set that holds them"),
    );
    let verified = verify(env, &svc.keys_dir, &dirs).await;
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
    Ok(())
}

/// The faults, one after another, while submissions go on: (sealed before, sealed after).
async fn under_faults(
    env: &Env,
    svc: &Service,
    outbox: &Path,
    aside: &Path,
    settings: &mut FeederSettings,
    submitters: &Submitters,
    v: &mut Verdict,
) -> Result<(Sealed, Sealed), String> {
    // Before the fault: the outbox works and holds a few data sets.
    submitters
        .wait_for(2 * OUTBOX_MAX_RECORDS, Duration::from_secs(5))
        .await;
    let f = Run::spawn(feeder(env, svc, settings))?
        .finish(RUN_LIMIT)
        .await;
    if !f.success() {
        return Err(format!(
            "the feeder failed before any fault: {}",
            f.describe()
        ));
    }
    let before = sealed(&svc.database_url).await?;
    v.figure(
        "data sets before the fault",
        format!("{} ({} records)", before.datasets, before.items),
    );
    if before.datasets == 0 {
        return Err("no data set was written before the fault".into());
    }

    // Faults, one after another, with submissions going on.
    let attempts_each = if env.short { 2 } else { 4 };
    let mut attempts = 0u64;
    let mut reported = 0u64;
    let mut faults_applied = Vec::new();
    for fault in [Fault::ReplacedByFile, Fault::OutOfSpace, Fault::ReadOnly] {
        // Make sure the next data set has records to write.
        let have = submitters.confirmed();
        submitters.wait_for(have + 10, Duration::from_secs(3)).await;
        let applied = match fault {
            Fault::ReplacedByFile => {
                std::fs::rename(outbox, aside)
                    .and_then(|_| std::fs::write(outbox, b"not a directory\n"))
                    .map_err(|e| format!("replace the outbox by a file: {e}"))?;
                true
            }
            Fault::OutOfSpace => {
                settings.quota_blocks = Some(1);
                quota_binds(outbox).await
            }
            Fault::ReadOnly => chmod_binds(outbox),
        };
        if !applied {
            faults_applied.push(format!("{}: does not bind here, skipped", fault.name()));
            restore(outbox, aside, settings);
            continue;
        }
        let mut this_reported = 0;
        let mut first_error = None;
        for _ in 0..attempts_each {
            let f = Run::spawn(feeder(env, svc, settings))?
                .finish(RUN_LIMIT)
                .await;
            attempts += 1;
            let report = f.report();
            let says_failed = !f.success()
                || report
                    .as_ref()
                    .is_some_and(|r| r["failed"].as_array().is_some_and(|a| !a.is_empty()));
            if says_failed {
                this_reported += 1;
                first_error = first_error.or_else(|| {
                    let mut lines = f.stderr.lines().filter(|l| !l.trim().is_empty());
                    lines
                        .clone()
                        .find(|l| l.starts_with("Error:"))
                        .or_else(|| lines.next_back())
                        .map(|l| l.chars().take(160).collect::<String>())
                });
            } else {
                v.expect(
                    false,
                    format!(
                        "{}: a feeder run reported success: {}",
                        fault.name(),
                        f.stdout.trim()
                    ),
                );
            }
            tokio::time::sleep(Duration::from_millis(if env.short { 100 } else { 300 })).await;
        }
        reported += this_reported;
        faults_applied.push(format!(
            "{}: {attempts_each} attempts, {this_reported} failures reported ({})",
            fault.name(),
            first_error.unwrap_or_default()
        ));
        let now = sealed(&svc.database_url).await?;
        v.expect(
            now == before,
            format!(
                "{}: the database records data sets as written that were not: before {before:?}, now {now:?}",
                fault.name()
            ),
        );
        if let Fault::ReplacedByFile = fault {
            let still_file = std::fs::metadata(outbox).is_ok_and(|m| m.is_file());
            v.expect(still_file, "the file that replaced the outbox was touched");
        }
        restore(outbox, aside, settings);
        // No data set the database does not call written may look complete on disk.
        let late: Vec<i64> = dataset_dirs(outbox)
            .iter()
            .filter_map(|d| dir_seq(d))
            .filter(|s| *s > before.max_seq)
            .collect();
        v.expect(
            late.is_empty(),
            format!(
                "{}: data set directories {late:?} appeared in the outbox while it was unwritable",
                fault.name()
            ),
        );
    }
    let after_faults = sealed(&svc.database_url).await?;
    v.figure("faults", faults_applied.join("; "));
    v.figure("attempts while unwritable", attempts);
    v.figure("failures reported", reported);
    v.figure(
        "items marked delivered while unwritable",
        after_faults.items - before.items,
    );
    v.expect(attempts > 0, "no fault could be injected");
    // Retrying means the same claimed data set again, not a new one per failed attempt.
    let waiting = count(
        &svc.database_url,
        "SELECT count(*) AS n FROM datasets WHERE state = 'building'",
    )
    .await?;
    v.figure("data sets claimed, waiting to be written", waiting);
    v.expect(
        waiting <= 1,
        format!("{waiting} data sets claimed while the outbox was unwritable: failed ones were not retried"),
    );
    let temporaries = std::fs::read_dir(outbox)
        .map(|r| {
            r.filter_map(Result::ok)
                .filter(|e| e.file_name().to_string_lossy().starts_with(".building-"))
                .count()
        })
        .unwrap_or(0);
    v.figure(
        "partial temporaries left by the faults (.building-*)",
        temporaries,
    );
    Ok((before, after_faults))
}

/// Undo whichever fault is in place.
fn restore(outbox: &Path, aside: &Path, settings: &mut FeederSettings) {
    settings.quota_blocks = None;
    if std::fs::metadata(outbox).is_ok_and(|m| m.is_file()) {
        let _ = std::fs::remove_file(outbox);
    }
    if aside.exists() && !outbox.exists() {
        let _ = std::fs::rename(aside, outbox);
    }
    restore_permissions(outbox);
}

fn restore_permissions(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if dir.is_dir() {
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755));
    }
}

/// `chmod 0555` the outbox; true when that actually stops this user from writing there.
fn chmod_binds(outbox: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    if std::fs::set_permissions(outbox, std::fs::Permissions::from_mode(0o555)).is_err() {
        return false;
    }
    let probe = outbox.join(".probe");
    match std::fs::create_dir(&probe) {
        Ok(()) => {
            let _ = std::fs::remove_dir(&probe);
            restore_permissions(outbox);
            false
        }
        Err(_) => true,
    }
}

/// Whether `ulimit -f 1` stops a write of 64 KiB into the outbox.
async fn quota_binds(outbox: &Path) -> bool {
    let probe = outbox.join(".probe");
    let status = tokio::process::Command::new("sh")
        .arg("-c")
        .arg("trap '' XFSZ; ulimit -f 1 || exit 0; head -c 65536 /dev/zero > \"$0\"")
        .arg(&probe)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .status()
        .await;
    let _ = std::fs::remove_file(&probe);
    status.is_ok_and(|s| !s.success())
}

/// Clients submitting actions of persons with an УНЗР from several tasks; half of the persons get
/// their register entry before their action (pending at once), half after it (held, released).
struct Submitters {
    stop: Arc<AtomicBool>,
    confirmed: Arc<AtomicU64>,
    tasks: Vec<tokio::task::JoinHandle<Tally>>,
}

#[derive(Default)]
struct Tally {
    ids: Vec<String>,
    errors: Vec<String>,
}

impl Submitters {
    fn start(svc: &Service, tasks: usize) -> Submitters {
        let stop = Arc::new(AtomicBool::new(false));
        let confirmed = Arc::new(AtomicU64::new(0));
        let seq = Arc::new(AtomicU64::new(0));
        let tasks = (0..tasks)
            .map(|_| {
                let (stop, confirmed, seq) = (stop.clone(), confirmed.clone(), seq.clone());
                let (url, token, db) = (svc.url(), svc.token.clone(), svc.database_url.clone());
                tokio::spawn(async move {
                    let mut tally = Tally::default();
                    let http = reqwest::Client::builder()
                        .timeout(Duration::from_secs(10))
                        .build()
                        .unwrap_or_default();
                    let mut conn = match blocking(move || {
                        PgConnection::establish(&db).map_err(|e| e.to_string())
                    })
                    .await
                    {
                        Ok(c) => c,
                        Err(e) => {
                            tally.errors.push(e);
                            return tally;
                        }
                    };
                    while !stop.load(Ordering::Relaxed) {
                        let n = seq.fetch_add(1, Ordering::Relaxed);
                        let (doc, unzr) = unzr_action(n);
                        let entry_first = n % 2 == 0;
                        if entry_first {
                            match register(conn, unzr.clone()).await {
                                Ok(c) => conn = c,
                                Err(e) => {
                                    tally.errors.push(e);
                                    break;
                                }
                            }
                        }
                        match submit(&http, &url, &token, &doc).await {
                            Ok(id) => {
                                tally.ids.push(id);
                                confirmed.fetch_add(1, Ordering::Relaxed);
                            }
                            Err(e) => tally.errors.push(e),
                        }
                        if !entry_first {
                            match register(conn, unzr).await {
                                Ok(c) => conn = c,
                                Err(e) => {
                                    tally.errors.push(e);
                                    break;
                                }
                            }
                        }
                        tokio::time::sleep(Duration::from_millis(10)).await;
                    }
                    tally
                })
            })
            .collect();
        Submitters {
            stop,
            confirmed,
            tasks,
        }
    }

    fn confirmed(&self) -> u64 {
        self.confirmed.load(Ordering::Relaxed)
    }

    /// Wait until `n` actions are confirmed, or `limit` has passed.
    async fn wait_for(&self, n: u64, limit: Duration) {
        let started = Instant::now();
        while self.confirmed() < n && started.elapsed() < limit {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn stop(self) -> Tally {
        self.stop.store(true, Ordering::Relaxed);
        let mut all = Tally::default();
        for t in self.tasks {
            match t.await {
                Ok(t) => {
                    all.ids.extend(t.ids);
                    all.errors.extend(t.errors);
                }
                Err(e) => all.errors.push(format!("submitter: {e}")),
            }
        }
        all
    }
}

/// A declaration of residence for a distinct person with a valid УНЗР; returns (body, УНЗР).
fn unzr_action(n: u64) -> (Vec<u8>, String) {
    let mut d = crate::example("declaration-of-residence");
    let (birth, unzr) = unzr_for(n);
    d["external_id"] = format!("U-{}-{n}", uuid::Uuid::now_v7().simple()).into();
    d["action"]["date"] = crate::kyiv_day(0).into();
    if let Some(p) = d["person"].as_object_mut() {
        p.remove("rnokpp");
    }
    d["person"]["unzr"] = unzr.clone().into();
    d["person"]["birth_date"] = birth.into();
    d["person"]["document"]["number"] = format!("{:09}", 200_000_000 + n).into();
    (serde_json::to_vec(&d).unwrap_or_default(), unzr)
}

/// A birth date and a valid УНЗР on it, distinct for every `n`.
fn unzr_for(n: u64) -> (String, String) {
    let base = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    let birth = base + chrono::Duration::days((n / 10_000) as i64);
    let digits = format!("{}{:04}", birth.format("%Y%m%d"), n % 10_000);
    let sum: u32 = digits
        .chars()
        .zip([7, 3, 1].iter().cycle())
        .map(|(c, w)| c.to_digit(10).unwrap_or(0) * w)
        .sum();
    (
        birth.to_string(),
        format!("{}-{}{}", &digits[..8], &digits[8..], sum % 10),
    )
}

/// `POST` one action, retrying on connection errors and `503`; the action id of the receipt.
async fn submit(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    body: &[u8],
) -> Result<String, String> {
    let mut last = String::new();
    for _ in 0..20 {
        let res = http
            .post(format!("{url}/v1/registration-actions"))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body.to_vec())
            .send()
            .await;
        match res {
            Ok(r) if r.status().is_success() => {
                let answer: Value = r.json().await.map_err(|e| e.to_string())?;
                return answer["action_id"]
                    .as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| format!("an answer without action_id: {answer}"));
            }
            Ok(r) if r.status().as_u16() == 503 => last = "503".into(),
            Ok(r) => {
                let status = r.status();
                return Err(format!("{status}: {}", r.text().await.unwrap_or_default()));
            }
            Err(e) => last = e.to_string(),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(format!("no receipt after 20 attempts: {last}"))
}

/// `dms-api register-entry --unzr …` through the same function, on the caller's connection
/// (given back unless the blocking task died with it).
async fn register(mut conn: PgConnection, unzr: String) -> Result<PgConnection, String> {
    tokio::task::spawn_blocking(move || {
        let u = dms_schemas::Unzr::parse(&unzr).map_err(|e| format!("УНЗР {unzr}: {e}"))?;
        let url = crate::database_url_of(&mut conn)?;
        crate::register_entry_blocking(&url, &u, None)
            .map_err(|e| format!("register entry: {e}"))?;
        Ok(conn)
    })
    .await
    .map_err(|e| format!("register entry: {e}"))?
}

// ---------------------------------------------------------------------------------------------
// Shared: the service, feeder processes, the database, the outbox
// ---------------------------------------------------------------------------------------------

/// A temporary directory removed when dropped, whatever happened.
struct Scratch {
    path: PathBuf,
}

impl Scratch {
    fn new(prefix: &str) -> Scratch {
        let path = std::env::temp_dir().join(format!("{prefix}-{}", uuid::Uuid::now_v7().simple()));
        let _ = std::fs::create_dir_all(&path);
        Scratch { path }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        restore_permissions(&self.path.join("outbox"));
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

fn seed() -> u64 {
    std::env::var("DMS_FAULTS_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| rand::thread_rng().gen())
}

fn eddr_state<T>(eddr: &Eddr, f: impl FnOnce(&mut EddrState) -> T) -> Option<T> {
    eddr.state.lock().ok().map(|mut s| f(&mut s))
}

struct FeederSettings {
    outbox: PathBuf,
    eddr_url: Option<String>,
    extra: Vec<(&'static str, String)>,
    /// Run under `ulimit -f <blocks>` (with SIGXFSZ ignored, so writes fail with EFBIG).
    quota_blocks: Option<u32>,
}

/// `dms-feeder run-once` for this service.
fn feeder(env: &Env, svc: &Service, s: &FeederSettings) -> tokio::process::Command {
    let bin = env.bin("dms-feeder");
    let mut cmd = match s.quota_blocks {
        Some(blocks) => {
            let mut c = tokio::process::Command::new("sh");
            c.arg("-c")
                .arg(format!(
                    "trap '' XFSZ; ulimit -f {blocks} || exit 97; exec \"$0\" run-once"
                ))
                .arg(bin);
            c
        }
        None => {
            let mut c = tokio::process::Command::new(bin);
            c.arg("run-once");
            c
        }
    };
    cmd.env("DATABASE_URL", &svc.database_url)
        .env("DMS_FEEDER_OUTBOX", &s.outbox)
        .env("DMS_KEYS_DIR", &svc.keys_dir)
        .env("DMS_FEEDER_BACKOFF_SECS", "0")
        .env("RUST_LOG", "warn")
        .env_remove("DMS_EDDR_URL")
        .env_remove("DMS_FEEDER_CRASH_AT")
        .env_remove("DMS_SIGNING_KID")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    if let Some(url) = &s.eddr_url {
        cmd.env("DMS_EDDR_URL", url);
    }
    for (k, val) in &s.extra {
        cmd.env(k, val);
    }
    cmd
}

/// A running feeder process whose output is collected as it comes.
struct Run {
    child: tokio::process::Child,
    stdout: tokio::task::JoinHandle<Vec<u8>>,
    stderr: tokio::task::JoinHandle<Vec<u8>>,
}

struct Finished {
    status: Option<ExitStatus>,
    stdout: String,
    stderr: String,
    timed_out: bool,
}

fn collect<R: tokio::io::AsyncRead + Unpin + Send + 'static>(
    r: Option<R>,
) -> tokio::task::JoinHandle<Vec<u8>> {
    tokio::spawn(async move {
        let mut buf = Vec::new();
        if let Some(mut r) = r {
            let _ = r.read_to_end(&mut buf).await;
        }
        buf
    })
}

impl Run {
    fn spawn(mut cmd: tokio::process::Command) -> Result<Run, String> {
        let mut child = cmd
            .spawn()
            .map_err(|e| format!("cannot start dms-feeder: {e}"))?;
        let stdout = collect(child.stdout.take());
        let stderr = collect(child.stderr.take());
        Ok(Run {
            child,
            stdout,
            stderr,
        })
    }

    fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// SIGKILL; true when the process was still running.
    fn kill(&mut self) -> bool {
        self.running() && self.child.start_kill().is_ok()
    }

    async fn finish(mut self, limit: Duration) -> Finished {
        let (status, timed_out) = match tokio::time::timeout(limit, self.child.wait()).await {
            Ok(s) => (s.ok(), false),
            Err(_) => {
                let _ = self.child.start_kill();
                (self.child.wait().await.ok(), true)
            }
        };
        let text =
            |b: Result<Vec<u8>, _>| String::from_utf8_lossy(&b.unwrap_or_default()).into_owned();
        Finished {
            status,
            stdout: text(self.stdout.await),
            stderr: text(self.stderr.await),
            timed_out,
        }
    }
}

impl Finished {
    fn success(&self) -> bool {
        !self.timed_out && self.status.is_some_and(|s| s.success())
    }

    fn killed(&self) -> bool {
        !self.timed_out && self.status.and_then(|s| s.signal()) == Some(9)
    }

    fn report(&self) -> Option<Value> {
        serde_json::from_str(self.stdout.trim()).ok()
    }

    fn describe(&self) -> String {
        let tail: String = {
            let s = self.stderr.trim();
            let start = s.char_indices().rev().nth(400).map_or(0, |(i, _)| i);
            s[start..].to_owned()
        };
        format!(
            "{}{}; stdout {:?}; stderr …{tail}",
            match self.status {
                Some(s) => format!("{s}"),
                None => "no exit status".into(),
            },
            if self.timed_out {
                format!(" (killed after {RUN_LIMIT:?})")
            } else {
                String::new()
            },
            self.stdout.trim()
        )
    }
}

/// `dms-feeder verify` over the given directories.
async fn verify(env: &Env, keys: &Path, dirs: &[PathBuf]) -> Result<(), String> {
    if dirs.is_empty() {
        return Ok(());
    }
    let out = tokio::process::Command::new(env.bin("dms-feeder"))
        .arg("verify")
        .arg("--keys")
        .arg(keys)
        .args(dirs)
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output()
        .await
        .map_err(|e| format!("cannot run dms-feeder verify: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        let err = String::from_utf8_lossy(&out.stderr);
        let lines: Vec<&str> = err.lines().take(5).collect();
        Err(format!("{}: {}", out.status, lines.join(" | ")))
    }
}

/// The `dataset-*` directories of the outbox, in name (= sequence) order.
fn dataset_dirs(outbox: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(outbox)
        .map(|r| {
            r.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with("dataset-"))
                })
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    dirs
}

fn dir_seq(dir: &Path) -> Option<i64> {
    dir.file_name()?
        .to_str()?
        .strip_prefix("dataset-")?
        .parse()
        .ok()
}

fn read_records(dir: &Path) -> Result<Vec<Value>, String> {
    let text = std::fs::read_to_string(dir.join("records.jsonl"))
        .map_err(|e| format!("{}: {e}", dir.display()))?;
    text.lines()
        .map(|l| serde_json::from_str(l).map_err(|e| format!("{}: {e}", dir.display())))
        .collect()
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, String> + Send + 'static,
) -> Result<T, String> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| e.to_string())?
}

async fn query<T: Send + 'static>(
    database_url: &str,
    f: impl FnOnce(&mut PgConnection) -> QueryResult<T> + Send + 'static,
) -> Result<T, String> {
    let url = database_url.to_owned();
    blocking(move || {
        let mut conn = PgConnection::establish(&url).map_err(|e| e.to_string())?;
        f(&mut conn).map_err(|e| e.to_string())
    })
    .await
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// A query answering one `n`.
async fn count(database_url: &str, sql: &'static str) -> Result<i64, String> {
    query(database_url, move |c| {
        diesel::sql_query(sql).get_result::<Count>(c).map(|r| r.n)
    })
    .await
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = Text)]
    id: String,
}

/// Every action the database holds a confirmation (receipt) for.
async fn confirmed_actions(database_url: &str) -> Result<BTreeSet<String>, String> {
    query(database_url, |c| {
        diesel::sql_query(
            "SELECT a.id::text AS id FROM registration_actions a \
             JOIN confirmations c ON c.action_id = a.id",
        )
        .load::<Id>(c)
    })
    .await
    .map(|rows| rows.into_iter().map(|r| r.id).collect())
}

#[derive(QueryableByName)]
struct Placed {
    #[diesel(sql_type = Text)]
    id: String,
    #[diesel(sql_type = Text)]
    state: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    seq: Option<i64>,
}

/// Every feed item: its state and data set.
async fn placements(database_url: &str) -> Result<Vec<Placed>, String> {
    query(database_url, |c| {
        diesel::sql_query("SELECT action_id::text AS id, state, dataset_seq AS seq FROM feed_items")
            .load::<Placed>(c)
    })
    .await
}

#[derive(QueryableByName)]
struct DatasetRow {
    #[diesel(sql_type = BigInt)]
    seq: i64,
    #[diesel(sql_type = Text)]
    state: String,
    #[diesel(sql_type = Integer)]
    record_count: i32,
}

async fn datasets(database_url: &str) -> Result<Vec<DatasetRow>, String> {
    query(database_url, |c| {
        diesel::sql_query("SELECT seq, state, record_count FROM datasets ORDER BY seq")
            .load::<DatasetRow>(c)
    })
    .await
}

//! Scenario 3: the feeder killed mid-delivery — at random moments, while the ЄДДР double holds a
//! delivery, and at its own crash points — while ЄДДР is slow and failing, under concurrent
//! submissions. Judged only from outside: the database, the outbox, what the double holds and
//! `dms-feeder verify`.

use crate::doubles::eddr::{Eddr, EddrState};
use crate::faults::env::{seed, Env, Scratch, FEEDER_RUN_LIMIT};
use crate::faults::judge::{self, Holder};
use crate::faults::observe;
use crate::faults::verdict::Verdict;
use crate::fixtures::{people, store};
use crate::load::{distinct_documents, Load, LoadOptions, Stats};
use crate::process::api::ApiProcess;
use crate::process::feeder::{dataset_dirs, dir_seq, read_records, Feeder, CRASH_STEPS};
use crate::process::run::Finished;
use diesel::sql_types::{Nullable, Text};
use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub async fn run(env: &Env) -> Verdict {
    let mut v = Verdict::new("3. feeder killed mid-delivery, ЄДДР slow and failing");
    let seed = seed();
    v.figure("seed (DMS_FAULTS_SEED)", seed);
    let scratch = Scratch::new("dms-faults-feeder-kill");
    let api = match ApiProcess::running(env.bin("dms-api")).await {
        Ok(s) => s,
        Err(e) => {
            v.expect(false, format!("setup: {e}"));
            return v;
        }
    };
    let outbox = scratch.path.join("outbox");
    let eddr = Eddr::start().await;
    if let Err(e) = against_eddr(env, &api, &outbox, seed, &mut v, &eddr).await {
        v.expect(false, e);
    }
    eddr.stop().await;
    api.teardown().await;
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

async fn against_eddr(
    env: &Env,
    api: &ApiProcess,
    outbox: &Path,
    seed: u64,
    v: &mut Verdict,
    eddr: &Eddr,
) -> Result<(), String> {
    let clients = if env.short { 3 } else { 6 };
    let max_records = if env.short { "60" } else { "150" };
    let mut feeder = Feeder::new(
        env.bin("dms-feeder"),
        &crate::db::runtime_url(&api.database_url),
        &api.keys_dir,
        outbox,
    )
    .eddr(&eddr.url);
    feeder.limit = FEEDER_RUN_LIMIT;
    feeder.extra = vec![
        ("DMS_FEEDER_MAX_RECORDS", max_records.into()),
        // Outages are injected often: the data set must stay retryable until ЄДДР is back.
        ("DMS_FEEDER_MAX_ATTEMPTS", "100000".into()),
        // Shorter than the slowest answers of the double: some deliveries time out after
        // ЄДДР has taken them.
        ("DMS_FEEDER_HTTP_TIMEOUT_SECS", "1".into()),
    ];

    let load = Load::start(
        &api.community(),
        LoadOptions::retrying(clients, Duration::from_secs(5), Duration::from_secs(3)),
        distinct_documents(),
    );
    let stop = Arc::new(AtomicBool::new(false));
    let unzrs = Arc::new(AtomicU64::new(5_000_000));
    let releaser = {
        let (url, stop, unzrs) = (api.database_url.clone(), stop.clone(), unzrs.clone());
        tokio::task::spawn_blocking(move || release_loop(&url, &stop, &unzrs))
    };
    let chaos = tokio::spawn(chaos_loop(eddr.clone(), stop.clone(), seed ^ 0x5eed));
    let mut runs = Runs::default();
    let killing = kill_loop(env, &feeder, eddr, seed, &mut runs).await;

    // Submissions stop; whatever is still held is released by its register entry.
    stop.store(true, Ordering::Relaxed);
    let outages = chaos.await.unwrap_or(0);
    let (outcomes, stats) = load.stop().await;
    let released = releaser.await.map_err(|e| e.to_string()).and_then(|r| r);
    killing?;
    let mut released = released.map_err(|e| format!("register entries: {e}"))?;
    released += {
        let url = api.database_url.clone();
        tokio::task::spawn_blocking(move || -> Result<u64, String> {
            let mut conn = PgConnection::establish(&url).map_err(|e| e.to_string())?;
            let mut n = 0;
            for _ in 0..5 {
                match release_held(&mut conn, &unzrs)? {
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
        let f = feeder.run_once(&[]).await;
        runs.note(&f);
        drain_runs += 1;
        if !f.success() {
            runs.unexplained.push(f.describe());
        }
        let open = observe::count(
            &api.database_url,
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
    let confirmed = observe::confirmed_actions(&api.database_url).await?;
    let placed = observe::placements(&api.database_url).await?;
    let db_datasets = observe::datasets(&api.database_url).await?;
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
            Stats::get(&stats.connection_errors)
        ),
    );

    judge::receipts_name_stored_actions(
        v,
        outcomes.iter().map(|o| o.answer["action_id"].as_str()),
        &confirmed,
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
    let seqs: Vec<i64> = held_by_eddr.keys().copied().collect();
    v.figure("data sets", seqs.len());
    v.figure("records delivered", records);
    v.figure("deliveries answered by ЄДДР (repeats included)", deliveries);
    judge::exactly_once(v, &confirmed, &accepted, Holder::Eddr);
    v.figure(
        "time to drain after ЄДДР recovered",
        format!("{:.1} s ({drain_runs} run(s))", drain_time.as_secs_f64()),
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

    // The database tells the same story.
    judge::chain(v, &seqs, &db_datasets, Holder::Eddr);
    let not_acknowledged: Vec<String> = db_datasets
        .iter()
        .filter(|d| d.state != "acknowledged")
        .map(|d| format!("{}:{}", d.seq, d.state))
        .collect();
    v.expect(
        not_acknowledged.is_empty(),
        format!("data sets not acknowledged: {not_acknowledged:?}"),
    );
    judge::placements(v, &placed, &accepted, Holder::Eddr);

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
    judge::verified(v, &feeder, &dirs).await;
    v.expect(!dirs.is_empty(), "no data set was written to the outbox");
    Ok(())
}

/// Feeder runs killed at random moments, mid-delivery and at crash points, until the chaos ends.
async fn kill_loop(
    env: &Env,
    feeder: &Feeder,
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
        let crash_at = (pick < 30).then(|| CRASH_STEPS[rng.gen_range(0..CRASH_STEPS.len())]);
        let crash = crash_at.is_some();
        let extra: Vec<(&str, &str)> = crash_at
            .map(|step| ("DMS_FEEDER_CRASH_AT", step))
            .into_iter()
            .collect();
        eddr_state(eddr, |s| s.in_flight = false);
        let mut run = feeder.spawn(&extra)?;
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
        let f = run.finish(feeder.limit).await;
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
        released += release_held(&mut conn, unzrs)?;
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
pub fn release_held(conn: &mut PgConnection, next: &AtomicU64) -> Result<u64, String> {
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
        let (_, unzr) = people::numbered(next.fetch_add(1, Ordering::Relaxed));
        released += store::register_entry(conn, &unzr, Some(&doc))? as u64;
    }
    Ok(released)
}

fn eddr_state<T>(eddr: &Eddr, f: impl FnOnce(&mut EddrState) -> T) -> Option<T> {
    eddr.state.lock().ok().map(|mut s| f(&mut s))
}

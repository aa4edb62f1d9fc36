//! Scenario 4: the outbox made unwritable in three ways (replaced by a file, out of space
//! mid-write, read-only) while submissions go on: the feeder must report every failure, record
//! nothing as written that was not, and deliver everything exactly once after recovery.

use crate::faults::env::{restore_permissions, Env, Scratch, FEEDER_RUN_LIMIT};
use crate::faults::judge::{self, Holder};
use crate::faults::observe::{self, DatasetRow};
use crate::faults::verdict::Verdict;
use crate::load::EntryLoad;
use crate::process::api::ApiProcess;
use crate::process::feeder::{dataset_dirs, dir_seq, read_records, Feeder};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

pub async fn run(env: &Env) -> Verdict {
    let mut v = Verdict::new("4. outbox unwritable");
    let scratch = Scratch::new("dms-faults-feeder-outbox");
    let api = match ApiProcess::running(env.bin("dms-api")).await {
        Ok(s) => s,
        Err(e) => {
            v.expect(false, format!("setup: {e}"));
            return v;
        }
    };
    if let Err(e) = outbox_unwritable_in(env, &api, &scratch.path, &mut v).await {
        v.expect(false, e);
    }
    // Whatever happened, leave the directory removable.
    restore_permissions(&scratch.path.join("outbox"));
    api.teardown().await;
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
    let ds = observe::datasets(database_url).await?;
    let done: Vec<&DatasetRow> = ds.iter().filter(|d| d.state != "building").collect();
    let items = observe::count(
        database_url,
        "SELECT count(*) AS n FROM feed_places f JOIN datasets d ON d.seq = f.dataset_seq \
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
    api: &ApiProcess,
    base: &Path,
    v: &mut Verdict,
) -> Result<(), String> {
    let outbox = base.join("outbox");
    let aside = base.join("outbox.aside");
    let mut feeder = Feeder::new(
        env.bin("dms-feeder"),
        &crate::db::runtime_url(&api.database_url),
        &api.keys_dir,
        &outbox,
    );
    feeder.limit = FEEDER_RUN_LIMIT;
    feeder.extra = vec![("DMS_FEEDER_MAX_RECORDS", OUTBOX_MAX_RECORDS.to_string())];
    let tasks = if env.short { 3 } else { 4 };
    let submitters = EntryLoad::start(&api.community(), &api.database_url, tasks);

    let faulted = under_faults(env, api, &outbox, &aside, &mut feeder, &submitters, v).await;
    restore(&outbox, &aside, &mut feeder);

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
        let f = feeder.run_once(&[]).await;
        recovery_runs += 1;
        v.expect(
            f.success(),
            format!(
                "a feeder run failed after the outbox was restored: {}",
                f.describe()
            ),
        );
        let open = observe::count(
            &api.database_url,
            "SELECT (SELECT count(*) FROM feed_places WHERE state IN ('pending','held')) + \
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

    let confirmed = observe::confirmed_actions(&api.database_url).await?;
    let placed = observe::placements(&api.database_url).await?;
    let db_datasets = observe::datasets(&api.database_url).await?;
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
    judge::exactly_once(v, &confirmed, &on_disk, Holder::Outbox);
    v.expect(
        after_faults.items == before.items,
        format!(
            "{} item(s) marked delivered while the outbox was unwritable",
            after_faults.items - before.items
        ),
    );
    judge::receipts_name_stored_actions(
        v,
        tally.ids.iter().map(|id| Some(id.as_str())),
        &confirmed,
    );
    judge::chain(v, &seqs, &db_datasets, Holder::Outbox);
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
    judge::placements(v, &placed, &on_disk, Holder::Outbox);
    judge::verified(v, &feeder, &dirs).await;
    Ok(())
}

/// The faults, one after another, while submissions go on: (sealed before, sealed after).
async fn under_faults(
    env: &Env,
    api: &ApiProcess,
    outbox: &Path,
    aside: &Path,
    feeder: &mut Feeder,
    submitters: &EntryLoad,
    v: &mut Verdict,
) -> Result<(Sealed, Sealed), String> {
    // Before the fault: the outbox works and holds a few data sets.
    submitters
        .wait_for(2 * OUTBOX_MAX_RECORDS, Duration::from_secs(5))
        .await;
    let f = feeder.run_once(&[]).await;
    if !f.success() {
        return Err(format!(
            "the feeder failed before any fault: {}",
            f.describe()
        ));
    }
    let before = sealed(&api.database_url).await?;
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
                feeder.quota_blocks = Some(1);
                quota_binds(outbox).await
            }
            Fault::ReadOnly => chmod_binds(outbox),
        };
        if !applied {
            faults_applied.push(format!("{}: does not bind here, skipped", fault.name()));
            restore(outbox, aside, feeder);
            continue;
        }
        let mut this_reported = 0;
        let mut first_error = None;
        for _ in 0..attempts_each {
            let f = feeder.run_once(&[]).await;
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
        let now = sealed(&api.database_url).await?;
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
        restore(outbox, aside, feeder);
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
    let after_faults = sealed(&api.database_url).await?;
    v.figure("faults", faults_applied.join("; "));
    v.figure("attempts while unwritable", attempts);
    v.figure("failures reported", reported);
    v.figure(
        "items marked delivered while unwritable",
        after_faults.items - before.items,
    );
    v.expect(attempts > 0, "no fault could be injected");
    // Retrying means the same claimed data set again, not a new one per failed attempt.
    let waiting = observe::count(
        &api.database_url,
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
fn restore(outbox: &Path, aside: &Path, feeder: &mut Feeder) {
    feeder.quota_blocks = None;
    if std::fs::metadata(outbox).is_ok_and(|m| m.is_file()) {
        let _ = std::fs::remove_file(outbox);
    }
    if aside.exists() && !outbox.exists() {
        let _ = std::fs::rename(aside, outbox);
    }
    restore_permissions(outbox);
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

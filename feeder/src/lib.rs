//! The ЄДДР feeder (rule 4): confirmed actions of persons known to ЄДДР are built into data sets
//! — `records.jsonl`, `manifest.json` (a hash chain) and `manifest.jws` — written durably and
//! delivered to the configured sink, exactly once whatever crashes in between.
//!
//! Crash safety comes from the state recorded in PostgreSQL: a data set's content is fixed when
//! its items are claimed, so each step (write, seal, deliver, record acknowledgements) can be
//! redone after a crash and yields the same bytes; ЄДДР deduplicates deliveries by sequence.

pub mod config;
mod files;
pub mod jobs;
pub mod record;
pub mod records;
pub mod sink;
pub mod verify;
pub mod write;

use anyhow::Context;
use chrono::{DateTime, Utc};
use diesel::{Connection, PgConnection};
use dms_crypto::KeyRing;
use dms_db::feed;

pub use config::Settings;
use std::time::Duration;

/// What one run did.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Report {
    pub built: Vec<i64>,
    pub delivered: Vec<i64>,
    pub retry_later: Vec<i64>,
    pub failed: Vec<i64>,
    /// Another feeder held the builder lock; nothing was done.
    pub busy: bool,
}

/// Crash injection for the exactly-once tests: `DMS_FEEDER_CRASH_AT=<step>` kills the process
/// with SIGKILL when it reaches that step.
pub fn crash_point(step: &str) {
    if std::env::var("DMS_FEEDER_CRASH_AT").as_deref() == Ok(step) {
        tracing::warn!(step, "crash injected");
        let _ = std::process::Command::new("kill")
            .args(["-KILL", &std::process::id().to_string()])
            .status();
        std::thread::sleep(Duration::from_secs(60));
    }
}

fn backoff(settings: &Settings, attempts: i32) -> Duration {
    let exp = settings
        .backoff_secs
        .saturating_mul(1u64 << attempts.clamp(0, 20));
    Duration::from_secs(exp.min(settings.backoff_max_secs))
}

/// Build and deliver whatever is due, then return. Safe to run concurrently from many
/// processes: only the holder of the builder lock does anything.
pub fn run_once(settings: &Settings) -> anyhow::Result<Report> {
    let mut conn =
        PgConnection::establish(&settings.database_url).context("connect to PostgreSQL")?;
    let mut report = Report::default();
    if !feed::try_lock_builder(&mut conn)? {
        report.busy = true;
        return Ok(report);
    }
    let keys = KeyRing::load(&settings.keys_dir, settings.signing_kid.as_deref())?;
    let signer = keys
        .signer()
        .context("no signing key: data sets cannot be sealed")?;
    let sink = sink::Sink::from_settings(settings)?;
    alert_on_stale_items(&mut conn, settings);
    // Every step of the bookkeeping is audited as this job, in the step's transaction.
    let who = dms_service::Actor::job("build-datasets").audit("", None, serde_json::json!({}));
    // What this run means to send: every item pending when it starts (later ones may come too).
    let run_end = feed::feed_end(&mut conn)?;
    // The second connection that reads half of a large data set, made when first needed.
    let mut reader: Option<PgConnection> = None;
    // Finish what an earlier run left (oldest first), then claim new data sets while items wait.
    loop {
        let ds = match feed::oldest_unfinished(&mut conn)? {
            Some(ds) => ds,
            None => match claim(&mut conn, settings.max_records, &who, run_end.as_ref())? {
                Some(ds) => {
                    crash_point("after_claim");
                    ds
                }
                None => break,
            },
        };
        if ds.state == dms_db::enums::DatasetState::Building {
            if reader.is_none() {
                reader = Some(
                    PgConnection::establish(&settings.database_url)
                        .context("connect to PostgreSQL (second reader)")?,
                );
            }
            let Some(second) = reader.as_mut() else {
                unreachable!("established above")
            };
            write::build(&mut conn, second, &ds, &settings.outbox, &signer, &who)?;
            report.built.push(ds.seq);
            continue;
        }
        if ds.next_attempt_at.is_some_and(|t| t > Utc::now()) {
            report.retry_later.push(ds.seq);
            break;
        }
        match sink.deliver(&mut conn, &ds, &settings.outbox, &who) {
            Ok(()) => report.delivered.push(ds.seq),
            Err(e) => {
                let next: DateTime<Utc> = Utc::now()
                    + chrono::Duration::from_std(backoff(settings, ds.attempts))
                        .unwrap_or_default();
                tracing::warn!(dataset.seq = ds.seq, attempts = ds.attempts + 1, error.message = %e, "delivery failed");
                feed::record_failure(
                    &mut conn,
                    ds.seq,
                    &e.to_string(),
                    next,
                    settings.max_attempts,
                    &who,
                )?;
                match feed::dataset(&mut conn, ds.seq)? {
                    Some(d) if d.state == dms_db::enums::DatasetState::Failed => {
                        tracing::error!(
                            dataset.seq = ds.seq,
                            "data set failed: delivery attempts exhausted"
                        );
                        report.failed.push(ds.seq);
                    }
                    _ => {
                        report.retry_later.push(ds.seq);
                        break;
                    }
                }
            }
        }
    }
    Ok(report)
}

/// Seal the audit log first, so the new data set's manifest carries a head that covers
/// everything committed until now; then claim.
fn claim(
    conn: &mut PgConnection,
    max: i64,
    who: &dms_db::audit::AuditEvent,
    run_end: Option<&feed::Place>,
) -> anyhow::Result<Option<feed::Dataset>> {
    dms_db::audit::chain::seal(conn).context("seal the audit log")?;
    // Items committed before the run started but behind the claim's horizon (an older write
    // transaction, anywhere in the cluster, still runs) are waited for, briefly, so that they
    // go with the others instead of a run later. Later items never hold a run back.
    let started = std::time::Instant::now();
    if let Some(end) = run_end {
        while started.elapsed() < HORIZON_WAIT && feed::behind_horizon(conn, end)? {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    Ok(feed::claim(conn, max, who)?)
}

/// How long a run waits for the claim's horizon to pass items that are already committed.
const HORIZON_WAIT: Duration = Duration::from_secs(10);

fn alert_on_stale_items(conn: &mut PgConnection, settings: &Settings) {
    match feed::stats(conn) {
        Ok(s) => {
            if let Some(age) = s
                .oldest_pending_age_seconds
                .filter(|a| *a > settings.alert_pending_secs as f64)
            {
                tracing::error!(
                    feed.pending = s.pending,
                    feed.oldest_pending_age_s = age,
                    "ALERT: feed items pending too long"
                );
            }
            tracing::info!(feed.pending = s.pending, feed.held = s.held, "feed state");
        }
        Err(e) => tracing::warn!(error.message = %e, "feed statistics unavailable"),
    }
}

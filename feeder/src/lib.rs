//! The ЄДДР feeder (rule 4): confirmed actions of persons known to ЄДДР are built into data sets
//! — `records.jsonl`, `manifest.json` (a hash chain) and `manifest.jws` — written durably and
//! delivered to the configured sink, exactly once whatever crashes in between.
//!
//! Crash safety comes from the state recorded in PostgreSQL: a data set's content is fixed when
//! its items are claimed, so each step (write, seal, deliver, record acknowledgements) can be
//! redone after a crash and yields the same bytes; ЄДДР deduplicates deliveries by sequence.

pub mod schedule;
pub mod sink;
pub mod verify;
pub mod write;

use anyhow::Context;
use chrono::{DateTime, Utc};
use diesel::{Connection, PgConnection};
use dms_crypto::KeyRing;
use dms_db::feed;
use std::path::PathBuf;
use std::time::Duration;

/// Feeder configuration: defaults, overridden by `DMS_*` environment variables or flags.
#[derive(Debug, Clone, clap::Args)]
pub struct Settings {
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: String,
    /// Directory data sets are written to (the embedded sink).
    #[arg(long, env = "DMS_FEEDER_OUTBOX", default_value = ".local/outbox")]
    pub outbox: PathBuf,
    /// ЄДДР endpoint; data sets are PUT to `<url>/datasets/<seq>` when set.
    #[arg(long, env = "DMS_EDDR_URL")]
    pub eddr_url: Option<String>,
    #[arg(long, env = "DMS_KEYS_DIR", default_value = ".local/keys")]
    pub keys_dir: PathBuf,
    #[arg(long, env = "DMS_SIGNING_KID")]
    pub signing_kid: Option<String>,
    /// Records per data set at most.
    #[arg(long, env = "DMS_FEEDER_MAX_RECORDS", default_value_t = 50_000)]
    pub max_records: i64,
    /// Delivery attempts before a data set is marked failed.
    #[arg(long, env = "DMS_FEEDER_MAX_ATTEMPTS", default_value_t = 8)]
    pub max_attempts: i32,
    /// First retry delay; doubles on each failure up to the ceiling.
    #[arg(long, env = "DMS_FEEDER_BACKOFF_SECS", default_value_t = 30)]
    pub backoff_secs: u64,
    #[arg(long, env = "DMS_FEEDER_BACKOFF_MAX_SECS", default_value_t = 3600)]
    pub backoff_max_secs: u64,
    /// HTTP timeout of one delivery.
    #[arg(long, env = "DMS_FEEDER_HTTP_TIMEOUT_SECS", default_value_t = 120)]
    pub http_timeout_secs: u64,
    /// A pending item older than this is logged as an alert.
    #[arg(long, env = "DMS_FEEDER_ALERT_PENDING_SECS", default_value_t = 3600)]
    pub alert_pending_secs: u64,
}

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
    // Finish what an earlier run left (oldest first), then claim new data sets while items wait.
    loop {
        let ds = match feed::oldest_unfinished(&mut conn)? {
            Some(ds) => ds,
            None => match feed::claim(&mut conn, settings.max_records)? {
                Some(ds) => {
                    crash_point("after_claim");
                    ds
                }
                None => break,
            },
        };
        if ds.state == dms_db::enums::DatasetState::Building {
            write::build(&mut conn, &ds, &settings.outbox, &signer)?;
            report.built.push(ds.seq);
            continue;
        }
        if ds.next_attempt_at.is_some_and(|t| t > Utc::now()) {
            report.retry_later.push(ds.seq);
            break;
        }
        match sink.deliver(&mut conn, &ds, &settings.outbox) {
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

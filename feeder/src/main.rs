//! `dms-feeder`: build and deliver data sets for ЄДДР (`run-once`, `schedule`) and verify
//! delivered data sets offline (`verify`).

use anyhow::Context;
use clap::{Parser, Subcommand};
use dms_feeder::schedule::KyivDaily;
use dms_feeder::Settings;
use std::path::PathBuf;
use tokio_cron_scheduler::{Job, JobScheduler};

#[derive(Parser)]
#[command(
    name = "dms-feeder",
    version,
    about = "Data sets for the Unified State Demographic Register (ЄДДР)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build and deliver whatever is due, then exit.
    RunOnce(Settings),
    /// Run on a schedule (cron in UTC) until interrupted.
    Schedule {
        #[command(flatten)]
        settings: Settings,
        /// Cron expressions (seconds first, UTC) for regular runs.
        #[arg(
            long,
            env = "DMS_FEEDER_CRON",
            default_value = "0 */10 * * * *",
            value_delimiter = ';'
        )]
        cron: Vec<String>,
        /// The daily run at this Kyiv time (HH:MM), whatever the daylight-saving offset.
        #[arg(long, env = "DMS_FEEDER_DAILY_KYIV", default_value = "23:55")]
        daily_kyiv: String,
    },
    /// Verify data-set directories offline; exits non-zero on any problem.
    Verify {
        /// A JWKS file, or a key directory.
        #[arg(long, env = "DMS_KEYS_DIR", default_value = ".local/keys")]
        keys: PathBuf,
        dirs: Vec<PathBuf>,
    },
}

fn mark_overdue(database_url: &str) {
    let run = async {
        let pool = dms_db::connect(database_url, 1)?;
        let services = dms_service::Services::new(pool, dms_crypto::KeyRing::empty())?;
        let actor = dms_service::Actor::job("mark_overdue");
        anyhow::Ok(dms_service::verification_requests::mark_overdue(&services, &actor).await?)
    };
    match tokio::runtime::Handle::current().block_on(run) {
        Ok(n) => tracing::info!(marked = n, "verification requests marked overdue"),
        Err(e) => tracing::error!(error.message = %e, "marking overdue requests failed"),
    }
}

fn seal_audit(database_url: &str) {
    use diesel::Connection;
    let result = diesel::PgConnection::establish(database_url)
        .map_err(anyhow::Error::from)
        .and_then(|mut conn| Ok(dms_db::audit::chain::seal(&mut conn, 5)?));
    match result {
        Ok(n) => tracing::info!(sealed = n, "audit rows sealed"),
        Err(e) => tracing::error!(error.message = %e, "sealing the audit log failed"),
    }
}

fn run_logged(settings: &Settings) {
    match dms_feeder::run_once(settings) {
        Ok(report) => tracing::info!(
            built = ?report.built, delivered = ?report.delivered, retry_later = ?report.retry_later,
            failed = ?report.failed, busy = report.busy, "feeder run finished"
        ),
        Err(e) => tracing::error!(error.message = %e, "feeder run failed"),
    }
}

async fn schedule(settings: Settings, cron: Vec<String>, daily_kyiv: String) -> anyhow::Result<()> {
    let sched = JobScheduler::new().await?;
    for expr in cron {
        let s = settings.clone();
        sched
            .add(Job::new_async(expr.as_str(), move |_, _| {
                let s = s.clone();
                Box::pin(async move {
                    let _ = tokio::task::spawn_blocking(move || run_logged(&s)).await;
                })
            })?)
            .await?;
    }
    let daily = KyivDaily::parse(&daily_kyiv).context("--daily-kyiv is HH:MM")?;
    for expr in daily.utc_crons() {
        let s = settings.clone();
        sched
            .add(Job::new_async(expr.as_str(), move |_, _| {
                let s = s.clone();
                Box::pin(async move {
                    // Only one of the two UTC times is HH:MM in Kyiv on a given day.
                    if daily.is_due(chrono::Utc::now()) {
                        let _ = tokio::task::spawn_blocking(move || run_logged(&s)).await;
                    }
                })
            })?)
            .await?;
    }
    // Rule 5: flag verification requests unanswered after their due day.
    let url = settings.database_url.clone();
    sched
        .add(Job::new_async("0 */15 * * * *", move |_, _| {
            let url = url.clone();
            Box::pin(async move {
                let _ = tokio::task::spawn_blocking(move || mark_overdue(&url)).await;
            })
        })?)
        .await?;
    // Seal the audit log into its hash chain.
    let url = settings.database_url.clone();
    sched
        .add(Job::new_async("30 */10 * * * *", move |_, _| {
            let url = url.clone();
            Box::pin(async move {
                let _ = tokio::task::spawn_blocking(move || seal_audit(&url)).await;
            })
        })?)
        .await?;
    sched.start().await?;
    tracing::info!("feeder scheduled");
    tokio::signal::ctrl_c().await?;
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    dms_db::logging::init();
    match cli.command {
        Command::RunOnce(settings) => {
            let report = dms_feeder::run_once(&settings)?;
            println!("{}", serde_json::to_string(&report)?);
            Ok(())
        }
        Command::Schedule {
            settings,
            cron,
            daily_kyiv,
        } => tokio::runtime::Runtime::new()?.block_on(schedule(settings, cron, daily_kyiv)),
        Command::Verify { keys, dirs } => {
            let jwks = if keys.is_file() {
                serde_json::from_slice(&std::fs::read(&keys)?)?
            } else {
                dms_crypto::KeyRing::load(&keys, None)?.jwks()
            };
            let problems = dms_feeder::verify::verify(&dirs, &jwks);
            if problems.is_empty() {
                println!("{} data set(s) verified", dirs.len());
                Ok(())
            } else {
                for p in &problems {
                    eprintln!("{p}");
                }
                std::process::exit(1);
            }
        }
    }
}

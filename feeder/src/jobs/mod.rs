//! Every job `dms-feeder schedule` runs, in one list, and the scheduler that runs them: the
//! data-set job defined here, and the service's mark-overdue, audit-seal and bulk-lines-purge
//! jobs.

mod build_datasets;

pub use build_datasets::BuildDatasets;

use crate::Settings;
use dms_service::jobs::{Job, MarkOverdue, PurgeBulkLines, SealAudit};
use std::sync::Arc;
use tokio_cron_scheduler::JobScheduler;

/// The jobs, configured.
pub fn all(settings: &Settings) -> Vec<Arc<dyn Job>> {
    vec![
        Arc::new(BuildDatasets::new(settings.clone())),
        Arc::new(MarkOverdue::new(
            settings.database_url.clone(),
            &settings.jobs,
        )),
        Arc::new(SealAudit::new(
            settings.database_url.clone(),
            &settings.jobs,
        )),
        Arc::new(PurgeBulkLines::new(
            settings.database_url.clone(),
            &settings.jobs,
        )),
    ]
}

/// The job called `name`.
pub fn by_name(settings: &Settings, name: &str) -> Option<Arc<dyn Job>> {
    all(settings).into_iter().find(|j| j.name() == name)
}

/// Run `job` once and log what it did.
pub fn run_logged(job: &dyn Job) {
    match job.run() {
        Ok(outcome) => tracing::info!(job = job.name(), outcome, "job finished"),
        Err(e) => tracing::error!(job = job.name(), error.message = %e, "job failed"),
    }
}

/// Register every trigger of every job with a scheduler (cron in UTC) and start it. Runs go to
/// blocking threads: the jobs use synchronous database connections and HTTP.
pub async fn start(
    jobs: Vec<Arc<dyn Job>>,
) -> Result<JobScheduler, tokio_cron_scheduler::JobSchedulerError> {
    let sched = JobScheduler::new().await?;
    for job in jobs {
        for trigger in job.schedule().triggers() {
            let job = job.clone();
            let cron = trigger.cron.clone();
            sched
                .add(tokio_cron_scheduler::Job::new_async(
                    cron.as_str(),
                    move |_, _| {
                        let (job, trigger) = (job.clone(), trigger.clone());
                        Box::pin(async move {
                            // A Kyiv wall-clock trigger fires at two UTC times; one is today's.
                            if trigger.is_due(chrono::Utc::now()) {
                                let _ =
                                    tokio::task::spawn_blocking(move || run_logged(job.as_ref()))
                                        .await;
                            }
                        })
                    },
                )?)
                .await?;
        }
        tracing::info!(job = job.name(), schedule = %job.schedule(), "job scheduled");
    }
    sched.start().await?;
    Ok(sched)
}

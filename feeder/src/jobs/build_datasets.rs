//! The data-set job (rule 4): build whatever is due into data sets and deliver them.

use crate::{run_once, Settings};
use dms_service::jobs::{Job, JobError, Schedule};

pub struct BuildDatasets {
    settings: Settings,
    schedule: Schedule,
}

impl BuildDatasets {
    pub fn new(settings: Settings) -> Self {
        let mut schedule = Schedule::utc(settings.cron.clone());
        if let Some(daily) = settings.daily_kyiv {
            schedule = schedule.and_kyiv_daily(daily);
        }
        BuildDatasets { settings, schedule }
    }
}

impl Job for BuildDatasets {
    fn name(&self) -> &'static str {
        "build-datasets"
    }

    fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    /// The run's report as JSON (what `dms-feeder run-once` prints).
    fn run(&self) -> Result<String, JobError> {
        // `{:#}` keeps the causes ("connect to PostgreSQL: …"), which the log line needs.
        let report =
            run_once(&self.settings).map_err(|e| JobError::Failed(format!("{e:#}").into()))?;
        serde_json::to_string(&report).map_err(|e| JobError::Failed(e.into()))
    }
}

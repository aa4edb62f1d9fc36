//! Clear the text of finished bulk loads' lines once the retention period is over
//! (`jobs.bulk_lines_retention_days` after the load was done).

use super::{block_on, services, Job, JobError, JobsSettings, Schedule};
use crate::bulk::{purge_lines, PURGE_WINDOW};

pub struct PurgeBulkLines {
    database_url: String,
    schedule: Schedule,
    retention_days: u32,
}

impl PurgeBulkLines {
    pub fn new(database_url: impl Into<String>, settings: &JobsSettings) -> Self {
        PurgeBulkLines {
            database_url: database_url.into(),
            schedule: Schedule::utc([settings.bulk_lines_purge_cron.clone()]),
            retention_days: settings.bulk_lines_retention_days,
        }
    }
}

impl Job for PurgeBulkLines {
    fn name(&self) -> &'static str {
        "bulk-lines-purge"
    }

    fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    fn run(&self) -> Result<String, JobError> {
        let services = services(&self.database_url)?;
        let actor = crate::Actor::job("bulk-lines-purge");
        let p = block_on(purge_lines(
            &services,
            &actor,
            self.retention_days,
            PURGE_WINDOW,
            None,
        ))?
        .map_err(|e| JobError::Failed(Box::new(e)))?;
        Ok(format!(
            "lines cleared: {}; loads wholly cleared: {} (done over {} days ago)",
            p.lines, p.loads, self.retention_days
        ))
    }
}

//! Rule 5: verification requests unanswered after their due day (Kyiv calendar) are flagged
//! overdue. Listings derive the state when read; this records the flag for reports and alerts.

use super::{block_on, services, Job, JobError, JobsSettings, Schedule};

pub struct MarkOverdue {
    database_url: String,
    schedule: Schedule,
}

impl MarkOverdue {
    pub fn new(database_url: impl Into<String>, settings: &JobsSettings) -> Self {
        MarkOverdue {
            database_url: database_url.into(),
            schedule: Schedule::utc([settings.mark_overdue_cron.clone()]),
        }
    }
}

impl Job for MarkOverdue {
    fn name(&self) -> &'static str {
        "mark-overdue"
    }

    fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    fn run(&self) -> Result<String, JobError> {
        // The same operation as everywhere else, audited as this job; the due day it compares
        // with is the Kyiv calendar day, whatever the scheduler's UTC.
        let services = services(&self.database_url)?;
        let actor = crate::Actor::job("mark-overdue");
        let n = block_on(crate::verification_requests::mark_overdue(
            &services, &actor,
        ))?
        .map_err(|e| JobError::Failed(Box::new(e)))?;
        Ok(format!("marked overdue: {n}"))
    }
}

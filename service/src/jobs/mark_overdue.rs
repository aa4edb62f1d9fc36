//! Rule 5: verification requests unanswered after their due day (Kyiv calendar) are flagged
//! overdue. Listings derive the state when read; this records the flag for reports and alerts.

use super::{connect, Job, JobError, JobsSettings, Schedule};

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
        let mut conn = connect(&self.database_url)?;
        // The scheduler fires in UTC; the due day is a Kyiv calendar day.
        let today = dms_schemas::time::kyiv_date(chrono::Utc::now());
        let n = dms_db::staff::mark_overdue(&mut conn, today)?;
        Ok(format!("marked overdue: {n}"))
    }
}

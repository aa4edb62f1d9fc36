//! Seal new audit rows into the audit log's hash chain, leaving the newest ones (younger than
//! the grace period) for the next run so that rows of transactions still in flight are never
//! skipped.

use super::{connect, Job, JobError, JobsSettings, Schedule};

pub struct SealAudit {
    database_url: String,
    schedule: Schedule,
    grace_secs: i64,
}

impl SealAudit {
    pub fn new(database_url: impl Into<String>, settings: &JobsSettings) -> Self {
        SealAudit {
            database_url: database_url.into(),
            schedule: Schedule::utc([settings.audit_seal_cron.clone()]),
            grace_secs: i64::try_from(settings.audit_seal_grace_secs).unwrap_or(i64::MAX),
        }
    }
}

impl Job for SealAudit {
    fn name(&self) -> &'static str {
        "audit-seal"
    }

    fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    fn run(&self) -> Result<String, JobError> {
        let mut conn = connect(&self.database_url)?;
        let n = dms_db::audit::chain::seal(&mut conn, self.grace_secs)?;
        Ok(format!("sealed: {n}"))
    }
}

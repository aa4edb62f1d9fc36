//! Seal new audit rows into the audit log's hash chain. Each run records its horizon, so a row
//! whose transaction commits late is sealed by the run after it appears; no grace period is
//! needed (`jobs.audit_seal_grace_secs` is still read, and ignored).

use super::{connect, Job, JobError, JobsSettings, Schedule};

pub struct SealAudit {
    database_url: String,
    schedule: Schedule,
}

impl SealAudit {
    pub fn new(database_url: impl Into<String>, settings: &JobsSettings) -> Self {
        SealAudit {
            database_url: database_url.into(),
            schedule: Schedule::utc([settings.audit_seal_cron.clone()]),
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
        let n = dms_db::audit::chain::seal(&mut conn)?;
        Ok(format!("sealed: {n}"))
    }
}

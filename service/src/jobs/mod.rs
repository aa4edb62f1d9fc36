//! Scheduled jobs: each one a unit (name, schedule, run), run by the feeder's scheduler and by
//! its command-line command alike.
//!
//! `run` is blocking (the database work is synchronous diesel, the data-set delivery blocking
//! HTTP): the scheduler calls it on a blocking thread, a command calls it directly.

mod mark_overdue;
mod purge_bulk_lines;
mod schedule;
mod seal_audit;

pub use mark_overdue::MarkOverdue;
pub use purge_bulk_lines::PurgeBulkLines;
pub use schedule::{check_cron, CronError, KyivDaily, Schedule, Trigger};
pub use seal_audit::SealAudit;

/// A scheduled job.
pub trait Job: Send + Sync {
    /// Stable name: the `job` field of its log lines and the name a command runs it by.
    fn name(&self) -> &'static str;

    /// When the scheduler runs it.
    fn schedule(&self) -> &Schedule;

    /// Run once: one line saying what was done (printed by a command, logged by the
    /// scheduler).
    fn run(&self) -> Result<String, JobError>;
}

/// Why a run failed. Nothing is left half-done: each job's work is one transaction or is
/// resumed by the next run.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error("cannot connect to PostgreSQL: {0}")]
    Connect(#[from] diesel::ConnectionError),
    #[error("database: {0}")]
    Database(#[from] diesel::result::Error),
    #[error("{0}")]
    Failed(Box<dyn std::error::Error + Send + Sync>),
}

/// The longest retention period of a bulk load's line text that can be set: a century.
pub const RETENTION_DAYS_MAX: u32 = 36_500;

/// The configurable part of the jobs defined here (`[jobs]` in the configuration file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobsSettings {
    /// When verification requests are checked for being overdue (cron, UTC).
    pub mark_overdue_cron: String,
    /// When new audit rows are sealed into the hash chain (cron, UTC).
    pub audit_seal_cron: String,
    /// No longer used: seal runs record their horizon, so a row that commits late is sealed by
    /// the next run. Still read so that existing files and environments keep working.
    pub audit_seal_grace_secs: u64,
    /// When the text of finished bulk loads' lines is cleared (cron, UTC).
    pub bulk_lines_purge_cron: String,
    /// How many days after a bulk load is done its lines keep their text.
    pub bulk_lines_retention_days: u32,
}

/// The built-in defaults (one source: the configuration's key list).
impl Default for JobsSettings {
    fn default() -> Self {
        Self::read(&mut dms_config::Layers::builtin())
    }
}

impl JobsSettings {
    /// `[jobs]` from the layered configuration (both binaries read it).
    pub fn read(l: &mut dms_config::Layers) -> Self {
        JobsSettings {
            mark_overdue_cron: l.get("jobs.mark_overdue_cron").unwrap_or_default(),
            audit_seal_cron: l.get("jobs.audit_seal_cron").unwrap_or_default(),
            audit_seal_grace_secs: l.get("jobs.audit_seal_grace_secs").unwrap_or_default(),
            bulk_lines_purge_cron: l.get("jobs.bulk_lines_purge_cron").unwrap_or_default(),
            bulk_lines_retention_days: l.get("jobs.bulk_lines_retention_days").unwrap_or_default(),
        }
    }

    /// The schedules must be expressions the scheduler accepts; found at start-up, not when a
    /// job is registered.
    pub fn check(&self, l: &mut dms_config::Layers) {
        for (path, cron) in [
            ("jobs.mark_overdue_cron", &self.mark_overdue_cron),
            ("jobs.audit_seal_cron", &self.audit_seal_cron),
            ("jobs.bulk_lines_purge_cron", &self.bulk_lines_purge_cron),
        ] {
            if let Err(e) = check_cron(cron) {
                l.invalid(path, &e.to_string());
            }
        }
        if !(1..=RETENTION_DAYS_MAX).contains(&self.bulk_lines_retention_days) {
            l.invalid(
                "jobs.bulk_lines_retention_days",
                &format!("must be from 1 to {RETENTION_DAYS_MAX} days"),
            );
        }
    }
}

/// A connection for one run: jobs run seldom, so a pool would only hold connections idle.
fn connect(database_url: &str) -> Result<diesel::PgConnection, JobError> {
    use diesel::Connection;
    Ok(diesel::PgConnection::establish(database_url)?)
}

/// The service layer on a one-connection pool, for one run of a job.
fn services(database_url: &str) -> Result<crate::Services, JobError> {
    let pool = dms_db::connect(database_url, 1).map_err(|e| JobError::Failed(Box::new(e)))?;
    crate::Services::new(pool, dms_crypto::KeyRing::empty())
        .map_err(|e| JobError::Failed(Box::new(e)))
}

/// Run an operation to completion from a job's blocking `run`: on the runtime's handle when
/// called from one of its blocking threads (the scheduler), else on a runtime of its own (a
/// command).
fn block_on<F: std::future::Future>(future: F) -> Result<F::Output, JobError> {
    match tokio::runtime::Handle::try_current() {
        Ok(handle) => Ok(handle.block_on(future)),
        Err(_) => {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| JobError::Failed(Box::new(e)))?;
            Ok(rt.block_on(future))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::JobsSettings;

    #[test]
    fn the_default_schedules_are_the_documented_ones() {
        let d = JobsSettings::default();
        assert_eq!(d.mark_overdue_cron, "0 */15 * * * *");
        assert_eq!(d.audit_seal_cron, "30 */10 * * * *");
        assert_eq!(d.audit_seal_grace_secs, 5);
        assert_eq!(d.bulk_lines_purge_cron, "0 40 0 * * *");
        assert_eq!(d.bulk_lines_retention_days, 30);
    }
}

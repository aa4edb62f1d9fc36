//! `mark-overdue`, `audit-seal`: one run of the scheduled jobs (the same units `dms-feeder
//! schedule` runs); `audit-verify`: re-check the audit chain.

use super::{Context, Db};
use dms_service::jobs::{Job, MarkOverdue, SealAudit};
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Flag verification requests unanswered after their due day (also a scheduled job).
    MarkOverdue(Db),
    /// Seal new audit rows into the hash chain (also a scheduled job).
    AuditSeal(Db),
    /// Re-check the audit hash chain; exits non-zero naming the first broken row.
    AuditVerify(Db),
}

pub fn run(ctx: &Context, command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::MarkOverdue(db) => {
            let s = ctx.database(&db)?;
            run_job(&MarkOverdue::new(s.database_url, &s.jobs))
        }
        Command::AuditSeal(db) => {
            let s = ctx.database(&db)?;
            run_job(&SealAudit::new(s.database_url, &s.jobs))
        }
        Command::AuditVerify(db) => {
            let s = ctx.database(&db)?;
            let services = super::services(&s)?;
            let v = super::runtime()?
                .block_on(dms_service::audit_log::verify(
                    &services,
                    &dms_service::Actor::operator(),
                ))
                .map_err(super::refused)?;
            println!("{}", serde_json::to_string(&v)?);
            Ok(if v.first_broken.is_some() {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
    }
}

fn run_job(job: &dyn Job) -> anyhow::Result<ExitCode> {
    println!("{}", job.run()?);
    Ok(ExitCode::SUCCESS)
}

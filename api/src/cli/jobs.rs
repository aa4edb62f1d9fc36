//! `mark-overdue`, `audit-seal`, `bulk-lines-purge`: one run of the scheduled jobs (the same
//! units `dms-feeder schedule` runs); `audit-verify`: re-check the audit chain, and that it
//! still holds a head taken out of the database earlier (a data-set manifest's `audit_head`).

use super::{Context, Db};
use anyhow::Context as _;
use dms_db::audit::chain::Head;
use dms_service::jobs::{Job, MarkOverdue, PurgeBulkLines, SealAudit};
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Flag verification requests unanswered after their due day (also a scheduled job).
    MarkOverdue(Db),
    /// Seal new audit rows into the hash chain (also a scheduled job).
    AuditSeal(Db),
    /// Clear the text of the lines of bulk loads done more than `jobs.bulk_lines_retention_days`
    /// ago; their results and receipts stay (also a scheduled job).
    BulkLinesPurge(Db),
    /// Re-check the audit hash chain and look for unsealed rows; exits non-zero naming the
    /// first broken row, or when the chain no longer holds the head given with --head.
    AuditVerify {
        #[command(flatten)]
        db: Db,
        /// A chain head held outside the database: a data set's manifest.json or manifest.jws
        /// (its signature is checked against the key ring), or the head's JSON
        /// `{"seq","audit_id","hash","sealed_at"}`, as a file or as text.
        #[arg(long, value_name = "MANIFEST|JSON")]
        head: Option<String>,
    },
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
        Command::BulkLinesPurge(db) => {
            let s = ctx.database(&db)?;
            run_job(&PurgeBulkLines::new(s.database_url, &s.jobs))
        }
        Command::AuditVerify { db, head } => {
            let s = ctx.database(&db)?;
            let given = head.map(|h| read_head(&h, &s.keys_dir)).transpose()?;
            let services = super::services(&s)?;
            let v = super::runtime()?
                .block_on(dms_service::audit_log::verify(
                    &services,
                    &dms_service::Actor::operator(),
                    given.as_ref(),
                ))
                .map_err(super::refused)?;
            println!("{}", serde_json::to_string(&v)?);
            Ok(if v.intact() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
    }
}

/// The head in `arg`: a file or text holding a manifest (JSON or its JWS) or the head itself.
fn read_head(arg: &str, keys_dir: &std::path::Path) -> anyhow::Result<Head> {
    let path = std::path::Path::new(arg);
    let text = if path.is_file() {
        std::fs::read_to_string(path).with_context(|| format!("read {}", path.display()))?
    } else {
        arg.to_owned()
    };
    let text = text.trim();
    let json: serde_json::Value = if text.starts_with('{') {
        serde_json::from_str(text).context("--head is not JSON")?
    } else {
        let keys = dms_crypto::KeyRing::load_verifying(keys_dir)
            .with_context(|| format!("load the key ring from {}", keys_dir.display()))?;
        let (_, typ, payload) = dms_crypto::verify_compact(text, &keys.jwks())
            .map_err(|e| anyhow::anyhow!("the manifest's signature: {e}"))?;
        anyhow::ensure!(
            typ == "dms-manifest+jws",
            "--head is a JWS of type {typ:?}, not a data-set manifest"
        );
        serde_json::from_slice(&payload).context("the signed manifest is not JSON")?
    };
    let head = match json.get("audit_head") {
        Some(serde_json::Value::Null) => anyhow::bail!("the manifest carries no audit head"),
        Some(h) => h.clone(),
        None => json,
    };
    serde_json::from_value(head)
        .context("--head: not an audit head {seq, audit_id, hash, sealed_at}")
}

fn run_job(job: &dyn Job) -> anyhow::Result<ExitCode> {
    println!("{}", job.run()?);
    Ok(ExitCode::SUCCESS)
}

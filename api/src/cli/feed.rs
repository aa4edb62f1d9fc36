//! `register-entry`: the document-issuance side reports that a person is in ЄДДР, which
//! releases their held actions into the feed.

use super::{Context, Db};
use anyhow::{anyhow, Context as _};
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Record that a person is entered in ЄДДР (from the document-issuance side): their held
    /// actions are released into the next data set, oldest first.
    RegisterEntry {
        #[command(flatten)]
        db: Db,
        #[arg(long)]
        unzr: String,
        /// Type of the document the УНЗР was issued on (e.g. id_card).
        #[arg(long, requires = "document_number")]
        document_type: Option<String>,
        #[arg(long, requires = "document_type")]
        document_number: Option<String>,
    },
}

pub fn run(ctx: &Context, command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::RegisterEntry {
            db,
            unzr,
            document_type,
            document_number,
        } => {
            let settings = ctx.database(&db)?;
            let unzr = dms_schemas::Unzr::parse(&unzr).map_err(|e| anyhow!("УНЗР: {e}"))?;
            let document = match (document_type, document_number) {
                (Some(t), Some(n)) => {
                    let kind: dms_schemas::DocumentType =
                        serde_json::from_value(serde_json::Value::String(t))
                            .context("unknown document type")?;
                    Some(
                        dms_schemas::DocumentNumber::parse(kind, &n)
                            .map_err(|e| anyhow!("document number: {e}"))?,
                    )
                }
                _ => None,
            };
            let services = super::services(&settings)?;
            let released = super::runtime()?
                .block_on(dms_service::register_entries::record(
                    &services,
                    &dms_service::Actor::operator(),
                    &unzr,
                    document.as_ref(),
                ))
                .map_err(super::refused)?;
            println!("released {released} held action(s)");
        }
    }
    Ok(ExitCode::SUCCESS)
}

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
            let document_key = match (document_type, document_number) {
                (Some(t), Some(n)) => {
                    let kind: dms_schemas::DocumentType =
                        serde_json::from_value(serde_json::Value::String(t))
                            .context("unknown document type")?;
                    let doc = dms_schemas::DocumentNumber::parse(kind, &n)
                        .map_err(|e| anyhow!("document number: {e}"))?;
                    Some(dms_schemas::action::document_key(&doc))
                }
                _ => None,
            };
            use diesel::Connection;
            let mut conn = diesel::PgConnection::establish(&settings.database_url)?;
            let released = dms_db::feed::register_entry(
                &mut conn,
                unzr.as_str(),
                &dms_schemas::action::unzr_key(&unzr),
                document_key.as_deref(),
            )?;
            println!("released {released} held action(s)");
        }
    }
    Ok(ExitCode::SUCCESS)
}

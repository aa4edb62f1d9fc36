//! `import-katottg`: load (or refresh) the territorial codifier from the official XLSX.

use super::{Context, OwnerDb};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Import (or refresh) the territorial codifier from the official КАТОТТГ XLSX, as the role
    /// that owns the schema (reference data is an operator's act, not the runtime's).
    ImportKatottg {
        #[command(flatten)]
        db: OwnerDb,
        file: PathBuf,
    },
}

pub fn run(ctx: &Context, command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::ImportKatottg { db, file } => {
            let url = ctx.owner_url(&db)?;
            let rows = dms_db::import::read_workbook(&file)?;
            let source = dms_db::import::Source::of_file(&file)?;
            let n = dms_db::import::import(&url, &rows, &source)?;
            println!("codifier objects imported: {n}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

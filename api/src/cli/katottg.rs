//! `import-katottg`: load (or refresh) the territorial codifier from the official XLSX.

use super::{Context, Db};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Import (or refresh) the territorial codifier from the official КАТОТТГ XLSX.
    ImportKatottg {
        #[command(flatten)]
        db: Db,
        file: PathBuf,
    },
}

pub fn run(ctx: &Context, command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::ImportKatottg { db, file } => {
            let settings = ctx.database(&db)?;
            let rows = dms_db::import::read_workbook(&file)?;
            let n = dms_db::import::import(&settings.database_url, &rows)?;
            println!("codifier objects imported: {n}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

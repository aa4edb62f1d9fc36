//! `serve`, `migrate`, `openapi`: running the service and what it needs before it runs.

use super::{Context, OwnerDb};
use anyhow::anyhow;
use dms_api::config::{Needs, ServeFlags};
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Serve the API until interrupted.
    Serve(Box<ServeFlags>),
    /// Apply pending database migrations, as the role that owns the schema.
    Migrate(OwnerDb),
    /// Print the OpenAPI document.
    Openapi,
}

pub fn run(ctx: &Context, command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Serve(flags) => {
            let settings = ctx.settings(&flags, Needs::Database)?;
            actix_web::rt::System::new().block_on(async move {
                let running = dms_api::start(&settings).await?;
                println!("dms-api listening on http://{}", running.addr);
                running.wait().await
            })?;
        }
        Command::Migrate(db) => {
            let url = ctx.owner_url(&db)?;
            let n = dms_db::migrations::run(&url).map_err(|e| anyhow!("{e}"))?;
            println!("migrations applied: {n}");
        }
        Command::Openapi => print!("{}", dms_api::openapi::document_text()),
    }
    Ok(ExitCode::SUCCESS)
}

//! `staff add|token|revoke`: bootstrap DMS staff and their tokens.

use super::{connection, new_token, runtime, Context, Db};
use anyhow::bail;
use dms_api::auth::token_lookup;
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Add a DMS staff member (role officer, supervisor or auditor); prints their id.
    Add {
        #[command(flatten)]
        db: Db,
        #[arg(long)]
        name: String,
        #[arg(long)]
        role: String,
        /// The DMS unit they belong to.
        #[arg(long)]
        unit: String,
        /// КАТОТТГ of the territory an officer works within.
        #[arg(long)]
        territory: Option<String>,
    },
    /// Issue a token to a staff member and print it (only its hash is stored).
    Token {
        #[command(flatten)]
        db: Db,
        #[arg(long)]
        id: uuid::Uuid,
        #[arg(long, env = "DMS_TOKEN", hide_env_values = true)]
        token: Option<String>,
    },
    /// Revoke a staff member and all their tokens.
    Revoke {
        #[command(flatten)]
        db: Db,
        #[arg(long)]
        id: uuid::Uuid,
    },
}

pub fn run(ctx: &Context, command: Command) -> anyhow::Result<ExitCode> {
    let db = match &command {
        Command::Add { db, .. } | Command::Token { db, .. } | Command::Revoke { db, .. } => db,
    };
    let settings = ctx.database(db)?;
    runtime()?.block_on(async {
        let mut conn = connection(&settings).await?;
        execute(&mut conn, command).await
    })?;
    Ok(ExitCode::SUCCESS)
}

async fn execute(conn: &mut dms_db::Conn, command: Command) -> anyhow::Result<()> {
    match command {
        Command::Add {
            name,
            role,
            unit,
            territory,
            ..
        } => {
            if dms_api::staff::Role::parse(&role).is_none() {
                bail!("role must be officer, supervisor or auditor");
            }
            if role == "officer" && territory.is_none() {
                bail!("an officer needs --territory (КАТОТТГ)");
            }
            let s =
                dms_db::staff::add_staff(conn, &name, &role, &unit, territory.as_deref()).await?;
            println!("{}", s.id);
        }
        Command::Token { id, token, .. } => {
            let token = new_token(token)?;
            dms_db::staff::add_token(conn, id, &token_lookup(&token)).await?;
            println!("{token}");
        }
        Command::Revoke { id, .. } => {
            let revoked = dms_db::staff::revoke_staff(conn, id).await?;
            println!(
                "{}",
                if revoked {
                    "revoked"
                } else {
                    "no such active staff member"
                }
            );
        }
    }
    Ok(())
}

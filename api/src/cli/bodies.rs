//! Registration bodies and their credentials: `body-ensure`, `body-suspend`, `body-reactivate`,
//! `token-issue`, `token-revoke`, `trembita-add`, `trembita-revoke`.

use super::{connection, new_token, runtime, Context, Db};
use anyhow::{anyhow, bail, Context as _};
use dms_api::auth::{is_client_id, token_lookup};
use dms_db::bodies::{self, CredentialKind, RegistrationBody};
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Create a registration body, or show the existing one with that ЄДРПОУ.
    BodyEnsure {
        #[command(flatten)]
        db: Db,
        #[arg(long)]
        edrpou: String,
        #[arg(long)]
        name: String,
        /// КАТОТТГ of the body's hromada (or special-status city).
        #[arg(long)]
        hromada: String,
    },
    /// Suspend a registration body: its submissions are refused with 403 at once.
    BodySuspend {
        #[command(flatten)]
        db: Db,
        #[arg(long)]
        edrpou: String,
    },
    /// Reactivate a suspended registration body.
    BodyReactivate {
        #[command(flatten)]
        db: Db,
        #[arg(long)]
        edrpou: String,
    },
    /// Issue a bearer token to a registration body and print it (only its hash is stored).
    TokenIssue {
        #[command(flatten)]
        db: Db,
        #[arg(long)]
        edrpou: String,
        /// Use this token instead of generating one (e.g. a demo token).
        #[arg(long, env = "DMS_TOKEN", hide_env_values = true)]
        token: Option<String>,
        #[arg(long, default_value = "")]
        label: String,
    },
    /// Revoke a bearer token.
    TokenRevoke {
        #[command(flatten)]
        db: Db,
        #[arg(long, env = "DMS_TOKEN", hide_env_values = true)]
        token: String,
    },
    /// Register a Трембіта client id (INSTANCE/CLASS/MEMBER/SUBSYSTEM) for a registration body.
    TrembitaAdd {
        #[command(flatten)]
        db: Db,
        #[arg(long)]
        edrpou: String,
        #[arg(long)]
        client: String,
    },
    /// Revoke a Трембіта client id.
    TrembitaRevoke {
        #[command(flatten)]
        db: Db,
        #[arg(long)]
        client: String,
    },
}

impl Command {
    fn db(&self) -> &Db {
        match self {
            Command::BodyEnsure { db, .. }
            | Command::BodySuspend { db, .. }
            | Command::BodyReactivate { db, .. }
            | Command::TokenIssue { db, .. }
            | Command::TokenRevoke { db, .. }
            | Command::TrembitaAdd { db, .. }
            | Command::TrembitaRevoke { db, .. } => db,
        }
    }
}

pub fn run(ctx: &Context, command: Command) -> anyhow::Result<ExitCode> {
    let settings = ctx.database(command.db())?;
    runtime()?.block_on(async {
        let mut conn = connection(&settings).await?;
        execute(&mut conn, command).await
    })?;
    Ok(ExitCode::SUCCESS)
}

async fn body(conn: &mut dms_db::Conn, edrpou: &str) -> anyhow::Result<RegistrationBody> {
    bodies::body_by_edrpou(conn, edrpou)
        .await?
        .with_context(|| format!("no registration body with ЄДРПОУ {edrpou}"))
}

fn revoked(done: bool, what: &str) {
    println!(
        "{}",
        if done {
            "revoked".into()
        } else {
            format!("no such live {what}")
        }
    );
}

async fn execute(conn: &mut dms_db::Conn, command: Command) -> anyhow::Result<()> {
    match command {
        Command::BodyEnsure {
            edrpou,
            name,
            hromada,
            ..
        } => {
            dms_schemas::Edrpou::parse(&edrpou).map_err(|e| anyhow!("ЄДРПОУ {edrpou} {e}"))?;
            if name.trim().is_empty() {
                bail!("--name must not be empty");
            }
            // The same rule as the staff API: a registration body serves a hromada (H) or a
            // special-status city (K), as the codifier says, not a settlement inside one.
            let codifier = dms_db::codifier::Codifier::load(conn).await?;
            if codifier.is_empty() {
                bail!("the territorial codifier is not imported (dms-api import-katottg)");
            }
            if !matches!(codifier.category(&hromada), Some('H' | 'K')) {
                bail!(
                    "--hromada {hromada} must be the КАТОТТГ of a hromada or a special-status city"
                );
            }
            let b = bodies::ensure_body(conn, &edrpou, &name, &hromada).await?;
            println!("{}", b.id);
        }
        Command::BodySuspend { edrpou, .. } => {
            let b = body(conn, &edrpou).await?;
            bodies::set_status(conn, b.id, "suspended").await?;
            println!("suspended {edrpou}");
        }
        Command::BodyReactivate { edrpou, .. } => {
            let b = body(conn, &edrpou).await?;
            bodies::set_status(conn, b.id, "active").await?;
            println!("reactivated {edrpou}");
        }
        Command::TokenIssue {
            edrpou,
            token,
            label,
            ..
        } => {
            let b = body(conn, &edrpou).await?;
            let token = new_token(token)?;
            bodies::add_credential(
                conn,
                b.id,
                CredentialKind::Token,
                &token_lookup(&token),
                &label,
            )
            .await?;
            println!("{token}");
        }
        Command::TokenRevoke { token, .. } => {
            let done =
                bodies::revoke_credential(conn, CredentialKind::Token, &token_lookup(&token))
                    .await?;
            revoked(done, "token");
        }
        Command::TrembitaAdd { edrpou, client, .. } => {
            let b = body(conn, &edrpou).await?;
            if !is_client_id(&client) || client.split('/').nth(2) != Some(b.edrpou.as_str()) {
                bail!("the client id must be INSTANCE/CLASS/MEMBER/SUBSYSTEM with MEMBER = the body's ЄДРПОУ");
            }
            bodies::add_credential(conn, b.id, CredentialKind::Trembita, &client, "").await?;
            println!("{client}");
        }
        Command::TrembitaRevoke { client, .. } => {
            let done = bodies::revoke_credential(conn, CredentialKind::Trembita, &client).await?;
            revoked(done, "client id");
        }
    }
    Ok(())
}

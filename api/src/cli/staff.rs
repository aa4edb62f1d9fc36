//! `staff add|token|token-revoke|revoke|account`: bootstrap DMS staff, their tokens and their
//! web accounts for the staff console.

use super::{refused, runtime, services, Context, Db};
use anyhow::Context as _;
use dms_db::enums::StaffRole;
use dms_service::{staff, Actor, Services};
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Add a DMS staff member (role officer, supervisor, auditor, or issuance:
    /// the document-issuance system as a machine client); prints their id.
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
        /// Use this token instead of generating one.
        #[command(flatten)]
        token: dms_client::secret::TokenSource,
        /// The token authenticates no one after this time (RFC 3339, in the future).
        #[arg(long)]
        expires_at: Option<chrono::DateTime<chrono::Utc>>,
    },
    /// Revoke one staff token by its id (printed on stderr when it was issued).
    TokenRevoke {
        #[command(flatten)]
        db: Db,
        #[arg(long)]
        id: uuid::Uuid,
    },
    /// Revoke a staff member and all their tokens.
    Revoke {
        #[command(flatten)]
        db: Db,
        #[arg(long)]
        id: uuid::Uuid,
    },
    /// Give a staff member a web account for the staff console; prints its one-time set-up
    /// link (password and TOTP are set there). Reset or disable it with `official reset|disable
    /// --login`.
    Account {
        #[command(flatten)]
        db: Db,
        /// The staff member's id.
        #[arg(long)]
        id: uuid::Uuid,
        #[arg(long)]
        login: String,
        /// Demonstrations and tests only: set the account up at once and print, as JSON, the
        /// login, a generated password and the TOTP secret.
        #[arg(long)]
        enrolled: bool,
    },
}

pub fn run(ctx: &Context, command: Command) -> anyhow::Result<ExitCode> {
    let db = match &command {
        Command::Add { db, .. }
        | Command::Token { db, .. }
        | Command::TokenRevoke { db, .. }
        | Command::Revoke { db, .. }
        | Command::Account { db, .. } => db,
    };
    let settings = ctx.database(db)?;
    let services = services(&settings)?;
    if let Command::Account {
        id,
        login,
        enrolled,
        ..
    } = command
    {
        let link = |secret: &str| {
            settings
                .web
                .console_setup_link(settings.console_listen.as_deref(), secret)
        };
        runtime()?.block_on(account(&services, id, &login, enrolled, &link))?;
        return Ok(ExitCode::SUCCESS);
    }
    runtime()?.block_on(execute(&services, &Actor::operator(), command))?;
    Ok(ExitCode::SUCCESS)
}

async fn account(
    services: &Services,
    id: uuid::Uuid,
    login: &str,
    enrolled: bool,
    link: &dyn Fn(&str) -> String,
) -> anyhow::Result<()> {
    let actor = Actor::operator();
    if enrolled {
        let (account, password, totp_secret) =
            dms_service::officials::add_for_staff_enrolled(services, &actor, id, login)
                .await
                .map_err(refused)?;
        let out = serde_json::json!({
            "login": account.login,
            "password": password,
            "totp_secret": totp_secret,
        });
        println!("{out}");
    } else {
        let invited = dms_service::officials::add_for_staff(services, &actor, id, login)
            .await
            .map_err(refused)?;
        eprintln!(
            "web account {} added; the link below works once, until {}",
            invited.official.login, invited.setup_expires_at
        );
        println!("{}", link(&invited.setup_secret));
    }
    Ok(())
}

async fn execute(services: &Services, actor: &Actor, command: Command) -> anyhow::Result<()> {
    match command {
        Command::Add {
            name,
            role,
            unit,
            territory,
            ..
        } => {
            let role = StaffRole::parse(&role)
                .context("role must be officer, supervisor, auditor or issuance")?;
            let s = staff::add(services, actor, &name, role, &unit, territory.as_deref())
                .await
                .map_err(refused)?;
            println!("{}", s.id);
        }
        Command::Token {
            id,
            token,
            expires_at,
            ..
        } => {
            let token = token.optional()?;
            let issued = staff::issue_token_until(services, actor, id, token, expires_at)
                .await
                .map_err(refused)?;
            eprintln!("token id {}", issued.id);
            println!("{}", issued.token);
        }
        Command::TokenRevoke { id, .. } => {
            if !staff::revoke_token(services, actor, id)
                .await
                .map_err(refused)?
            {
                anyhow::bail!("no live staff token with id {id}");
            }
            println!("revoked");
        }
        Command::Revoke { id, .. } => {
            let revoked = staff::revoke(services, actor, id).await.map_err(refused)?;
            println!(
                "{}",
                if revoked {
                    "revoked"
                } else {
                    "no such active staff member"
                }
            );
        }
        Command::Account { .. } => anyhow::bail!("a web account is made by `staff account`"),
    }
    Ok(())
}

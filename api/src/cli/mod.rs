//! The `dms-api` command line: one module per group of commands. Each command loads the layered
//! configuration (`--config`, environment, its own flags) and calls one operation.

mod bodies;
mod client;
mod config;
mod feed;
mod jobs;
mod katottg;
mod keys;
mod officials;
mod serve;
mod staff;
mod tls;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use dms_api::config::{Needs, ServeFlags};
use dms_api::Settings;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "dms-api",
    version,
    about = "DMS registration-action exchange: API service and administration"
)]
pub struct Cli {
    /// Configuration file (TOML; see ops/dms.example.toml); default /etc/dms/dms.toml when it
    /// exists.
    #[arg(long, global = true, env = "DMS_CONFIG", value_name = "PATH")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    #[command(flatten)]
    Serve(serve::Command),
    #[command(flatten)]
    Katottg(katottg::Command),
    #[command(flatten)]
    Bodies(bodies::Command),
    #[command(flatten)]
    Keys(keys::Command),
    #[command(flatten)]
    Feed(feed::Command),
    #[command(flatten)]
    Tls(tls::Command),
    /// DMS staff: `staff add`, `staff token`, `staff revoke`.
    Staff {
        #[command(subcommand)]
        action: staff::Command,
    },
    /// Officials of registration bodies on the web interface: `official add`, `official reset`,
    /// `official disable`, `official list`.
    Official {
        #[command(subcommand)]
        action: officials::Command,
    },
    #[command(flatten)]
    Jobs(jobs::Command),
    /// The reference client for register vendors (also the `dms-client` binary):
    /// `client submit`, `client verify-receipt`.
    Client {
        #[command(subcommand)]
        action: dms_client::cli::Command,
    },
    /// The configuration: `config show` (what is in force, and where from), `config example`.
    Config {
        #[command(subcommand)]
        action: config::Command,
    },
}

/// What every command gets besides its own arguments.
struct Context {
    config: Option<PathBuf>,
}

impl Context {
    /// The settings with `flags` on top, checked as a whole.
    fn settings(&self, flags: &ServeFlags, needs: Needs) -> anyhow::Result<Settings> {
        Ok(Settings::load(self.config.as_deref(), flags, needs)?)
    }

    /// The settings of a command that works on the database.
    fn database(&self, db: &Db) -> anyhow::Result<Settings> {
        let flags = ServeFlags {
            database_url: db.database_url.clone(),
            ..ServeFlags::default()
        };
        self.settings(&flags, Needs::Database)
    }
}

/// The schema owner's connection, for `migrate` and `import-katottg`: `--owner-url`, else
/// `--database-url` (a one-role set-up, as before), else `owner_database_url`
/// (`DMS_OWNER_DATABASE_URL`), else `database_url`.
#[derive(clap::Args)]
struct OwnerDb {
    /// URL of the role that owns the schema [env DMS_OWNER_DATABASE_URL; file:
    /// owner_database_url; default: the database URL]
    #[arg(long)]
    owner_url: Option<String>,
    /// PostgreSQL connection URL, used as the owner's when --owner-url is not given (one-role
    /// set-ups) [env DATABASE_URL; file: database_url]
    #[arg(long)]
    database_url: Option<String>,
}

impl Context {
    /// The URL `migrate` and `import-katottg` connect with.
    fn owner_url(&self, db: &OwnerDb) -> anyhow::Result<String> {
        if let Some(url) = db.owner_url.as_ref().or(db.database_url.as_ref()) {
            return Ok(url.clone());
        }
        let settings = self.settings(&ServeFlags::default(), Needs::Nothing)?;
        match settings.owner_database_url {
            Some(url) => Ok(url),
            None if !settings.database_url.is_empty() => Ok(settings.database_url),
            None => anyhow::bail!(
                "no database to work on: set DMS_OWNER_DATABASE_URL (the schema owner) or \
                 DATABASE_URL, or pass --owner-url"
            ),
        }
    }
}

/// `--database-url`, for the commands that work on the database.
#[derive(clap::Args)]
struct Db {
    /// PostgreSQL connection URL [env DATABASE_URL; file: database_url]
    #[arg(long)]
    database_url: Option<String>,
}

/// Run the command; errors are printed with their causes.
pub fn run(cli: Cli) -> ExitCode {
    let ctx = Context { config: cli.config };
    let result = match cli.command {
        Command::Serve(c) => serve::run(&ctx, c),
        Command::Katottg(c) => katottg::run(&ctx, c),
        Command::Bodies(c) => bodies::run(&ctx, c),
        Command::Keys(c) => keys::run(&ctx, c),
        Command::Feed(c) => feed::run(&ctx, c),
        Command::Tls(c) => tls::run(c),
        Command::Staff { action } => staff::run(&ctx, action),
        Command::Official { action } => officials::run(&ctx, action),
        Command::Jobs(c) => jobs::run(&ctx, c),
        Command::Client { action } => Ok(client::run(action)),
        Command::Config { action } => config::run(&ctx, action),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            let _ = writeln!(std::io::stderr().lock(), "Error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// A single-threaded runtime for the commands that use the async pool.
fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("start the async runtime")
}

/// The service layer on a small pool with the configured timeouts, for one command.
fn services(settings: &Settings) -> anyhow::Result<dms_service::Services> {
    let mut options = settings.pool_options();
    options.max_size = 2;
    let pool = dms_db::pool::connect_with(&settings.database_url, options)?;
    Ok(dms_service::Services::new(
        pool,
        dms_api::keys::KeyRing::empty(),
    )?)
}

/// An operation's refusal as the operator reads it: every fault with its pointer.
fn refused(e: dms_service::ServiceError) -> anyhow::Error {
    use dms_service::ServiceError as E;
    match e {
        E::SchemaViolation(faults) | E::ValidationFailed(faults) => {
            let lines: Vec<String> = faults
                .iter()
                .map(|f| format!("{} ({}): {}", f.pointer, f.code.as_str(), f.message))
                .collect();
            anyhow::anyhow!("refused:\n  {}", lines.join("\n  "))
        }
        other => anyhow::anyhow!("{other}"),
    }
}

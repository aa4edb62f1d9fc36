//! `official add|reset|disable|list`: officials of registration bodies who keep their community
//! register in the DMS web interface. `add` and `reset` print the one-time set-up link (the
//! official sets a password and enrols a TOTP authenticator on it); only its hash is stored.

use super::{refused, runtime, services, Context, Db};
use dms_service::{officials, Actor, Services};
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Add an official to a registration body; prints the one-time set-up link (valid 72 hours).
    Add {
        #[command(flatten)]
        db: Db,
        /// ЄДРПОУ of the registration body.
        #[arg(long)]
        edrpou: String,
        /// Login: 3–64 lower-case Latin letters, digits, '.', '_' or '-'.
        #[arg(long)]
        login: String,
        /// Full name, as the pages and the audit log show it.
        #[arg(long)]
        name: String,
        /// Demonstrations and tests only: set the official up at once and print, as JSON, the
        /// login, a generated password and the TOTP secret (no link).
        #[arg(long)]
        enrolled: bool,
    },
    /// Start the official over: a new one-time link; password, authenticator, lock and
    /// disabling cleared; every session ended.
    Reset {
        #[command(flatten)]
        db: Db,
        #[arg(long)]
        login: String,
        /// Demonstrations and tests only: set the official up again at once and print the JSON
        /// of `add --enrolled` (no link).
        #[arg(long)]
        enrolled: bool,
    },
    /// Disable the official: no sign-in, every session ended (a reset enables them again).
    Disable {
        #[command(flatten)]
        db: Db,
        #[arg(long)]
        login: String,
    },
    /// The officials of a registration body, one per line: login, state, name.
    List {
        #[command(flatten)]
        db: Db,
        #[arg(long)]
        edrpou: String,
    },
}

pub fn run(ctx: &Context, command: Command) -> anyhow::Result<ExitCode> {
    let db = match &command {
        Command::Add { db, .. }
        | Command::Reset { db, .. }
        | Command::Disable { db, .. }
        | Command::List { db, .. } => db,
    };
    let settings = ctx.database(db)?;
    let services = services(&settings)?;
    // A staff member's account is set up on the console, an official's on their web.
    let link = |secret: &str, staff: bool| {
        if staff {
            settings
                .web
                .console_setup_link(settings.console_listen.as_deref(), secret)
        } else {
            settings
                .web
                .setup_link(settings.web_listen.as_deref(), secret)
        }
    };
    runtime()?.block_on(execute(&services, &Actor::operator(), command, &link))?;
    Ok(ExitCode::SUCCESS)
}

/// The credentials of an official set up at once, as JSON on one line.
fn print_enrolled(
    (official, password, totp_secret): (dms_db::officials::Official, String, String),
) {
    let out = serde_json::json!({
        "login": official.login,
        "password": password,
        "totp_secret": totp_secret,
    });
    println!("{out}");
}

async fn execute(
    services: &Services,
    actor: &Actor,
    command: Command,
    link: &dyn Fn(&str, bool) -> String,
) -> anyhow::Result<()> {
    match command {
        Command::Add {
            edrpou,
            login,
            name,
            enrolled: false,
            ..
        } => {
            let invited = officials::add(services, actor, &edrpou, &login, &name)
                .await
                .map_err(refused)?;
            eprintln!(
                "official {} added; the link below works once, until {}",
                invited.official.login, invited.setup_expires_at
            );
            println!("{}", link(&invited.setup_secret, false));
        }
        Command::Add {
            edrpou,
            login,
            name,
            enrolled: true,
            ..
        } => {
            let enrolled = officials::add_enrolled(services, actor, &edrpou, &login, &name)
                .await
                .map_err(refused)?;
            print_enrolled(enrolled);
        }
        Command::Reset {
            login,
            enrolled: true,
            ..
        } => {
            let enrolled = officials::reset_enrolled(services, actor, &login)
                .await
                .map_err(refused)?;
            print_enrolled(enrolled);
        }
        Command::Reset {
            login,
            enrolled: false,
            ..
        } => {
            let invited = officials::reset(services, actor, &login)
                .await
                .map_err(refused)?;
            eprintln!(
                "official {login} reset; the link below works once, until {}",
                invited.setup_expires_at
            );
            println!(
                "{}",
                link(&invited.setup_secret, invited.official.staff_id.is_some())
            );
        }
        Command::Disable { login, .. } => {
            officials::disable(services, actor, &login)
                .await
                .map_err(refused)?;
            println!("disabled");
        }
        Command::List { edrpou, .. } => {
            for o in officials::of_body(services, actor, &edrpou)
                .await
                .map_err(refused)?
            {
                let state = if o.disabled_at.is_some() {
                    "disabled"
                } else if o.can_sign_in() {
                    "active"
                } else {
                    "awaiting set-up"
                };
                println!("{}\t{state}\t{}", o.login, o.name);
            }
        }
    }
    Ok(())
}

//! Registration bodies and their credentials: `body-ensure`, `body-suspend`, `body-reactivate`,
//! `token-issue`, `token-revoke`, `trembita-add`, `trembita-revoke`, `certificate-add`,
//! `certificate-revoke`.

use super::{refused, runtime, services, Context, Db};
use dms_db::bodies::{BodyStatus, CredentialKind, RegistrationBody};
use dms_service::{bodies, Actor, Services};
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
    /// Register a client certificate of a registration body (the direct channel in mtls mode),
    /// by its SHA-256 fingerprint (64 hex digits, colons allowed) or a PEM certificate file.
    CertificateAdd {
        #[command(flatten)]
        db: Db,
        #[arg(long)]
        edrpou: String,
        #[arg(long, required_unless_present = "cert")]
        fingerprint: Option<String>,
        /// The PEM certificate whose fingerprint to register (instead of --fingerprint).
        #[arg(long, conflicts_with = "fingerprint")]
        cert: Option<std::path::PathBuf>,
        #[arg(long, default_value = "")]
        label: String,
    },
    /// Revoke a client certificate, by its SHA-256 fingerprint.
    CertificateRevoke {
        #[command(flatten)]
        db: Db,
        #[arg(long)]
        fingerprint: String,
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
            | Command::TrembitaRevoke { db, .. }
            | Command::CertificateAdd { db, .. }
            | Command::CertificateRevoke { db, .. } => db,
        }
    }
}

pub fn run(ctx: &Context, command: Command) -> anyhow::Result<ExitCode> {
    let settings = ctx.database(command.db())?;
    let services = services(&settings)?;
    runtime()?.block_on(execute(&services, &Actor::operator(), command))?;
    Ok(ExitCode::SUCCESS)
}

async fn body(services: &Services, edrpou: &str) -> anyhow::Result<RegistrationBody> {
    bodies::find(services, edrpou)
        .await
        .map_err(|_| anyhow::anyhow!("no registration body with ЄДРПОУ {edrpou}"))
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

/// Each command is the same operation the staff API performs, checked and audited the same way.
async fn execute(services: &Services, actor: &Actor, command: Command) -> anyhow::Result<()> {
    match command {
        Command::BodyEnsure {
            edrpou,
            name,
            hromada,
            ..
        } => {
            let new = bodies::NewBody {
                edrpou,
                name,
                hromada,
            };
            let b = bodies::register(services, actor, &new)
                .await
                .map_err(refused)?;
            println!("{}", b.id);
        }
        Command::BodySuspend { edrpou, .. } => {
            let b = body(services, &edrpou).await?;
            bodies::set_status(services, actor, &b, BodyStatus::Suspended)
                .await
                .map_err(refused)?;
            println!("suspended {edrpou}");
        }
        Command::BodyReactivate { edrpou, .. } => {
            let b = body(services, &edrpou).await?;
            bodies::set_status(services, actor, &b, BodyStatus::Active)
                .await
                .map_err(refused)?;
            println!("reactivated {edrpou}");
        }
        Command::TokenIssue {
            edrpou,
            token,
            label,
            ..
        } => {
            let b = body(services, &edrpou).await?;
            let token = bodies::issue_token(services, actor, &b, token, &label)
                .await
                .map_err(refused)?;
            println!("{token}");
        }
        Command::TokenRevoke { token, .. } => {
            let done =
                bodies::revoke_credential(services, actor, CredentialKind::Token, &token, None)
                    .await
                    .map_err(refused)?;
            revoked(done, "token");
        }
        Command::TrembitaAdd { edrpou, client, .. } => {
            let b = body(services, &edrpou).await?;
            bodies::add_trembita_client(services, actor, &b, &client)
                .await
                .map_err(refused)?;
            println!("{client}");
        }
        Command::TrembitaRevoke { client, .. } => {
            let kind = CredentialKind::Trembita;
            let done = bodies::revoke_credential(services, actor, kind, &client, None)
                .await
                .map_err(refused)?;
            revoked(done, "client id");
        }
        Command::CertificateAdd {
            edrpou,
            fingerprint,
            cert,
            label,
            ..
        } => {
            let fingerprint = match (fingerprint, cert) {
                (Some(f), _) => f,
                (None, Some(path)) => {
                    let certs = dms_api::tls::load_certs(&path)?;
                    certs
                        .first()
                        .map(|c| dms_api::tls::fingerprint(c))
                        .unwrap_or_default()
                }
                (None, None) => anyhow::bail!("--fingerprint or --cert is required"),
            };
            let b = body(services, &edrpou).await?;
            let stored = bodies::add_client_certificate(services, actor, &b, &fingerprint, &label)
                .await
                .map_err(refused)?;
            println!("{stored}");
        }
        Command::CertificateRevoke { fingerprint, .. } => {
            let kind = CredentialKind::Certificate;
            let done = bodies::revoke_credential(services, actor, kind, &fingerprint, None)
                .await
                .map_err(refused)?;
            revoked(done, "client certificate");
        }
    }
    Ok(())
}

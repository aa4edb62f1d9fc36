//! Registration bodies and their credentials: `body-ensure`, `body-suspend`, `body-reactivate`,
//! `token-issue`, `token-revoke`, `trembita-add`, `trembita-revoke`, `certificate-add`,
//! `certificate-revoke`, `credentials`, `credential-revoke`.

use super::{refused, runtime, services, Context, Db};
use dms_client::secret::TokenSource;
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
        #[command(flatten)]
        token: TokenSource,
        #[arg(long, default_value = "")]
        label: String,
        /// The token authenticates no one after this time (RFC 3339, in the future).
        #[arg(long)]
        expires_at: Option<chrono::DateTime<chrono::Utc>>,
    },
    /// Revoke a bearer token (or revoke any credential by its id: credential-revoke).
    TokenRevoke {
        #[command(flatten)]
        db: Db,
        #[command(flatten)]
        token: TokenSource,
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
    /// List a registration body's credentials with their ids (a token only by its hash prefix).
    Credentials {
        #[command(flatten)]
        db: Db,
        #[arg(long)]
        edrpou: String,
    },
    /// Revoke a registration body's credential (of any kind) by its id.
    CredentialRevoke {
        #[command(flatten)]
        db: Db,
        #[arg(long)]
        id: uuid::Uuid,
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
            | Command::CertificateRevoke { db, .. }
            | Command::Credentials { db, .. }
            | Command::CredentialRevoke { db, .. } => db,
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
            expires_at,
            ..
        } => {
            let token = token.optional()?;
            let b = body(services, &edrpou).await?;
            let issued = bodies::issue_token_until(services, actor, &b, token, &label, expires_at)
                .await
                .map_err(refused)?;
            // The token alone on stdout (scripts capture it); its id beside it on stderr.
            eprintln!("credential id {}", issued.id);
            println!("{}", issued.token);
        }
        Command::TokenRevoke { token, .. } => {
            let token = token.required()?;
            let done =
                bodies::revoke_credential(services, actor, CredentialKind::Token, &token, None)
                    .await
                    .map_err(refused)?;
            revoked(done, "token");
        }
        Command::TrembitaAdd { edrpou, client, .. } => {
            let b = body(services, &edrpou).await?;
            let id = bodies::add_trembita_client(services, actor, &b, &client)
                .await
                .map_err(refused)?;
            eprintln!("credential id {id}");
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
        Command::Credentials { edrpou, .. } => {
            let b = body(services, &edrpou).await?;
            let listed = bodies::credentials(services, actor, &b)
                .await
                .map_err(refused)?;
            for c in listed {
                let revoked = c.revoked_at.map(|t| t.to_rfc3339()).unwrap_or_default();
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    c.id,
                    c.kind.as_str(),
                    c.shown,
                    c.label,
                    c.created_at.to_rfc3339(),
                    revoked
                );
            }
        }
        Command::CredentialRevoke { id, .. } => {
            let done = bodies::revoke_credential_by_id(services, actor, id)
                .await
                .map_err(refused)?;
            if !done {
                anyhow::bail!("no live credential with id {id}");
            }
            println!("revoked");
        }
    }
    Ok(())
}

//! `dms-api`: serve the API, run migrations, import the codifier, and administer registration
//! bodies, credentials and keys from the command line.

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use dms_api::keys::KeyRing;
use dms_db::bodies::{BodyStatus, CredentialKind};
use dms_service::{Actor, ServiceError, Services};
use std::io::Write as _;
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "dms-api",
    version,
    about = "DMS registration-action exchange: API service and administration"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args)]
struct Db {
    /// PostgreSQL connection URL.
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API until interrupted.
    Serve(dms_api::Settings),
    /// Apply pending database migrations.
    Migrate(Db),
    /// Import (or refresh) the territorial codifier from the official КАТОТТГ XLSX.
    ImportKatottg {
        #[command(flatten)]
        db: Db,
        file: PathBuf,
    },
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
        #[arg(long, env = "DMS_TOKEN")]
        token: Option<String>,
        #[arg(long, default_value = "")]
        label: String,
    },
    /// Revoke a bearer token.
    TokenRevoke {
        #[command(flatten)]
        db: Db,
        #[arg(long, env = "DMS_TOKEN")]
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
    /// Create a new signing key in the key directory (it becomes the active one).
    KeysGenerate {
        #[arg(long, env = "DMS_KEYS_DIR", default_value = ".local/keys")]
        dir: PathBuf,
        /// Only if the directory holds no private key yet.
        #[arg(long)]
        if_none: bool,
    },
    /// Record that a person is entered in ЄДДР (from the document-issuance side): their held
    /// actions are released into the next data set, oldest first.
    RegisterEntry {
        #[command(flatten)]
        db: Db,
        #[arg(long)]
        unzr: String,
        /// Type of the document the УНЗР was issued on (e.g. id_card).
        #[arg(long, requires = "document_number")]
        document_type: Option<String>,
        #[arg(long, requires = "document_type")]
        document_number: Option<String>,
    },
    /// DMS staff: `staff add`, `staff token`, `staff revoke`.
    Staff {
        #[command(subcommand)]
        action: StaffAction,
    },
    /// Flag verification requests unanswered after their due day (also a scheduled job).
    MarkOverdue(Db),
    /// Seal new audit rows into the hash chain (also a scheduled job).
    AuditSeal(Db),
    /// Re-check the audit hash chain; exits non-zero naming the first broken row.
    AuditVerify(Db),
    /// The reference client for register vendors: `client submit`, `client verify-receipt`.
    Client {
        #[command(subcommand)]
        action: ClientAction,
    },
    /// Print the OpenAPI document.
    Openapi,
}

#[derive(Subcommand)]
enum ClientAction {
    /// Submit a registration action (a JSON file) and print the answer; retrying is safe.
    Submit {
        /// The service's base URL, e.g. http://127.0.0.1:8080.
        #[arg(long, env = "DMS_URL")]
        url: String,
        #[arg(long, env = "DMS_TOKEN")]
        token: String,
        file: PathBuf,
    },
    /// Verify a receipt (compact JWS) offline against a JWKS (a file, or the service's URL).
    VerifyReceipt {
        /// A JWKS file, or a base URL whose /.well-known/jwks.json is fetched.
        #[arg(long)]
        jwks: String,
        /// The receipt, or a file holding it (or a submit answer with a `receipt` member).
        receipt: String,
    },
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

/// The service layer on its own small pool, for one command.
fn services(database_url: &str) -> anyhow::Result<Services> {
    let pool = dms_db::connect(database_url, 2)?;
    Ok(Services::new(pool, KeyRing::empty())?)
}

/// An operation's refusal as the operator reads it: every fault with its pointer.
fn failed(e: ServiceError) -> anyhow::Error {
    match e {
        ServiceError::SchemaViolation(faults) | ServiceError::ValidationFailed(faults) => {
            let lines: Vec<String> = faults
                .iter()
                .map(|f| format!("{} ({}): {}", f.pointer, f.code.as_str(), f.message))
                .collect();
            anyhow::anyhow!("refused:\n  {}", lines.join("\n  "))
        }
        other => anyhow::anyhow!("{other}"),
    }
}

#[derive(Subcommand)]
enum StaffAction {
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
        #[arg(long, env = "DMS_TOKEN")]
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

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    dms_db::logging::init();
    match cli.command {
        Command::Serve(settings) => actix_web::rt::System::new().block_on(async move {
            let running = dms_api::start(&settings).await?;
            println!("dms-api listening on http://{}", running.addr);
            running.wait().await
        }),
        Command::Migrate(db) => {
            let n =
                dms_db::migrations::run(&db.database_url).map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("migrations applied: {n}");
            Ok(())
        }
        Command::ImportKatottg { db, file } => {
            let rows = dms_db::import::read_workbook(&file)?;
            let n = dms_db::import::import(&db.database_url, &rows)?;
            println!("codifier objects imported: {n}");
            Ok(())
        }
        Command::KeysGenerate { dir, if_none } => {
            let ring = KeyRing::load(&dir, None)?;
            if if_none && ring.can_sign() {
                println!("{}", ring.active_kid().unwrap_or_default());
            } else {
                println!("{}", KeyRing::generate(&dir)?);
            }
            Ok(())
        }
        Command::RegisterEntry {
            db,
            unzr,
            document_type,
            document_number,
        } => {
            let unzr = dms_schemas::Unzr::parse(&unzr).map_err(|e| anyhow::anyhow!("УНЗР: {e}"))?;
            let document = match (document_type, document_number) {
                (Some(t), Some(n)) => {
                    let kind: dms_schemas::DocumentType =
                        serde_json::from_value(serde_json::Value::String(t))
                            .context("unknown document type")?;
                    Some(
                        dms_schemas::DocumentNumber::parse(kind, &n)
                            .map_err(|e| anyhow::anyhow!("document number: {e}"))?,
                    )
                }
                _ => None,
            };
            runtime()?.block_on(async {
                let services = services(&db.database_url)?;
                let released = dms_service::register_entries::record(
                    &services,
                    &Actor::operator(),
                    &unzr,
                    document.as_ref(),
                )
                .await
                .map_err(failed)?;
                println!("released {released} held action(s)");
                Ok(())
            })
        }
        Command::AuditSeal(db) => {
            use diesel::Connection;
            let mut conn = diesel::PgConnection::establish(&db.database_url)?;
            println!("sealed: {}", dms_db::audit::chain::seal(&mut conn, 5)?);
            Ok(())
        }
        Command::AuditVerify(db) => {
            let v = runtime()?.block_on(async {
                let services = services(&db.database_url)?;
                dms_service::audit_log::verify(&services, &Actor::operator())
                    .await
                    .map_err(failed)
            })?;
            println!("{}", serde_json::to_string(&v)?);
            if v.first_broken.is_some() {
                std::process::exit(1);
            }
            Ok(())
        }
        Command::MarkOverdue(db) => runtime()?.block_on(async {
            let services = services(&db.database_url)?;
            let n = dms_service::verification_requests::mark_overdue(&services, &Actor::operator())
                .await
                .map_err(failed)?;
            println!("marked overdue: {n}");
            Ok(())
        }),
        Command::Openapi => {
            print!("{}", dms_api::openapi::document_text());
            Ok(())
        }
        Command::Staff { action } => runtime()?.block_on(staff(action)),
        Command::Client { action } => client(action),
        other => runtime()?.block_on(admin(other)),
    }
}

async fn admin(command: Command) -> anyhow::Result<()> {
    let url = match &command {
        Command::BodyEnsure { db, .. }
        | Command::BodySuspend { db, .. }
        | Command::BodyReactivate { db, .. }
        | Command::TokenIssue { db, .. }
        | Command::TokenRevoke { db, .. }
        | Command::TrembitaAdd { db, .. }
        | Command::TrembitaRevoke { db, .. } => db.database_url.clone(),
        _ => bail!("not an administration command"),
    };
    let services = services(&url)?;
    let actor = Actor::operator();
    let body = async |edrpou: &str| {
        dms_service::bodies::find(&services, edrpou)
            .await
            .map_err(|_| anyhow::anyhow!("no registration body with ЄДРПОУ {edrpou}"))
    };
    let revoked = |done: bool, what: &str| {
        println!(
            "{}",
            if done {
                "revoked".to_owned()
            } else {
                format!("no such live {what}")
            }
        );
    };
    match command {
        Command::BodyEnsure {
            edrpou,
            name,
            hromada,
            ..
        } => {
            let new = dms_service::bodies::NewBody {
                edrpou,
                name,
                hromada,
            };
            let b = dms_service::bodies::register(&services, &actor, &new)
                .await
                .map_err(failed)?;
            println!("{}", b.id);
        }
        Command::BodySuspend { edrpou, .. } => {
            let b = body(&edrpou).await?;
            dms_service::bodies::set_status(&services, &actor, &b, BodyStatus::Suspended)
                .await
                .map_err(failed)?;
            println!("suspended {edrpou}");
        }
        Command::BodyReactivate { edrpou, .. } => {
            let b = body(&edrpou).await?;
            dms_service::bodies::set_status(&services, &actor, &b, BodyStatus::Active)
                .await
                .map_err(failed)?;
            println!("reactivated {edrpou}");
        }
        Command::TokenIssue {
            edrpou,
            token,
            label,
            ..
        } => {
            let b = body(&edrpou).await?;
            let token = dms_service::bodies::issue_token(&services, &actor, &b, token, &label)
                .await
                .map_err(failed)?;
            println!("{token}");
        }
        Command::TokenRevoke { token, .. } => {
            let done = dms_service::bodies::revoke_credential(
                &services,
                &actor,
                CredentialKind::Token,
                &token,
                None,
            )
            .await
            .map_err(failed)?;
            revoked(done, "token");
        }
        Command::TrembitaAdd { edrpou, client, .. } => {
            let b = body(&edrpou).await?;
            dms_service::bodies::add_trembita_client(&services, &actor, &b, &client)
                .await
                .map_err(failed)?;
            println!("{client}");
        }
        Command::TrembitaRevoke { client, .. } => {
            let done = dms_service::bodies::revoke_credential(
                &services,
                &actor,
                CredentialKind::Trembita,
                &client,
                None,
            )
            .await
            .map_err(failed)?;
            revoked(done, "client id");
        }
        _ => bail!("not an administration command"),
    }
    Ok(())
}

async fn staff(action: StaffAction) -> anyhow::Result<()> {
    let url = match &action {
        StaffAction::Add { db, .. }
        | StaffAction::Token { db, .. }
        | StaffAction::Revoke { db, .. } => db.database_url.clone(),
    };
    let services = services(&url)?;
    let actor = Actor::operator();
    match action {
        StaffAction::Add {
            name,
            role,
            unit,
            territory,
            ..
        } => {
            let role = dms_db::enums::StaffRole::parse(&role)
                .context("role must be officer, supervisor or auditor")?;
            let s = dms_service::staff::add(
                &services,
                &actor,
                &name,
                role,
                &unit,
                territory.as_deref(),
            )
            .await
            .map_err(failed)?;
            println!("{}", s.id);
        }
        StaffAction::Token { id, token, .. } => {
            let token = dms_service::staff::issue_token(&services, &actor, id, token)
                .await
                .map_err(failed)?;
            println!("{token}");
        }
        StaffAction::Revoke { id, .. } => {
            let revoked = dms_service::staff::revoke(&services, &actor, id)
                .await
                .map_err(failed)?;
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

/// The reference client: what a register vendor's integration does, from the command line.
fn client(action: ClientAction) -> anyhow::Result<()> {
    match action {
        ClientAction::Submit { url, token, file } => {
            let body = std::fs::read(&file).with_context(|| format!("read {}", file.display()))?;
            let res = reqwest::blocking::Client::new()
                .post(format!(
                    "{}/v1/registration-actions",
                    url.trim_end_matches('/')
                ))
                .bearer_auth(token)
                .header("content-type", "application/json")
                .body(body)
                .send()?;
            let status = res.status();
            // The status for the person at the terminal; the answer alone on stdout, so that
            // `> answer.json` keeps exactly what the service sent.
            eprintln!("HTTP {}", status.as_u16());
            let _ = writeln!(std::io::stdout().lock(), "{}", res.text()?);
            if !status.is_success() {
                std::process::exit(1);
            }
            Ok(())
        }
        ClientAction::VerifyReceipt { jwks, receipt } => {
            let jwks: serde_json::Value = if std::path::Path::new(&jwks).is_file() {
                serde_json::from_slice(&std::fs::read(&jwks)?)?
            } else {
                reqwest::blocking::get(format!(
                    "{}/.well-known/jwks.json",
                    jwks.trim_end_matches('/')
                ))?
                .json()?
            };
            let text = match std::fs::read_to_string(&receipt) {
                Ok(t) => t,
                Err(_) => receipt,
            };
            let text = text.trim();
            let jws = match serde_json::from_str::<serde_json::Value>(text) {
                Ok(answer) => answer["receipt"]
                    .as_str()
                    .context("no receipt member")?
                    .to_owned(),
                Err(_) => text.to_owned(),
            };
            match dms_api::keys::verify_compact(&jws, &jwks) {
                Ok((kid, typ, payload)) => {
                    anyhow::ensure!(
                        typ == dms_api::receipt::RECEIPT_TYP,
                        "not a receipt (typ {typ})"
                    );
                    // A reader that stops early (`| head`) is not an error of the receipt.
                    let mut out = std::io::stdout().lock();
                    let _ = writeln!(out, "valid receipt signed by {kid}");
                    let _ = writeln!(out, "{}", String::from_utf8_lossy(&payload));
                    Ok(())
                }
                Err(e) => {
                    eprintln!("INVALID: {e}");
                    std::process::exit(1);
                }
            }
        }
    }
}

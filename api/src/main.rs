//! `dms-api`: serve the API, run migrations, import the codifier, and administer registration
//! bodies, credentials and keys from the command line.

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use dms_api::auth::{is_client_id, token_lookup};
use dms_api::keys::KeyRing;
use dms_db::bodies::{self, CredentialKind};
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

async fn body(
    conn: &mut dms_db::Conn,
    edrpou: &str,
) -> anyhow::Result<dms_db::bodies::RegistrationBody> {
    bodies::body_by_edrpou(conn, edrpou)
        .await?
        .with_context(|| format!("no registration body with ЄДРПОУ {edrpou}"))
}

/// The given token (at least 16 characters) or a new random one.
fn new_token(given: Option<String>) -> anyhow::Result<String> {
    match given {
        Some(t) if t.len() >= 16 => Ok(t),
        Some(_) => bail!("a token must be at least 16 characters"),
        None => Ok(dms_api::auth::new_token()),
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
            let document_key = match (document_type, document_number) {
                (Some(t), Some(n)) => {
                    let kind: dms_schemas::DocumentType =
                        serde_json::from_value(serde_json::Value::String(t))
                            .context("unknown document type")?;
                    let doc = dms_schemas::DocumentNumber::parse(kind, &n)
                        .map_err(|e| anyhow::anyhow!("document number: {e}"))?;
                    Some(dms_schemas::action::document_key(&doc))
                }
                _ => None,
            };
            use diesel::Connection;
            let mut conn = diesel::PgConnection::establish(&db.database_url)?;
            let released = dms_db::feed::register_entry(
                &mut conn,
                unzr.as_str(),
                &dms_schemas::action::unzr_key(&unzr),
                document_key.as_deref(),
            )?;
            println!("released {released} held action(s)");
            Ok(())
        }
        Command::AuditSeal(db) => {
            use diesel::Connection;
            let mut conn = diesel::PgConnection::establish(&db.database_url)?;
            println!("sealed: {}", dms_db::audit::chain::seal(&mut conn, 5)?);
            Ok(())
        }
        Command::AuditVerify(db) => {
            use diesel::Connection;
            let mut conn = diesel::PgConnection::establish(&db.database_url)?;
            let v = dms_db::audit::chain::verify(&mut conn)?;
            println!("{}", serde_json::to_string(&v)?);
            if v.first_broken.is_some() {
                std::process::exit(1);
            }
            Ok(())
        }
        Command::MarkOverdue(db) => {
            use diesel::Connection;
            let mut conn = diesel::PgConnection::establish(&db.database_url)?;
            let today = dms_schemas::time::kyiv_date(chrono::Utc::now());
            let n = dms_db::staff::mark_overdue(&mut conn, today)?;
            println!("marked overdue: {n}");
            Ok(())
        }
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
    let pool = dms_db::connect(&url, 1)?;
    let mut conn = dms_db::pool::get(&pool).await?;
    match command {
        Command::BodyEnsure {
            edrpou,
            name,
            hromada,
            ..
        } => {
            dms_schemas::Edrpou::parse(&edrpou)
                .map_err(|e| anyhow::anyhow!("ЄДРПОУ {edrpou} {e}"))?;
            let b = bodies::ensure_body(&mut conn, &edrpou, &name, &hromada).await?;
            println!("{}", b.id);
        }
        Command::BodySuspend { edrpou, .. } => {
            let b = body(&mut conn, &edrpou).await?;
            bodies::set_status(&mut conn, b.id, "suspended").await?;
            println!("suspended {edrpou}");
        }
        Command::BodyReactivate { edrpou, .. } => {
            let b = body(&mut conn, &edrpou).await?;
            bodies::set_status(&mut conn, b.id, "active").await?;
            println!("reactivated {edrpou}");
        }
        Command::TokenIssue {
            edrpou,
            token,
            label,
            ..
        } => {
            let b = body(&mut conn, &edrpou).await?;
            let token = new_token(token)?;
            bodies::add_credential(
                &mut conn,
                b.id,
                CredentialKind::Token,
                &token_lookup(&token),
                &label,
            )
            .await?;
            println!("{token}");
        }
        Command::TokenRevoke { token, .. } => {
            let revoked =
                bodies::revoke_credential(&mut conn, CredentialKind::Token, &token_lookup(&token))
                    .await?;
            println!(
                "{}",
                if revoked {
                    "revoked"
                } else {
                    "no such live token"
                }
            );
        }
        Command::TrembitaAdd { edrpou, client, .. } => {
            let b = body(&mut conn, &edrpou).await?;
            if !is_client_id(&client) || client.split('/').nth(2) != Some(b.edrpou.as_str()) {
                bail!("the client id must be INSTANCE/CLASS/MEMBER/SUBSYSTEM with MEMBER = the body's ЄДРПОУ");
            }
            bodies::add_credential(&mut conn, b.id, CredentialKind::Trembita, &client, "").await?;
            println!("{client}");
        }
        Command::TrembitaRevoke { client, .. } => {
            let revoked =
                bodies::revoke_credential(&mut conn, CredentialKind::Trembita, &client).await?;
            println!(
                "{}",
                if revoked {
                    "revoked"
                } else {
                    "no such live client id"
                }
            );
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
    let pool = dms_db::connect(&url, 1)?;
    let mut conn = dms_db::pool::get(&pool).await?;
    match action {
        StaffAction::Add {
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
            let s = dms_db::staff::add_staff(&mut conn, &name, &role, &unit, territory.as_deref())
                .await?;
            println!("{}", s.id);
        }
        StaffAction::Token { id, token, .. } => {
            let token = new_token(token)?;
            dms_db::staff::add_token(&mut conn, id, &token_lookup(&token)).await?;
            println!("{token}");
        }
        StaffAction::Revoke { id, .. } => {
            let revoked = dms_db::staff::revoke_staff(&mut conn, id).await?;
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

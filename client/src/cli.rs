//! The command line shared by `dms-client` and `dms-api client`: the answer alone on stdout (so
//! `> answer.json` keeps exactly what the service sent), the status and errors on stderr, exit
//! status 1 for a refused submission or an invalid receipt.

use crate::{load_jwks_with, receipt_of, submit_with, verify_receipt, ClientError, Tls};
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Submit a registration action (a JSON file) and print the answer; retrying is safe.
    Submit {
        /// The service's base URL, e.g. http://127.0.0.1:8080.
        #[arg(long, env = "DMS_URL")]
        url: String,
        /// The bearer token (not needed when the client certificate identifies the body).
        #[command(flatten)]
        token: crate::secret::TokenSource,
        #[command(flatten)]
        tls: TlsArgs,
        file: PathBuf,
    },
    /// Verify a receipt (compact JWS) offline against a JWKS (a file, or the service's URL).
    VerifyReceipt {
        /// A JWKS file, or a base URL whose /.well-known/jwks.json is fetched.
        #[arg(long)]
        jwks: String,
        /// The receipt, or a file holding it (or a submit answer with a `receipt` member).
        receipt: String,
        #[command(flatten)]
        tls: TlsArgs,
    },
}

/// TLS of the connection to the service.
#[derive(Debug, Clone, clap::Args)]
pub struct TlsArgs {
    /// PEM CA certificates to trust instead of the public web roots (a private CA)
    /// [env DMS_CA_FILE]
    #[arg(long, env = "DMS_CA_FILE")]
    pub ca_file: Option<PathBuf>,
    /// PEM client certificate for mutual TLS (the direct channel in mtls mode)
    /// [env DMS_CLIENT_CERT]
    #[arg(long, env = "DMS_CLIENT_CERT", requires = "client_key")]
    pub client_cert: Option<PathBuf>,
    /// PEM private key of --client-cert [env DMS_CLIENT_KEY]
    #[arg(long, env = "DMS_CLIENT_KEY", requires = "client_cert")]
    pub client_key: Option<PathBuf>,
}

impl TlsArgs {
    fn tls(self) -> Tls {
        Tls {
            ca_file: self.ca_file,
            identity: self.client_cert.zip(self.client_key),
        }
    }
}

/// Run a command; what it printed is done, the exit status says how it went.
pub fn run(command: Command) -> ExitCode {
    match execute(command) {
        Ok(code) => code,
        Err(e) => {
            let _ = writeln!(std::io::stderr().lock(), "error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn execute(command: Command) -> Result<ExitCode, ClientError> {
    // Writes ignore errors: a reader that stops early (`| head`) is not a failure of the
    // submission or of the receipt, and must not make the client panic.
    match command {
        Command::Submit {
            url,
            token,
            tls,
            file,
        } => {
            let tls_identity = tls.client_cert.is_some();
            let token = match token.optional()? {
                None if !tls_identity => return Err(crate::secret::SecretError::Missing.into()),
                token => token,
            };
            let body = std::fs::read(&file).map_err(|e| ClientError::Read {
                path: file.display().to_string(),
                source: e,
            })?;
            let answer = submit_with(&url, token.as_deref(), body, &tls.tls())?;
            let _ = writeln!(std::io::stderr().lock(), "HTTP {}", answer.status);
            let _ = writeln!(std::io::stdout().lock(), "{}", answer.body);
            Ok(if answer.is_success() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::VerifyReceipt { jwks, receipt, tls } => {
            let jwks = load_jwks_with(&jwks, &tls.tls())?;
            // The argument is a file if one exists by that name, else the receipt itself.
            let text = std::fs::read_to_string(&receipt).unwrap_or(receipt);
            let jws = receipt_of(&text)?;
            match verify_receipt(&jws, &jwks) {
                Ok(v) => {
                    let mut out = std::io::stdout().lock();
                    let _ = writeln!(out, "valid receipt signed by {}", v.kid);
                    let _ = writeln!(out, "{}", String::from_utf8_lossy(&v.payload));
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    let _ = writeln!(std::io::stderr().lock(), "INVALID: {e}");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
    }
}

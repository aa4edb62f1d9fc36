//! `tls-demo`: a private CA, a server certificate for 127.0.0.1/localhost and a Трембіта
//! "security server" client certificate, for development (ops/run) only.

use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Write a development CA (`ca.crt`), a server certificate (`server.crt`, `server.key`) and
    /// a security-server client certificate (`security-server.crt`, `security-server.key`) into
    /// the directory; prints the client certificate's SHA-256 fingerprint. Never for production.
    TlsDemo {
        /// Where to write them.
        #[arg(long, default_value = ".local/tls")]
        dir: PathBuf,
        /// Only if the directory holds no `ca.crt` yet.
        #[arg(long)]
        if_none: bool,
    },
}

pub fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::TlsDemo { dir, if_none } => {
            if if_none && dir.join("ca.crt").exists() {
                let cert = dms_api::tls::load_certs(&dir.join("security-server.crt"))?;
                let first = cert.first().map(|c| dms_api::tls::fingerprint(c));
                println!("{}", first.unwrap_or_default());
            } else {
                println!("{}", dms_api::tls::demo::write_demo(&dir)?);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

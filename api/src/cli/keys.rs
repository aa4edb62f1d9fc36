//! `keys-generate`: signing keys for receipts and data-set manifests.

use super::Context;
use dms_api::config::{Needs, ServeFlags};
use dms_api::keys::KeyRing;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Create a new signing key in the key directory and print its kid. It signs once it is
    /// named (DMS_SIGNING_KID), or while it is the directory's only private key.
    KeysGenerate {
        /// The key directory [env DMS_KEYS_DIR; file: keys_dir; default .local/keys]
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Only if the directory holds no private key yet; else print the signing key's kid
        /// (the one named by DMS_SIGNING_KID, or the only one).
        #[arg(long)]
        if_none: bool,
    },
}

pub fn run(ctx: &Context, command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::KeysGenerate { dir, if_none } => {
            let flags = ServeFlags {
                keys_dir: dir,
                ..ServeFlags::default()
            };
            let settings = ctx.settings(&flags, Needs::Nothing)?;
            let dir = settings.keys_dir;
            if if_none {
                let ring = KeyRing::load(&dir, settings.signing_kid.as_deref())?;
                if let Some(kid) = ring.active_kid() {
                    println!("{kid}");
                    return Ok(ExitCode::SUCCESS);
                }
            }
            println!("{}", KeyRing::generate(&dir)?);
        }
    }
    Ok(ExitCode::SUCCESS)
}

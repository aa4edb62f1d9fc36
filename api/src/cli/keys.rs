//! `keys-generate`: signing keys for receipts and data-set manifests.

use super::Context;
use dms_api::config::{Needs, ServeFlags};
use dms_api::keys::KeyRing;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Create a new signing key in the key directory (it becomes the active one).
    KeysGenerate {
        /// The key directory [env DMS_KEYS_DIR; file: keys_dir; default .local/keys]
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Only if the directory holds no private key yet.
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
            let dir = ctx.settings(&flags, Needs::Nothing)?.keys_dir;
            let ring = KeyRing::load(&dir, None)?;
            if if_none && ring.can_sign() {
                println!("{}", ring.active_kid().unwrap_or_default());
            } else {
                println!("{}", KeyRing::generate(&dir)?);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

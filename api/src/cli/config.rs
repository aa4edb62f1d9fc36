//! `config show`, `config example`: what configuration is in force and where each value comes
//! from; a commented file with every key.

use super::Context;
use dms_api::config::{Needs, ServeFlags};
use dms_api::Settings;
use std::io::Write as _;
use std::process::ExitCode;

// Parsed once per process: the size of a variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(clap::Subcommand)]
pub enum Command {
    /// Print the effective configuration (TOML, secrets redacted) with the source of each
    /// value, then any problems; exits non-zero when there are problems.
    Show(ServeFlags),
    /// Print a configuration file with every key commented out at its default.
    Example,
}

pub fn run(ctx: &Context, command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Show(flags) => {
            let layers = dms_config::Layers::load(ctx.config.as_deref(), flags.to_layer());
            // The database URL is checked like every value but not required: showing a
            // configuration that lacks it is how one finds out.
            let (_, layers) = Settings::layered(layers, Needs::Nothing);
            Ok(if layers.print_show("dms-api") {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Example => {
            let _ = write!(std::io::stdout().lock(), "{}", dms_config::example());
            Ok(ExitCode::SUCCESS)
        }
    }
}

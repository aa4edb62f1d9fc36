//! `dms-client`: the reference client for register vendors, without the server.

use clap::Parser;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "dms-client",
    version,
    about = "Submit registration actions to DMS and verify receipts offline"
)]
struct Cli {
    #[command(subcommand)]
    command: dms_client::cli::Command,
}

fn main() -> ExitCode {
    dms_client::cli::run(Cli::parse().command)
}

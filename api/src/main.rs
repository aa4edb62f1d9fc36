//! `dms-api`: serve the API, run migrations, import the codifier, and administer registration
//! bodies, credentials, keys, staff and jobs from the command line (see `cli`).

mod cli;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    dms_db::logging::init();
    cli::run(args)
}

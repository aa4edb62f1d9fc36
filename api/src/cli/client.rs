//! `client submit|verify-receipt`: the vendors' reference client, kept under `dms-api` for
//! those who already use it there; the same code as the `dms-client` binary.

use std::process::ExitCode;

pub fn run(command: dms_client::cli::Command) -> ExitCode {
    dms_client::cli::run(command)
}

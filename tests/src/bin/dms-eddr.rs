//! The ЄДДР double as a process, for the staff console's browser tests: prints its URL on the
//! first line, takes data sets as ЄДДР does (`PUT /datasets/{seq}`), is switched down or up with
//! `POST /control/down|up`, and stops by itself after `--for-secs` (default 1800). Listens on
//! 127.0.0.1 only.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use dms_tests::doubles::eddr::Eddr;
use std::io::Write;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let secs = args
        .iter()
        .position(|a| a == "--for-secs")
        .and_then(|i| args.get(i + 1))
        .map_or(1800, |s| s.parse::<u64>().expect("--for-secs N"));
    let mut term =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).unwrap();
    let eddr = Eddr::start().await;
    println!("{}", eddr.url);
    std::io::stdout().flush().unwrap();
    tokio::select! {
        _ = tokio::time::sleep(std::time::Duration::from_secs(secs)) => {}
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
    eddr.stop().await;
}

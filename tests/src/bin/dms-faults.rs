//! `dms-faults [--short] [1 2 3 4 5 6 7]`: the fault-injection scenarios (run by `ops/faults`, and in
//! the short form by `ops/test`). Each prints a verdict with its figures; the exit status is
//! non-zero when any promise was broken. Scenario 6 needs the standby `ops/faults-failover` sets
//! up, so it runs only when named.

use dms_tests::faults::{scenario, Env};
use dms_tests::process::run::bin_dir;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let short = args.iter().any(|a| a == "--short");
    let mut chosen: Vec<u32> = args.iter().filter_map(|a| a.parse().ok()).collect();
    if chosen.is_empty() {
        chosen = vec![1, 2, 3, 4, 5, 7];
    }
    let bin_dir = bin_dir();
    let env = Env {
        bin_dir,
        pg_ctl: std::env::var("DMS_FAULTS_PG_CTL").ok(),
        short,
    };
    let mut failed = 0;
    for n in chosen {
        let started = std::time::Instant::now();
        let Some(verdict) = scenario(n, &env).await else {
            eprintln!("no scenario {n}");
            std::process::exit(2);
        };
        if !verdict.passed() {
            failed += 1;
        }
        print!("{}", verdict.render());
        println!("    scenario time: {:.1?}", started.elapsed());
    }
    std::process::exit(if failed == 0 { 0 } else { 1 });
}

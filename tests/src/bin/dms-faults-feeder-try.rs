//! Temporary: run scenarios 3 and 4.
#![allow(clippy::unwrap_used, clippy::expect_used)]
use dms_tests::faults::{feeder, Env};

#[tokio::main]
async fn main() {
    let exe = std::env::current_exe().unwrap();
    let env = Env {
        bin_dir: exe.parent().unwrap().to_owned(),
        pg_ctl: None,
        short: std::env::args().any(|a| a == "--short"),
    };
    let which: Vec<String> = std::env::args().skip(1).collect();
    if !which.iter().any(|a| a == "4") {
        let t = std::time::Instant::now();
        let v = feeder::killed_mid_delivery(&env).await;
        print!("{}", v.render());
        println!("    ({:.1} s)", t.elapsed().as_secs_f64());
    }
    if !which.iter().any(|a| a == "3") {
        let t = std::time::Instant::now();
        let v = feeder::outbox_unwritable(&env).await;
        print!("{}", v.render());
        println!("    ({:.1} s)", t.elapsed().as_secs_f64());
    }
}

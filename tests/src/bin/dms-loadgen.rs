//! Load generator for `ops/bench intake`: unique, realistic submissions (Ukrainian names, valid
//! УНЗР/РНОКПП agreeing with the birth date, real КАТОТТГ codes) from N keep-alive clients for a
//! bounded time. Prints one JSON line: requests/s and latency percentiles. Targets 127.0.0.1 only.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use dms_tests::client::{Community, Listener};
use dms_tests::fixtures::actions;
use dms_tests::load::{Load, LoadOptions, Stats, Submission};
use rand::rngs::StdRng;
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

#[tokio::main]
async fn main() {
    let url = arg("--url").expect("--url");
    assert!(
        url.starts_with("http://127.0.0.1:"),
        "load tests target 127.0.0.1 only"
    );
    // The token from the environment, never among the process arguments.
    let token = std::env::var("DMS_TOKEN").expect("DMS_TOKEN");
    let concurrency: usize = arg("--concurrency").map_or(16, |v| v.parse().unwrap());
    let seconds: u64 = arg("--seconds").map_or(10, |v| v.parse().unwrap());
    let prefix =
        arg("--prefix").unwrap_or_else(|| format!("bench-{}", uuid::Uuid::now_v7().simple()));
    let katottg: Vec<String> =
        std::fs::read_to_string(arg("--katottg-file").expect("--katottg-file"))
            .unwrap()
            .lines()
            .map(str::to_owned)
            .filter(|l| !l.is_empty())
            .collect();
    let today = dms_schemas::time::kyiv_date(chrono::Utc::now()).to_string();
    // One action type only (e.g. registration_of_residence, to make residents), else any.
    let kind = arg("--type");
    let target = Community {
        listener: Listener::new(reqwest::Client::new(), url),
        token,
    };
    let options = LoadOptions {
        clients: concurrency,
        timeout: Duration::from_secs(30),
        retry: false,
        drain: Duration::ZERO,
        // Another seed, other people (each run of one seed repeats the same people).
        seed: arg("--seed").map_or(0x5eed, |v| v.parse().unwrap()),
    };
    let started = Instant::now();
    let load = Load::start(
        &target,
        options,
        Arc::new(move |n: u64, client: usize, rng: &mut StdRng| {
            let external_id = format!("{prefix}-{client}-{n}");
            let body = match &kind {
                Some(k) => actions::random_of(k, &external_id, &today, &katottg, rng),
                None => actions::random(&external_id, &today, &katottg, rng),
            };
            Submission { body, external_id }
        }),
    );
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    let (_, stats) = load.stop().await;
    let elapsed = started.elapsed().as_secs_f64();
    for failure in stats
        .first_failures
        .lock()
        .map(|f| f.clone())
        .unwrap_or_default()
    {
        eprintln!("{failure}");
    }
    let created = Stats::get(&stats.created);
    let ms = |p: f64| stats.percentile(p, Some(201)).as_micros() as f64 / 1000.0;
    println!(
        "{}",
        json!({
            "concurrency": concurrency,
            "seconds": elapsed,
            "requests": created,
            "errors": Stats::get(&stats.sent) - created,
            "rps": created as f64 / elapsed,
            "p50_ms": ms(0.50),
            "p95_ms": ms(0.95),
            "p99_ms": ms(0.99),
        })
    );
}

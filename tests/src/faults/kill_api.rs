//! Scenario 1: the API process killed with SIGKILL mid-load and restarted on the same ports.

use crate::faults::env::{api, load, recovery, Env};
use crate::faults::judge;
use crate::faults::verdict::Verdict;
use std::time::Duration;
use tokio::time::sleep;

pub async fn run(env: &Env) -> Verdict {
    let mut v = Verdict::new("1. SIGKILL the API mid-load, restart it");
    let Some(mut api) = api(env, &mut v).await else {
        return v;
    };
    let half = env.secs(10, 3);
    let load = load(&api, 16);
    let started = load.started;
    sleep(half).await;
    let killed_at = started.elapsed();
    api.kill().await;
    sleep(Duration::from_millis(500)).await;
    match api.start().await {
        Ok(t) => v.figure("restart to /healthz", format!("{t:?}")),
        Err(e) => v.problems.push(e),
    }
    sleep(half).await;
    let (outcomes, stats) = load.stop().await;
    v.figure("killed after", format!("{killed_at:?}"));
    match recovery(&stats, killed_at) {
        Some(r) => v.figure("first receipt after the kill", format!("{r:?}")),
        None => v.problems.push("no receipt after the restart".into()),
    }
    judge::load_figures(&mut v, &stats, &outcomes);
    judge::receipts(&mut v, &api.community(), &api.database_url, &outcomes).await;
    api.teardown().await;
    v
}

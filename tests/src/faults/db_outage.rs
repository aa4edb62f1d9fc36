//! Scenario 2: PostgreSQL stopped for 10 s mid-load. The API must answer 503 with Retry-After
//! meanwhile, show it on /readyz, and recover by itself when PostgreSQL returns.

use crate::faults::env::{api, load, recovery, Env};
use crate::faults::judge;
use crate::faults::verdict::Verdict;
use crate::load::Stats;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::sleep;

pub async fn run(env: &Env) -> Verdict {
    let mut v = Verdict::new("2. PostgreSQL stopped for 10 s mid-load");
    let Some(mut api) = api(env, &mut v).await else {
        return v;
    };
    let load = load(&api, 16);
    let started = load.started;
    // /readyz every 200 ms: (when, ready?).
    let ready_log = Arc::new(std::sync::Mutex::new(Vec::<(Duration, bool)>::new()));
    let poller = {
        let (log, url) = (ready_log.clone(), api.url());
        tokio::spawn(async move {
            let http = reqwest::Client::builder()
                .timeout(Duration::from_secs(3))
                .build()
                .unwrap_or_default();
            loop {
                let ok = http
                    .get(format!("{url}/readyz"))
                    .send()
                    .await
                    .is_ok_and(|r| r.status() == 200);
                if let Ok(mut l) = log.lock() {
                    l.push((started.elapsed(), ok));
                }
                sleep(Duration::from_millis(200)).await;
            }
        })
    };
    sleep(env.secs(5, 2)).await;
    let stopped_at = started.elapsed();
    if let Err(e) = env.pg("stop -m fast").await {
        v.problems.push(e);
    }
    sleep(Duration::from_secs(10)).await;
    let restarted_at = started.elapsed();
    if let Err(e) = env.pg("start -w").await {
        v.problems.push(e);
    }
    sleep(env.secs(10, 4)).await;
    let (outcomes, stats) = load.stop().await;
    poller.abort();
    let log = ready_log.lock().map(|l| l.clone()).unwrap_or_default();
    let red_while_down = log
        .iter()
        .any(|(t, ok)| *t > stopped_at && *t < restarted_at && !ok);
    let green_at_end = log.last().is_some_and(|(_, ok)| *ok);
    let green_again = log
        .iter()
        .filter(|(t, ok)| *t > restarted_at && *ok)
        .map(|(t, _)| *t - restarted_at)
        .min();
    let during: usize = stats
        .successes_at
        .lock()
        .map(|s| {
            s.iter()
                .filter(|t| **t > stopped_at + Duration::from_millis(500) && **t < restarted_at)
                .count()
        })
        .unwrap_or(0);
    v.figure(
        "PostgreSQL down",
        format!("{stopped_at:?} .. {restarted_at:?}"),
    );
    v.figure("2xx while PostgreSQL was down", during);
    v.figure("/readyz red while down", red_while_down);
    v.figure(
        "/readyz green again after restart",
        green_again.map_or("never".into(), |d| format!("{d:?}")),
    );
    match recovery(&stats, restarted_at) {
        Some(r) => v.figure("first receipt after PostgreSQL returned", format!("{r:?}")),
        None => v
            .problems
            .push("no receipt after PostgreSQL returned".into()),
    }
    v.expect(
        red_while_down,
        "/readyz never went red while PostgreSQL was down",
    );
    v.expect(green_at_end, "/readyz is not green at the end");
    v.expect(
        Stats::get(&stats.unavailable) > 0,
        "no 503 while PostgreSQL was down",
    );
    v.expect(
        Stats::get(&stats.timeouts) == 0,
        format!(
            "{} requests hung past the client timeout",
            Stats::get(&stats.timeouts)
        ),
    );
    v.expect(
        api.alive(),
        "the API process did not survive (it must recover without a restart)",
    );
    judge::load_figures(&mut v, &stats, &outcomes);
    judge::receipts(&mut v, &api.community(), &api.database_url, &outcomes).await;
    api.teardown().await;
    v
}

//! Scenario 1: the API process killed with SIGKILL mid-load — submissions from concurrent
//! clients, and a bulk load being applied by its worker — and restarted on the same ports. Every
//! confirmed submission is there once; the bulk load resumes and stores every line exactly once.

use crate::faults::env::{api, load, recovery, Env};
use crate::faults::judge;
use crate::faults::verdict::Verdict;
use crate::fixtures::actions::by_document;
use crate::process::api::ApiProcess;
use reqwest::Method;
use std::time::{Duration, Instant};
use tokio::time::sleep;

pub async fn run(env: &Env) -> Verdict {
    let mut v = Verdict::new("1. SIGKILL the API mid-load, restart it");
    let Some(mut api) = api(env, &mut v).await else {
        return v;
    };
    let half = env.secs(10, 3);
    let load = load(&api, 16);
    let started = load.started;
    let lines: u64 = if env.short { 40_000 } else { 120_000 };
    let bulk = upload(&api, lines).await;
    if let Err(e) = &bulk {
        v.problems.push(format!("bulk upload: {e}"));
    }
    sleep(half).await;
    let before = match &bulk {
        Ok(at) => status(&api, at).await.ok(),
        Err(_) => None,
    };
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
    if let Ok(at) = &bulk {
        judge_bulk(&mut v, &api, at, lines, before).await;
    }
    api.teardown().await;
    v
}

/// Upload `lines` distinct declarations as one bulk load; its `Location`.
async fn upload(api: &ApiProcess, lines: u64) -> Result<String, String> {
    let tag = uuid::Uuid::now_v7().simple().to_string();
    let mut body = Vec::new();
    for n in 0..lines {
        body.extend_from_slice(&by_document(&format!("F1-{tag}-{n}"), 500_000 + n));
        body.push(b'\n');
    }
    let c = api.community();
    let res = c
        .listener
        .request(Method::POST, "/v1/bulk-loads")
        .bearer_auth(&c.token)
        .header("content-type", "application/x-ndjson")
        .timeout(Duration::from_secs(60))
        .body(body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if res.status() != 202 {
        return Err(format!("answered {}", res.status()));
    }
    res.headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .map(str::to_owned)
        .ok_or_else(|| "no Location".into())
}

async fn status(api: &ApiProcess, at: &str) -> Result<serde_json::Value, String> {
    let c = api.community();
    let (code, body) = c.call(Method::GET, at, None).await;
    if code == 200 {
        Ok(body)
    } else {
        Err(format!("{code} {body}"))
    }
}

/// The load was caught mid-way, resumed after the restart, and stored every line once.
async fn judge_bulk(
    v: &mut Verdict,
    api: &ApiProcess,
    at: &str,
    lines: u64,
    before: Option<serde_json::Value>,
) {
    match before {
        Some(s) if s["state"] == "done" => v
            .problems
            .push("the bulk load finished before the kill: it was not caught mid-way".into()),
        Some(s) => v.figure(
            "bulk lines applied at the kill",
            format!("{} of {lines}", s["lines_stored"]),
        ),
        None => v.problems.push("no bulk load state before the kill".into()),
    }
    let waited = Instant::now();
    let done = loop {
        match status(api, at).await {
            Ok(s) if s["state"] == "done" => break Some(s),
            _ if waited.elapsed() > Duration::from_secs(180) => break None,
            _ => sleep(Duration::from_millis(250)).await,
        }
    };
    let Some(done) = done else {
        v.problems
            .push("the bulk load did not finish within 180 s of the restart".into());
        return;
    };
    v.figure(
        "bulk load finished after the restart",
        format!("{:.1?}", waited.elapsed()),
    );
    let id = done["load_id"].as_str().unwrap_or_default().to_owned();
    let stored = crate::db::count(
        &api.database_url,
        &format!("registration_actions WHERE bulk_load_id = '{id}'"),
    )
    .await;
    let distinct = crate::db::count(
        &api.database_url,
        &format!(
            "(SELECT DISTINCT external_id FROM registration_actions WHERE bulk_load_id = '{id}') x"
        ),
    )
    .await;
    let expected = i64::try_from(lines).unwrap_or(i64::MAX);
    if done["lines_stored"] != serde_json::json!(expected)
        || stored != expected
        || distinct != expected
    {
        v.problems.push(format!(
            "bulk load after the kill: {} counted stored, {stored} actions, {distinct} distinct external ids, {lines} lines",
            done["lines_stored"]
        ));
    } else {
        v.figure("bulk lines stored, each once", format!("{stored}"));
    }
}

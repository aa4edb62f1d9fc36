//! Scenario 7: two of each. Two `dms-api` processes over one database behind HAProxy (Debian's
//! package, configured by `ops/haproxy/dms-api.cfg`), one killed with SIGKILL mid-load: clients
//! of the balancer lose nothing and get nothing twice. Then two feeders over one database and
//! one outbox, one killed with SIGKILL mid-run: every confirmed action reaches the ЄДДР double in
//! exactly one data set, the chain unbroken.

use crate::client::{Community, Listener};
use crate::doubles::eddr::Eddr;
use crate::faults::env::{recovery, Env, Scratch, CLIENT_TIMEOUT, DRAIN};
use crate::faults::feeder_crash::release_held;
use crate::faults::judge::{self, Holder};
use crate::faults::observe;
use crate::faults::verdict::Verdict;
use crate::load::{distinct_documents, Load, LoadOptions};
use crate::process::api::ApiProcess;
use crate::process::feeder::{dataset_dirs, Feeder};
use crate::process::run::Run;
use diesel::{Connection, PgConnection};
use std::collections::BTreeMap;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant};
use tokio::time::sleep;

pub async fn run(env: &Env) -> Verdict {
    let mut v =
        Verdict::new("7. two API replicas behind HAProxy, one killed; two feeders, one killed");
    let Some(haproxy) = std::env::var("DMS_FAULTS_HAPROXY")
        .ok()
        .filter(|p| !p.is_empty())
    else {
        v.problems
            .push("no HAProxy (DMS_FAULTS_HAPROXY): ops/faults installs Debian's haproxy".into());
        return v;
    };
    let Some(a) = crate::faults::env::api(env, &mut v).await else {
        return v;
    };
    let mut b = a.replica();
    if let Err(e) = b.start().await {
        v.problems.push(format!("the second replica: {e}"));
        a.teardown().await;
        return v;
    }
    let scratch = Scratch::new("dms-faults-replicas");
    match balancer(&haproxy, &a, &b).await {
        Ok((mut lb, url)) => {
            replicas(env, &mut v, &a, &mut b, &url).await;
            lb.kill();
            let _ = lb.finish(Duration::from_secs(5)).await;
            if let Err(e) = feeders(env, &mut v, &a, &scratch).await {
                v.problems.push(e);
            }
        }
        Err(e) => v.problems.push(format!("HAProxy: {e}")),
    }
    b.kill().await;
    a.teardown().await;
    drop(scratch);
    v
}

/// HAProxy on a free port of 127.0.0.1 in front of both replicas, once it sees both healthy.
async fn balancer(haproxy: &str, a: &ApiProcess, b: &ApiProcess) -> Result<(Run, String), String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ops/haproxy");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| e.to_string())?;
    let mut cmd = tokio::process::Command::new(haproxy);
    cmd.arg("-db")
        .arg("-f")
        .arg(root.join("dms-api.cfg"))
        .env("DMS_LB_LISTEN", format!("127.0.0.1:{port}"))
        .env("DMS_LB_ERRORS", root.join("errors"))
        .env("DMS_API_A", format!("127.0.0.1:{}", a.port))
        .env("DMS_API_B", format!("127.0.0.1:{}", b.port));
    let mut run = Run::spawn(cmd)?;
    let url = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let started = Instant::now();
    // Round robin over both: two answers in a row show both are up.
    let mut ok = 0;
    while ok < 4 {
        if started.elapsed() > Duration::from_secs(15) {
            run.kill();
            let f = run.finish(Duration::from_secs(5)).await;
            return Err(format!("not ready within 15 s: {}", f.describe()));
        }
        match http.get(format!("{url}/readyz")).send().await {
            Ok(r) if r.status() == 200 => ok += 1,
            _ => ok = 0,
        }
        sleep(Duration::from_millis(250)).await;
    }
    Ok((run, url))
}

/// Load through the balancer; replica `b` killed half-way.
async fn replicas(env: &Env, v: &mut Verdict, a: &ApiProcess, b: &mut ApiProcess, url: &str) {
    let client = Community {
        listener: Listener::new(
            reqwest::Client::builder()
                .timeout(CLIENT_TIMEOUT)
                .build()
                .unwrap_or_default(),
            url,
        ),
        token: a.token.clone(),
    };
    let load = Load::start(
        &client,
        LoadOptions::retrying(16, CLIENT_TIMEOUT, DRAIN),
        distinct_documents(),
    );
    let started = load.started;
    sleep(env.secs(6, 3)).await;
    let killed_at = started.elapsed();
    b.kill().await;
    sleep(env.secs(8, 4)).await;
    let (outcomes, stats) = load.stop().await;
    v.figure("replica killed after", format!("{killed_at:.1?}"));
    match recovery(&stats, killed_at) {
        Some(r) => v.figure("first receipt after the kill", format!("{r:.1?}")),
        None => v
            .problems
            .push("no receipt after a replica was killed".into()),
    }
    let after = stats
        .successes_at
        .lock()
        .map(|s| s.iter().filter(|t| **t > killed_at).count())
        .unwrap_or(0);
    v.figure("receipts after the kill", after);
    judge::load_figures(v, &stats, &outcomes);
    judge::receipts(v, &client, &a.database_url, &outcomes).await;
    let _ = load;
}

/// Two feeders (a loop of `run-once` each, one outbox on shared storage), the ЄДДР double as the
/// sink; the first killed while it is building.
async fn feeders(
    env: &Env,
    v: &mut Verdict,
    api: &ApiProcess,
    scratch: &Scratch,
) -> Result<(), String> {
    // Every person is in ЄДДР: nothing waits for a register entry.
    {
        let url = api.database_url.clone();
        let released = tokio::task::spawn_blocking(move || -> Result<u64, String> {
            let mut conn = PgConnection::establish(&url).map_err(|e| e.to_string())?;
            release_held(&mut conn, &AtomicU64::new(7_000_000))
        })
        .await
        .map_err(|e| e.to_string())??;
        v.figure("held actions released by register entries", released);
    }
    let outbox = scratch.path.join("outbox");
    let eddr = Eddr::start().await;
    let mut feeder = Feeder::new(
        env.bin("dms-feeder"),
        &crate::db::runtime_url(&api.database_url),
        &api.keys_dir,
        &outbox,
    )
    .eddr(&eddr.url);
    feeder.extra = vec![("DMS_FEEDER_MAX_RECORDS", "25".into())];
    let result = two_feeders(v, &feeder, api).await;
    let (seqs, accepted, records) = {
        let s = eddr.state.lock().map_err(|e| e.to_string())?;
        let mut accepted: BTreeMap<String, Vec<i64>> = BTreeMap::new();
        let mut records = 0;
        for (seq, (recs, answer)) in &s.datasets {
            records += recs.len();
            for r in answer["results"].as_array().into_iter().flatten() {
                if r["status"] == "accepted" {
                    let id = r["action_id"].as_str().unwrap_or_default().to_owned();
                    accepted.entry(id).or_default().push(*seq);
                }
            }
        }
        (
            s.datasets.keys().copied().collect::<Vec<i64>>(),
            accepted,
            records,
        )
    };
    eddr.stop().await;
    result?;
    let confirmed = observe::confirmed_actions(&api.database_url).await?;
    let db_datasets = observe::datasets(&api.database_url).await?;
    let placed = observe::placements(&api.database_url).await?;
    v.figure("data sets accepted by ЄДДР", seqs.len());
    v.figure("records accepted", records);
    judge::exactly_once(v, &confirmed, &accepted, Holder::Eddr);
    judge::chain(v, &seqs, &db_datasets, Holder::Eddr);
    judge::placements(v, &placed, &accepted, Holder::Eddr);
    judge::verified(v, &feeder, &dataset_dirs(&outbox)).await;
    Ok(())
}

/// Feeder 1 runs; feeder 2 loops `run-once` beside it (busy while 1 holds the builder lock).
/// Once 1 has delivered a data set it is killed; 2 finishes the work.
async fn two_feeders(v: &mut Verdict, feeder: &Feeder, api: &ApiProcess) -> Result<(), String> {
    let url = api.database_url.clone();
    let delivered = || async {
        observe::count(
            &url,
            "SELECT count(*) AS n FROM datasets WHERE state = 'acknowledged'",
        )
        .await
    };
    let open = || async {
        observe::count(
            &url,
            "SELECT (SELECT count(*) FROM feed_items WHERE state NOT IN ('accepted', 'rejected')) + \
                    (SELECT count(*) FROM datasets WHERE state <> 'acknowledged') AS n",
        )
        .await
    };
    let mut first = feeder.spawn(&[])?;
    // Feeder 2 starts once feeder 1 holds the builder lock and has delivered a data set.
    let started = Instant::now();
    while first.running() && delivered().await? < 1 && started.elapsed() < Duration::from_secs(60) {
        sleep(Duration::from_millis(20)).await;
    }
    let second = {
        let feeder = feeder.clone();
        tokio::spawn(async move {
            let mut busy = 0u64;
            let mut failures = Vec::new();
            let deadline = Instant::now() + Duration::from_secs(90);
            while Instant::now() < deadline {
                let f = feeder.run_once(&[]).await;
                match f.report() {
                    Some(r) if f.success() && r["busy"] == true => busy += 1,
                    Some(r)
                        if f.success()
                            && r["built"].as_array().is_some_and(Vec::is_empty)
                            && r["delivered"].as_array().is_some_and(Vec::is_empty) =>
                    {
                        break
                    }
                    _ if f.success() => {}
                    _ => failures.push(f.describe()),
                }
                sleep(Duration::from_millis(100)).await;
            }
            (busy, failures)
        })
    };
    let mut killed = false;
    while started.elapsed() < Duration::from_secs(60) {
        if !first.running() {
            break;
        }
        if delivered().await? >= 2 {
            killed = first.kill();
            break;
        }
        sleep(Duration::from_millis(20)).await;
    }
    let f = first.finish(Duration::from_secs(10)).await;
    v.figure(
        "feeder 1",
        if killed && f.killed() {
            "SIGKILL mid-run".to_owned()
        } else {
            f.describe()
        },
    );
    v.expect(killed && f.killed(), "feeder 1 was not killed mid-run");
    let at_kill = delivered().await?;
    v.figure("data sets acknowledged when feeder 1 died", at_kill);
    let (busy, failures) = second.await.map_err(|e| e.to_string())?;
    v.figure("feeder 2 runs that found the builder lock held", busy);
    v.expect(
        failures.is_empty(),
        format!("feeder 2 failed: {failures:?}"),
    );
    let left = open().await?;
    v.expect(
        left == 0,
        format!("{left} feed items or data sets left unfinished"),
    );
    Ok(())
}

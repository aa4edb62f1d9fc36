//! Scenario 6: the PostgreSQL primary lost under load — SIGKILL of the server and all its
//! processes, as when its machine dies — and its synchronous standby promoted. The service
//! connects with a multi-host URL (`target_session_attrs=read-write`) and must find the new
//! primary by itself. Every receipt a client holds is on the new primary and verifies, nothing
//! is lost or duplicated, retries get the identical receipt (RPO 0: a receipt leaves only once
//! its action is flushed on the standby too).

use crate::db;
use crate::faults::env::{load, recovery, Env};
use crate::faults::judge;
use crate::faults::verdict::Verdict;
use crate::load::Stats;
use crate::process::api::ApiProcess;
use std::time::{Duration, Instant};
use tokio::time::sleep;

/// The standby of the run's PostgreSQL and the commands that fail it over (`ops/faults` sets
/// them up for this scenario: `DMS_FAULTS_HA_*`).
#[derive(Debug, Clone)]
pub struct Standby {
    /// Its port on 127.0.0.1.
    pub port: u16,
    /// Shell command: SIGKILL the primary's server and every process of it.
    pub kill_primary: String,
    /// Shell command: promote the standby and wait until it accepts writes.
    pub promote: String,
}

impl Standby {
    /// From `DMS_FAULTS_HA_STANDBY_PORT`, `DMS_FAULTS_HA_KILL` and `DMS_FAULTS_HA_PROMOTE`.
    pub fn from_env() -> Option<Standby> {
        Some(Standby {
            port: std::env::var("DMS_FAULTS_HA_STANDBY_PORT")
                .ok()?
                .parse()
                .ok()?,
            kill_primary: std::env::var("DMS_FAULTS_HA_KILL").ok()?,
            promote: std::env::var("DMS_FAULTS_HA_PROMOTE").ok()?,
        })
    }

    /// `url` (on the primary) in libpq's multi-host form: the primary, then the standby, and
    /// only a server that accepts writes will do.
    pub fn multi_host(&self, url: &str) -> String {
        let host = db::server(url);
        let url = url.replacen(
            &format!("@{host}/"),
            &format!("@{host},127.0.0.1:{}/", self.port),
            1,
        );
        let sep = if url.contains('?') { '&' } else { '?' };
        format!("{url}{sep}target_session_attrs=read-write")
    }
}

async fn shell(command: &str) -> Result<Duration, String> {
    let started = Instant::now();
    let out = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(command)
        .output()
        .await
        .map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(started.elapsed())
    } else {
        Err(format!(
            "`{command}`: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

pub async fn run(env: &Env) -> Verdict {
    let mut v =
        Verdict::new("6. PostgreSQL primary killed under load, synchronous standby promoted");
    let Some(standby) = Standby::from_env() else {
        v.problems
            .push("no standby: ops/faults sets one up for scenario 6 (DMS_FAULTS_HA_*)".into());
        return v;
    };
    let provisioned = tokio::spawn(ApiProcess::provision(env.bin("dms-api"))).await;
    let Ok(mut api) = provisioned else {
        v.problems.push("provisioning the database failed".into());
        return v;
    };
    let primary_url = api.database_url.clone();
    // The service and every check below reach the database only through the multi-host URL.
    api.database_url = standby.multi_host(&primary_url);
    if let Err(e) = api.start().await {
        v.problems.push(e);
        return v;
    }
    let load = load(&api, 16);
    let started = load.started;
    sleep(env.secs(8, 4)).await;
    let in_sync = db::count(
        &db::admin_url(),
        "pg_stat_replication WHERE sync_state = 'sync'",
    )
    .await;
    v.figure("synchronous standbys before the kill", in_sync);
    v.expect(
        in_sync == 1,
        "the standby was not synchronous before the kill",
    );
    let killed_at = started.elapsed();
    if let Err(e) = shell(&standby.kill_primary).await {
        v.problems.push(format!("killing the primary: {e}"));
    }
    let before_kill = count_between(
        &load.stats,
        killed_at.saturating_sub(Duration::from_secs(1)),
        killed_at,
    );
    v.figure("receipts in the last second before the kill", before_kill);
    v.expect(before_kill > 0, "the primary was not killed under load");
    // A failover manager's detection time, then the promotion.
    sleep(Duration::from_secs(1)).await;
    match shell(&standby.promote).await {
        Ok(t) => v.figure("promotion took", format!("{t:.1?}")),
        Err(e) => v.problems.push(format!("promoting the standby: {e}")),
    }
    let promoted_at = started.elapsed();
    sleep(env.secs(10, 5)).await;
    let (outcomes, stats) = load.stop().await;
    v.figure(
        "primary killed / standby promoted",
        format!("{killed_at:.1?} / {promoted_at:.1?}"),
    );
    match recovery(&stats, promoted_at) {
        Some(r) => v.figure("first receipt after the promotion", format!("{r:.1?}")),
        None => v
            .problems
            .push("no receipt after the standby was promoted".into()),
    }
    v.figure(
        "receipts after the promotion",
        count_between(&stats, promoted_at, Duration::MAX),
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
        "the API process did not survive (it must find the new primary without a restart)",
    );
    judge::load_figures(&mut v, &stats, &outcomes);
    // Read from the promoted standby: the old primary is gone.
    judge::receipts(&mut v, &api.community(), &api.database_url, &outcomes).await;
    // The cluster is thrown away by ops/faults; only the process and its keys go here.
    api.database_url = primary_url;
    api.teardown().await;
    v
}

fn count_between(stats: &Stats, from: Duration, to: Duration) -> usize {
    stats
        .successes_at
        .lock()
        .map(|s| s.iter().filter(|t| **t > from && **t <= to).count())
        .unwrap_or(0)
}

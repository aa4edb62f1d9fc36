//! What every fault scenario runs in: where the binaries are, control of the run's PostgreSQL
//! cluster, the short form's scale, the API under load, scratch directories, and the API's
//! memory use.

use crate::faults::verdict::Verdict;
use crate::load::{distinct_documents, Load, LoadOptions, Stats};
use crate::process::api::ApiProcess;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Env {
    /// Directory holding the `dms-api` and `dms-feeder` binaries.
    pub bin_dir: PathBuf,
    /// Shell command that controls the run's PostgreSQL cluster: `<pg_ctl> stop` / `<pg_ctl> start`.
    pub pg_ctl: Option<String>,
    /// The short form (as run by `ops/test`).
    pub short: bool,
}

impl Env {
    pub fn bin(&self, name: &str) -> PathBuf {
        self.bin_dir.join(name)
    }

    /// Seconds of load: the short form scales everything down.
    pub fn secs(&self, full: u64, short: u64) -> Duration {
        Duration::from_secs(if self.short { short } else { full })
    }

    /// Run `<pg_ctl> <action>` (stop or start) and wait for it.
    pub async fn pg(&self, action: &str) -> Result<(), String> {
        let ctl = self
            .pg_ctl
            .as_ref()
            .ok_or("no DMS_FAULTS_PG_CTL: cannot stop PostgreSQL")?;
        let out = tokio::process::Command::new("sh")
            .arg("-c")
            .arg(format!("{ctl} {action}"))
            .stdout(Stdio::null())
            .output()
            .await
            .map_err(|e| e.to_string())?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "pg_ctl {action}: {}",
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    }
}

/// The longest one feeder run may take before it is killed and reported.
pub const FEEDER_RUN_LIMIT: Duration = Duration::from_secs(15);

/// How long a load client waits for one answer.
pub const CLIENT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a load client may finish the document in hand after the load stops.
pub const DRAIN: Duration = Duration::from_secs(30);

/// The API with a fresh database, or the reason there is none (recorded in `v`).
pub async fn api(env: &Env, v: &mut Verdict) -> Option<ApiProcess> {
    match ApiProcess::running(env.bin("dms-api")).await {
        Ok(api) => Some(api),
        Err(e) => {
            v.problems.push(e);
            None
        }
    }
}

/// Retrying clients of the Khmelnytskyi body, each document a distinct person.
pub fn load(api: &ApiProcess, clients: usize) -> Load {
    Load::start(
        &api.community(),
        LoadOptions::retrying(clients, CLIENT_TIMEOUT, DRAIN),
        distinct_documents(),
    )
}

/// Time from `at` to the first success after it.
pub fn recovery(stats: &Stats, at: Duration) -> Option<Duration> {
    let s = stats.successes_at.lock().ok()?;
    s.iter().filter(|t| **t > at).min().map(|t| *t - at)
}

/// The scenario's random seed: `DMS_FAULTS_SEED` to replay a run, else a new one.
pub fn seed() -> u64 {
    use rand::Rng;
    std::env::var("DMS_FAULTS_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| rand::thread_rng().gen())
}

/// Resident set size of a process in KiB, from `/proc`.
pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// A temporary directory removed when dropped, whatever happened (an `outbox` in it made
/// writable again first).
pub struct Scratch {
    pub path: PathBuf,
}

impl Scratch {
    pub fn new(prefix: &str) -> Scratch {
        let path = std::env::temp_dir().join(format!("{prefix}-{}", uuid::Uuid::now_v7().simple()));
        let _ = std::fs::create_dir_all(&path);
        Scratch { path }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        restore_permissions(&self.path.join("outbox"));
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// Make a directory writable again (mode 0755).
pub fn restore_permissions(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if dir.is_dir() {
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755));
    }
}

//! Fault injection under load (`ops/faults`): real `dms-api` and `dms-feeder` processes against a
//! PostgreSQL cluster of the run's own (so it can be stopped), concurrent clients on 127.0.0.1,
//! every scenario bounded in time and ending with a verdict and its figures.

pub mod api;
pub mod feeder;
pub mod load;

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

/// What every scenario gets.
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

/// The outcome of one scenario.
#[derive(Debug)]
pub struct Verdict {
    pub name: &'static str,
    /// `(figure, value)` in the order they should be printed.
    pub figures: Vec<(String, String)>,
    /// Every broken promise; empty means the scenario passed.
    pub problems: Vec<String>,
}

impl Verdict {
    pub fn new(name: &'static str) -> Self {
        Verdict {
            name,
            figures: Vec::new(),
            problems: Vec::new(),
        }
    }

    pub fn figure(&mut self, name: &str, value: impl std::fmt::Display) {
        self.figures.push((name.to_owned(), value.to_string()));
    }

    /// Record a problem unless `ok`.
    pub fn expect(&mut self, ok: bool, problem: impl Into<String>) {
        if !ok {
            self.problems.push(problem.into());
        }
    }

    pub fn passed(&self) -> bool {
        self.problems.is_empty()
    }

    pub fn render(&self) -> String {
        let mut s = format!(
            "{} {}\n",
            if self.passed() { "PASS" } else { "FAIL" },
            self.name
        );
        for (k, v) in &self.figures {
            let _ = writeln!(s, "    {k}: {v}");
        }
        for p in &self.problems {
            let _ = writeln!(s, "    problem: {p}");
        }
        s
    }
}

/// A port on 127.0.0.1 that was free a moment ago (a restarted process must get the same one).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(0)
}

/// Resident set size of a process in KiB, from `/proc`.
pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

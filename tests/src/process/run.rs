//! A child process of the harness: where the project's binaries are, and a process whose output
//! is collected while it runs, killed or left to finish within a time limit.

use serde_json::Value;
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;
use tokio::io::AsyncReadExt;
use tokio::process::Command;

/// Where the workspace's binaries are, as `ops/test` builds them.
pub fn bin_dir() -> PathBuf {
    // Tests run as target/debug/deps/<test>-<hash>, `dms-faults` as target/debug/dms-faults.
    let exe = std::env::current_exe().unwrap();
    let mut dir = exe.parent().unwrap().to_path_buf();
    if dir.ends_with("deps") {
        dir.pop();
    }
    dir
}

/// A binary of the workspace (`dms-api`, `dms-feeder`).
pub fn binary(name: &str) -> PathBuf {
    bin_dir().join(name)
}

/// A running process whose stdout and stderr are collected as they come.
pub struct Run {
    child: tokio::process::Child,
    stdout: tokio::task::JoinHandle<Vec<u8>>,
    stderr: tokio::task::JoinHandle<Vec<u8>>,
}

/// How a [`Run`] ended.
pub struct Finished {
    pub status: Option<ExitStatus>,
    pub stdout: String,
    pub stderr: String,
    /// The limit it was killed at, when it did not end by itself in time.
    pub timed_out: Option<Duration>,
}

fn collect<R: tokio::io::AsyncRead + Unpin + Send + 'static>(
    r: Option<R>,
) -> tokio::task::JoinHandle<Vec<u8>> {
    tokio::spawn(async move {
        let mut buf = Vec::new();
        if let Some(mut r) = r {
            let _ = r.read_to_end(&mut buf).await;
        }
        buf
    })
}

impl Run {
    pub fn spawn(mut cmd: Command) -> Result<Run, String> {
        let program = cmd.as_std().get_program().to_string_lossy().into_owned();
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("cannot start {program}: {e}"))?;
        let stdout = collect(child.stdout.take());
        let stderr = collect(child.stderr.take());
        Ok(Run {
            child,
            stdout,
            stderr,
        })
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    pub fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// SIGKILL: no chance to finish anything. True when the process was still running.
    pub fn kill(&mut self) -> bool {
        self.running() && self.child.start_kill().is_ok()
    }

    /// SIGTERM: a graceful stop. True when the signal was sent.
    pub async fn terminate(&mut self) -> bool {
        let Some(pid) = self.pid() else {
            return false;
        };
        Command::new("kill")
            .arg("-TERM")
            .arg(pid.to_string())
            .status()
            .await
            .is_ok_and(|s| s.success())
    }

    /// Wait for the process to end, killing it at `limit`.
    pub async fn finish(mut self, limit: Duration) -> Finished {
        let (status, timed_out) = match tokio::time::timeout(limit, self.child.wait()).await {
            Ok(s) => (s.ok(), None),
            Err(_) => {
                let _ = self.child.start_kill();
                (self.child.wait().await.ok(), Some(limit))
            }
        };
        let text =
            |b: Result<Vec<u8>, _>| String::from_utf8_lossy(&b.unwrap_or_default()).into_owned();
        Finished {
            status,
            stdout: text(self.stdout.await),
            stderr: text(self.stderr.await),
            timed_out,
        }
    }
}

impl Finished {
    /// A run that could not even start, reported like one that failed.
    pub fn not_started(why: String) -> Finished {
        Finished {
            status: None,
            stdout: String::new(),
            stderr: why,
            timed_out: None,
        }
    }

    pub fn success(&self) -> bool {
        self.timed_out.is_none() && self.status.is_some_and(|s| s.success())
    }

    /// Ended by SIGKILL (not by the time limit).
    pub fn killed(&self) -> bool {
        self.timed_out.is_none() && self.status.and_then(|s| s.signal()) == Some(9)
    }

    /// The JSON report a run printed on stdout.
    pub fn report(&self) -> Option<Value> {
        serde_json::from_str(self.stdout.trim()).ok()
    }

    /// The report of a run that must have succeeded.
    pub fn expect_report(&self) -> Value {
        assert!(self.success(), "the run failed: {}", self.describe());
        self.report()
            .unwrap_or_else(|| panic!("no JSON report: {}", self.describe()))
    }

    pub fn describe(&self) -> String {
        let tail: String = {
            let s = self.stderr.trim();
            let start = s.char_indices().rev().nth(400).map_or(0, |(i, _)| i);
            s[start..].to_owned()
        };
        format!(
            "{}{}; stdout {:?}; stderr …{tail}",
            match self.status {
                Some(s) => format!("{s}"),
                None => "no exit status".into(),
            },
            match self.timed_out {
                Some(limit) => format!(" (killed after {limit:?})"),
                None => String::new(),
            },
            self.stdout.trim()
        )
    }
}

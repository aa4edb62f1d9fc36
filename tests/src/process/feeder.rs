//! `dms-feeder` as processes: `run-once` with the settings a test or scenario gives (left to
//! finish, killed, or crashing itself at a step), `verify` over data sets; and reading the outbox
//! the feeder writes.

use crate::process::run::{Finished, Run};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::process::Command;

/// How `dms-feeder run-once` is run against one database and outbox.
#[derive(Debug, Clone)]
pub struct Feeder {
    bin: PathBuf,
    database_url: String,
    keys_dir: PathBuf,
    pub outbox: PathBuf,
    pub eddr_url: Option<String>,
    /// Further environment for every run.
    pub extra: Vec<(&'static str, String)>,
    /// Run under `ulimit -f <blocks>` (with SIGXFSZ ignored, so writes fail with EFBIG).
    pub quota_blocks: Option<u32>,
    /// The longest one run may take before it is killed and reported.
    pub limit: Duration,
}

/// The steps `DMS_FEEDER_CRASH_AT` can kill the feeder at.
pub const CRASH_STEPS: [&str; 5] = [
    "after_claim",
    "mid_write",
    "after_rename",
    "after_seal",
    "after_delivery",
];

impl Feeder {
    pub fn new(bin: PathBuf, database_url: &str, keys_dir: &Path, outbox: &Path) -> Feeder {
        Feeder {
            bin,
            database_url: database_url.to_owned(),
            keys_dir: keys_dir.to_owned(),
            outbox: outbox.to_owned(),
            eddr_url: None,
            extra: Vec::new(),
            quota_blocks: None,
            limit: Duration::from_secs(120),
        }
    }

    /// Deliver to this ЄДДР.
    pub fn eddr(mut self, url: &str) -> Feeder {
        self.eddr_url = Some(url.to_owned());
        self
    }

    /// `dms-feeder run-once` with these settings and `extra` environment on top.
    pub fn command(&self, extra: &[(&str, &str)]) -> Command {
        let mut cmd = match self.quota_blocks {
            Some(blocks) => {
                let mut c = Command::new("sh");
                c.arg("-c")
                    .arg(format!(
                        "trap '' XFSZ; ulimit -f {blocks} || exit 97; exec \"$0\" run-once"
                    ))
                    .arg(&self.bin);
                c
            }
            None => {
                let mut c = Command::new(&self.bin);
                c.arg("run-once");
                c
            }
        };
        cmd.env("DATABASE_URL", &self.database_url)
            .env("DMS_FEEDER_OUTBOX", &self.outbox)
            .env("DMS_KEYS_DIR", &self.keys_dir)
            .env("DMS_FEEDER_BACKOFF_SECS", "0")
            .env("RUST_LOG", "warn")
            .env_remove("DMS_EDDR_URL")
            .env_remove("DMS_FEEDER_CRASH_AT")
            .env_remove("DMS_SIGNING_KID");
        if let Some(url) = &self.eddr_url {
            cmd.env("DMS_EDDR_URL", url);
        }
        for (k, v) in &self.extra {
            cmd.env(k, v);
        }
        for (k, v) in extra {
            cmd.env(k, v);
        }
        cmd
    }

    /// Start one run, to be killed or finished by the caller.
    pub fn spawn(&self, extra: &[(&str, &str)]) -> Result<Run, String> {
        Run::spawn(self.command(extra))
    }

    /// One run to its end (killed at [`Feeder::limit`]).
    pub async fn run_once(&self, extra: &[(&str, &str)]) -> Finished {
        match self.spawn(extra) {
            Ok(run) => run.finish(self.limit).await,
            Err(e) => Finished::not_started(e),
        }
    }

    /// `dms-feeder verify --keys <keys> <dirs>…`.
    pub async fn verify(&self, dirs: &[PathBuf]) -> Finished {
        let mut cmd = Command::new(&self.bin);
        cmd.arg("verify")
            .arg("--keys")
            .arg(&self.keys_dir)
            .args(dirs);
        match Run::spawn(cmd) {
            Ok(run) => run.finish(self.limit).await,
            Err(e) => Finished::not_started(e),
        }
    }
}

/// The `dataset-*` directories of an outbox, in name (= sequence) order.
pub fn dataset_dirs(outbox: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(outbox)
        .map(|r| {
            r.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with("dataset-"))
                })
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    dirs
}

/// The sequence number of a `dataset-*` directory.
pub fn dir_seq(dir: &Path) -> Option<i64> {
    dir.file_name()?
        .to_str()?
        .strip_prefix("dataset-")?
        .parse()
        .ok()
}

/// The records of a data set directory, one JSON value per line of `records.jsonl`.
pub fn read_records(dir: &Path) -> Result<Vec<Value>, String> {
    let text = std::fs::read_to_string(dir.join("records.jsonl"))
        .map_err(|e| format!("{}: {e}", dir.display()))?;
    text.lines()
        .map(|l| serde_json::from_str(l).map_err(|e| format!("{}: {e}", dir.display())))
        .collect()
}

/// A new outbox path under the temporary directory (not created: the feeder creates it).
pub fn temp_outbox() -> PathBuf {
    std::env::temp_dir().join(format!("dms-outbox-{}", uuid::Uuid::now_v7().simple()))
}

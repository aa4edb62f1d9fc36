//! `dms-api` as a process: `serve` on fixed ports of 127.0.0.1 against a database of its own,
//! started, killed (SIGKILL) or stopped (SIGTERM) and restarted on the same ports; and its CLI.

use crate::client::{Community, Listener};
use crate::db;
use crate::fixtures::bodies;
use crate::process::run::{binary, Finished, Run};
use std::path::PathBuf;
use std::time::{Duration, Instant};
use tokio::process::Command;

/// A provisioned database (the Khmelnytskyi body with a token) and `dms-api serve` in front of it.
pub struct ApiProcess {
    pub database_url: String,
    pub keys_dir: PathBuf,
    pub token: String,
    pub port: u16,
    pub trembita_port: u16,
    pub admin_port: u16,
    /// `RUST_LOG` of the process (the logs are collected, see [`ApiProcess::terminate`]).
    pub log: String,
    run: Option<Run>,
    bin: PathBuf,
}

/// A port on 127.0.0.1 that was free a moment ago (a restarted process must get the same one).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(0)
}

impl ApiProcess {
    /// A fresh database cloned from the template, a signing key and the Khmelnytskyi body.
    pub async fn provision(bin: PathBuf) -> ApiProcess {
        let database_url = db::fresh_database().await;
        let keys_dir =
            std::env::temp_dir().join(format!("dms-api-keys-{}", uuid::Uuid::now_v7().simple()));
        dms_api::keys::KeyRing::generate(&keys_dir).unwrap();
        let mut conn = db::connect(&database_url).await;
        let (_, token) = bodies::provision(&mut conn, bodies::KHMELNYTSKYI).await;
        ApiProcess {
            database_url,
            keys_dir,
            token,
            port: free_port(),
            trembita_port: free_port(),
            admin_port: free_port(),
            log: "error".into(),
            run: None,
            bin,
        }
    }

    /// [`ApiProcess::provision`] then [`ApiProcess::start`]; a panic while provisioning or a
    /// service that does not come up is an error, and nothing is left behind.
    pub async fn running(bin: PathBuf) -> Result<ApiProcess, String> {
        let mut api = tokio::spawn(ApiProcess::provision(bin))
            .await
            .map_err(|e| format!("provisioning panicked: {e}"))?;
        if let Err(e) = api.start().await {
            api.teardown().await;
            return Err(e);
        }
        Ok(api)
    }

    /// Another `dms-api serve` over the same database, keys and token, on ports of its own: a
    /// replica behind a load balancer. Not started; its database stays with `self`.
    pub fn replica(&self) -> ApiProcess {
        ApiProcess {
            database_url: self.database_url.clone(),
            keys_dir: self.keys_dir.clone(),
            token: self.token.clone(),
            port: free_port(),
            trembita_port: free_port(),
            admin_port: free_port(),
            log: self.log.clone(),
            run: None,
            bin: self.bin.clone(),
        }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn listener(&self) -> Listener {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap_or_default();
        Listener::new(http, self.url())
    }

    /// The Khmelnytskyi body on the direct channel.
    pub fn community(&self) -> Community {
        Community {
            listener: self.listener(),
            token: self.token.clone(),
        }
    }

    pub fn pid(&self) -> Option<u32> {
        self.run.as_ref().and_then(Run::pid)
    }

    /// Start `dms-api serve` and wait until `/healthz` answers (at most 20 s).
    pub async fn start(&mut self) -> Result<Duration, String> {
        let started = Instant::now();
        let mut cmd = Command::new(&self.bin);
        cmd.arg("serve")
            .env("DATABASE_URL", db::runtime_url(&self.database_url))
            .env("DMS_API_LISTEN", format!("127.0.0.1:{}", self.port))
            .env(
                "DMS_TREMBITA_LISTEN",
                format!("127.0.0.1:{}", self.trembita_port),
            )
            // Not a TLS test: the loopback-only development mode (tests/it/tls.rs has TLS).
            .env("DMS_TREMBITA_INSECURE_HTTP", "true")
            .env("DMS_ADMIN_LISTEN", format!("127.0.0.1:{}", self.admin_port))
            .env("DMS_KEYS_DIR", &self.keys_dir)
            .env("DMS_HTTP_WORKERS", "2")
            .env("DMS_BODY_TIMEOUT_SECS", "4")
            // The fault scenarios drive load from one address and one client.
            .env("DMS_RATE_PER_ADDRESS", "0")
            .env("DMS_RATE_PER_CLIENT", "0")
            .env("RUST_LOG", &self.log);
        self.run = Some(Run::spawn(cmd)?);
        self.wait_for("/healthz", Duration::from_secs(20)).await?;
        Ok(started.elapsed())
    }

    /// Wait until `path` answers 2xx, at most `limit`.
    pub async fn wait_for(&self, path: &str, limit: Duration) -> Result<Duration, String> {
        let started = Instant::now();
        let http = reqwest::Client::new();
        while started.elapsed() < limit {
            if let Ok(r) = http.get(format!("{}{path}", self.url())).send().await {
                if r.status().is_success() {
                    return Ok(started.elapsed());
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Err(format!("dms-api did not answer {path} within {limit:?}"))
    }

    /// SIGKILL: no chance to finish anything.
    pub async fn kill(&mut self) {
        if let Some(mut run) = self.run.take() {
            run.kill();
            run.finish(Duration::from_secs(10)).await;
        }
    }

    /// SIGTERM, a graceful stop: how the process ended, with its logs.
    pub async fn terminate(&mut self) -> Option<Finished> {
        let mut run = self.run.take()?;
        run.terminate().await;
        Some(run.finish(Duration::from_secs(30)).await)
    }

    /// Kill the service, drop its database, remove its keys.
    pub async fn teardown(mut self) {
        self.kill().await;
        let _ = std::fs::remove_dir_all(&self.keys_dir);
        db::drop_database(&self.database_url).await;
    }

    /// Whether the process is still the one started (it has not exited).
    pub fn alive(&mut self) -> bool {
        self.run.as_mut().is_some_and(Run::running)
    }
}

/// `dms-api <command>` against a database (the CLI the operators use), as the runtime role.
pub fn cli(database_url: &str) -> Command {
    let mut cmd = Command::new(binary("dms-api"));
    cmd.env("DATABASE_URL", db::runtime_url(database_url))
        .kill_on_drop(true);
    cmd
}

/// `dms-api register-entry --unzr …`: the person is in ЄДДР now; it must succeed.
pub async fn register_entry(database_url: &str, unzr: &str) {
    let out = cli(database_url)
        .args(["register-entry", "--unzr", unzr])
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

//! The service as a real process that can be killed and restarted on the same ports, and a
//! population of clients that behave as the integration guide tells vendors to: a new
//! `external_id` per action, and on a connection error, a timeout or a `503` the same bytes again
//! until a receipt arrives.

use super::{free_port, Env};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A provisioned database and the `dms-api serve` process in front of it.
pub struct Service {
    pub database_url: String,
    pub keys_dir: PathBuf,
    pub token: String,
    pub port: u16,
    pub trembita_port: u16,
    pub admin_port: u16,
    child: Option<tokio::process::Child>,
    bin: PathBuf,
}

impl Service {
    /// A fresh database cloned from the template, a signing key and the Khmelnytskyi body.
    pub async fn provision(env: &Env) -> Result<Service, String> {
        let database_url = crate::fresh_database().await;
        let keys_dir =
            std::env::temp_dir().join(format!("dms-faults-keys-{}", uuid::Uuid::now_v7().simple()));
        dms_api::keys::KeyRing::generate(&keys_dir).map_err(|e| e.to_string())?;
        let pool = dms_db::connect(&database_url, 1).map_err(|e| e.to_string())?;
        let (_, token) = crate::provision(
            &pool,
            crate::KHMELNYTSKYI_EDRPOU,
            "Виконавчий комітет Хмельницької міської ради",
            crate::KHMELNYTSKYI_HROMADA,
        )
        .await;
        Ok(Service {
            database_url,
            keys_dir,
            token,
            port: free_port(),
            trembita_port: free_port(),
            admin_port: free_port(),
            child: None,
            bin: env.bin("dms-api"),
        })
    }

    /// [`Service::provision`] then [`Service::start`]; a panic while provisioning (the harness
    /// unwraps) or a service that does not come up is an error, and nothing is left behind.
    pub async fn running(env: &Env) -> Result<Service, String> {
        let env2 = env.clone();
        let mut svc = tokio::spawn(async move { Service::provision(&env2).await })
            .await
            .map_err(|e| format!("provisioning panicked: {e}"))??;
        if let Err(e) = svc.start().await {
            svc.teardown().await;
            return Err(e);
        }
        Ok(svc)
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().and_then(|c| c.id())
    }

    /// Start `dms-api serve` and wait until `/healthz` answers (at most 20 s).
    pub async fn start(&mut self) -> Result<Duration, String> {
        let started = Instant::now();
        let child = tokio::process::Command::new(&self.bin)
            .arg("serve")
            .env("DATABASE_URL", &self.database_url)
            .env("DMS_API_LISTEN", format!("127.0.0.1:{}", self.port))
            .env(
                "DMS_TREMBITA_LISTEN",
                format!("127.0.0.1:{}", self.trembita_port),
            )
            .env("DMS_ADMIN_LISTEN", format!("127.0.0.1:{}", self.admin_port))
            .env("DMS_KEYS_DIR", &self.keys_dir)
            .env("DMS_HTTP_WORKERS", "2")
            .env("DMS_BODY_TIMEOUT_SECS", "4")
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("cannot start dms-api: {e}"))?;
        self.child = Some(child);
        let http = reqwest::Client::new();
        while started.elapsed() < Duration::from_secs(20) {
            if let Ok(r) = http.get(format!("{}/healthz", self.url())).send().await {
                if r.status().is_success() {
                    return Ok(started.elapsed());
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Err("dms-api did not answer /healthz within 20 s".into())
    }

    /// SIGKILL: no chance to finish anything.
    pub async fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.start_kill();
            let _ = c.wait().await;
        }
    }

    /// Kill the service, drop its database (a `dms_test_*` one only), remove its keys.
    pub async fn teardown(mut self) {
        use diesel_async::RunQueryDsl;
        self.kill().await;
        let _ = std::fs::remove_dir_all(&self.keys_dir);
        let Some((_, name)) = self.database_url.rsplit_once('/') else {
            return;
        };
        let safe = name.starts_with("dms_test_")
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        let Ok(admin) = std::env::var("DMS_TEST_ADMIN_URL") else {
            return;
        };
        if !safe {
            return;
        }
        let Ok(pool) = dms_db::connect(&admin, 1) else {
            return;
        };
        if let Ok(mut conn) = dms_db::pool::get(&pool).await {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut conn)
                .await;
        }
    }

    /// Whether the process is still the one started (it has not exited).
    pub fn alive(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }
}

/// A valid declaration of residence for a distinct person (document number from `seq`).
pub fn document(run: &str, seq: u64) -> Vec<u8> {
    let mut d = crate::example("declaration-of-residence");
    d["external_id"] = format!("F-{run}-{seq}").into();
    d["action"]["date"] = crate::kyiv_day(0).into();
    let person = &mut d["person"];
    if let Some(p) = person.as_object_mut() {
        p.remove("unzr");
        p.remove("rnokpp");
    }
    person["document"]["number"] = format!("{:09}", 100_000_000 + seq).into();
    serde_json::to_vec(&d).unwrap_or_default()
}

/// What one client got for one document in the end.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub external_id: String,
    pub body: Vec<u8>,
    /// The answer's JSON (`action_id`, `dms_number`, `receipt`, …).
    pub answer: Value,
    /// The status of the answer that carried the receipt (201, or 200 for a replay).
    pub status: u16,
    pub attempts: u32,
}

/// Counters over every request the clients sent.
#[derive(Debug, Default)]
pub struct Stats {
    pub sent: AtomicU64,
    pub created: AtomicU64,
    pub replayed: AtomicU64,
    pub unavailable: AtomicU64,
    /// `503` answers without `Retry-After`.
    pub unavailable_without_retry_after: AtomicU64,
    pub connection_errors: AtomicU64,
    pub timeouts: AtomicU64,
    /// Any other status, by code.
    pub other: Mutex<BTreeMap<u16, u64>>,
    /// Latency of every answered request.
    pub latencies: Mutex<Vec<Duration>>,
    /// When each 2xx arrived, relative to the load's start.
    pub successes_at: Mutex<Vec<Duration>>,
}

impl Stats {
    pub fn get(c: &AtomicU64) -> u64 {
        c.load(Ordering::Relaxed)
    }

    pub fn percentile(&self, p: f64) -> Duration {
        let mut l = self.latencies.lock().map(|l| l.clone()).unwrap_or_default();
        if l.is_empty() {
            return Duration::ZERO;
        }
        l.sort();
        let i = ((l.len() as f64 - 1.0) * p).round() as usize;
        l[i.min(l.len() - 1)]
    }
}

/// A running load: `clients` tasks submitting until [`Load::stop`], then finishing the document
/// each has in hand (retrying) for at most `drain`.
pub struct Load {
    pub stats: Arc<Stats>,
    pub started: Instant,
    stop: Arc<AtomicBool>,
    tasks: Vec<tokio::task::JoinHandle<Vec<Outcome>>>,
}

impl Load {
    pub fn start(
        url: String,
        token: String,
        clients: usize,
        timeout: Duration,
        drain: Duration,
    ) -> Load {
        let stats = Arc::new(Stats::default());
        let stop = Arc::new(AtomicBool::new(false));
        let started = Instant::now();
        let run = uuid::Uuid::now_v7().simple().to_string();
        let seq = Arc::new(AtomicU64::new(0));
        let tasks = (0..clients)
            .map(|_| {
                let (url, token, run) = (url.clone(), token.clone(), run.clone());
                let (stats, stop, seq) = (stats.clone(), stop.clone(), seq.clone());
                tokio::spawn(async move {
                    let http = reqwest::Client::builder()
                        .timeout(timeout)
                        .pool_max_idle_per_host(1)
                        .build()
                        .unwrap_or_default();
                    let endpoint = format!("{url}/v1/registration-actions");
                    let mut done = Vec::new();
                    let mut stopped_at: Option<Instant> = None;
                    while !stop.load(Ordering::Relaxed) {
                        let n = seq.fetch_add(1, Ordering::Relaxed);
                        let body = document(&run, n);
                        let mut attempts = 0;
                        loop {
                            if stop.load(Ordering::Relaxed) {
                                let at = *stopped_at.get_or_insert_with(Instant::now);
                                if at.elapsed() > drain {
                                    break;
                                }
                            }
                            attempts += 1;
                            stats.sent.fetch_add(1, Ordering::Relaxed);
                            let t0 = Instant::now();
                            let res = http
                                .post(&endpoint)
                                .bearer_auth(&token)
                                .header("content-type", "application/json")
                                .body(body.clone())
                                .send()
                                .await;
                            match res {
                                Ok(r) => {
                                    let status = r.status().as_u16();
                                    let retry_after = r.headers().contains_key("retry-after");
                                    let bytes = r.bytes().await.unwrap_or_default();
                                    if let Ok(mut l) = stats.latencies.lock() {
                                        l.push(t0.elapsed());
                                    }
                                    match status {
                                        200 | 201 => {
                                            let c = if status == 201 {
                                                &stats.created
                                            } else {
                                                &stats.replayed
                                            };
                                            c.fetch_add(1, Ordering::Relaxed);
                                            if let Ok(mut s) = stats.successes_at.lock() {
                                                s.push(started.elapsed());
                                            }
                                            let answer: Value = serde_json::from_slice(&bytes)
                                                .unwrap_or(Value::Null);
                                            let external_id = format!("F-{run}-{n}");
                                            done.push(Outcome {
                                                external_id,
                                                body,
                                                answer,
                                                status,
                                                attempts,
                                            });
                                            break;
                                        }
                                        503 => {
                                            stats.unavailable.fetch_add(1, Ordering::Relaxed);
                                            if !retry_after {
                                                stats
                                                    .unavailable_without_retry_after
                                                    .fetch_add(1, Ordering::Relaxed);
                                            }
                                            tokio::time::sleep(Duration::from_millis(200)).await;
                                        }
                                        other => {
                                            if let Ok(mut m) = stats.other.lock() {
                                                *m.entry(other).or_default() += 1;
                                            }
                                            break;
                                        }
                                    }
                                }
                                Err(e) => {
                                    if e.is_timeout() {
                                        stats.timeouts.fetch_add(1, Ordering::Relaxed);
                                    } else {
                                        stats.connection_errors.fetch_add(1, Ordering::Relaxed);
                                    }
                                    tokio::time::sleep(Duration::from_millis(100)).await;
                                }
                            }
                        }
                    }
                    done
                })
            })
            .collect();
        Load {
            stats,
            started,
            stop,
            tasks,
        }
    }

    /// Stop issuing new documents; wait for every client to finish the one in hand.
    pub async fn stop(self) -> (Vec<Outcome>, Arc<Stats>) {
        self.stop.store(true, Ordering::Relaxed);
        let mut all = Vec::new();
        for t in self.tasks {
            if let Ok(done) = t.await {
                all.extend(done);
            }
        }
        (all, self.stats)
    }
}

/// What the database holds under one `external_id`.
#[derive(Debug)]
pub struct StoredAction {
    pub id: String,
    /// The receipt JWS (of the first action, if there are several).
    pub receipt: String,
    /// Confirmations of that action.
    pub confirmations: i64,
    /// Actions under this `external_id`: more than one is a duplicate.
    pub actions: usize,
}

/// Every action in the database by `external_id`.
pub async fn stored_receipts(database_url: &str) -> Result<BTreeMap<String, StoredAction>, String> {
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        external_id: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        id: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        receipt: String,
        #[diesel(sql_type = diesel::sql_types::Int8)]
        n: i64,
    }
    let pool = dms_db::connect(database_url, 1).map_err(|e| e.to_string())?;
    let mut conn = dms_db::pool::get(&pool).await.map_err(|e| e.to_string())?;
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT a.external_id, a.id::text AS id, coalesce(min(c.receipt), '') AS receipt, \
         count(c.*) AS n \
         FROM registration_actions a LEFT JOIN confirmations c ON c.action_id = a.id \
         GROUP BY a.external_id, a.id ORDER BY a.id",
    )
    .load(&mut conn)
    .await
    .map_err(|e| e.to_string())?;
    let mut out: BTreeMap<String, StoredAction> = BTreeMap::new();
    for r in rows {
        out.entry(r.external_id)
            .and_modify(|s| s.actions += 1)
            .or_insert(StoredAction {
                id: r.id,
                receipt: r.receipt,
                confirmations: r.n,
                actions: 1,
            });
    }
    Ok(out)
}

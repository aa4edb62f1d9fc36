//! Concurrent load clients, shared by the fault scenarios and `dms-loadgen`. [`Load`] behaves as
//! the integration guide tells vendors to: a new `external_id` per action and, when retrying, on
//! a connection error, a timeout or a `503` the same bytes again until a receipt arrives.
//! [`EntryLoad`] submits people with an УНЗР and records their register entries around it.

use crate::client::{Community, Listener};
use crate::fixtures::{actions, store};
use diesel::{Connection, PgConnection};
use rand::rngs::StdRng;
use rand::SeedableRng;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What one attempt to submit got.
#[derive(Debug)]
pub enum Answer {
    /// `201`, or `200` for a replay: the receipt is in the JSON.
    Receipt { status: u16, answer: Value },
    /// `503`, and whether it said when to retry.
    Unavailable { retry_after: bool },
    /// Any other status.
    Refused { status: u16, text: String },
    /// No answer at all.
    Failed { timeout: bool, error: String },
}

/// One `POST` of `body`: the answer, classified.
pub async fn attempt(client: &Community, body: &[u8]) -> Answer {
    match client.submission(body.to_vec()).send().await {
        Ok(r) => {
            let status = r.status().as_u16();
            let retry_after = r.headers().contains_key("retry-after");
            let bytes = r.bytes().await.unwrap_or_default();
            match status {
                200 | 201 => Answer::Receipt {
                    status,
                    answer: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
                },
                503 => Answer::Unavailable { retry_after },
                _ => Answer::Refused {
                    status,
                    text: String::from_utf8_lossy(&bytes).into_owned(),
                },
            }
        }
        Err(e) => Answer::Failed {
            timeout: e.is_timeout(),
            error: e.to_string(),
        },
    }
}

/// A document for the load: its `external_id` and the bytes to send.
pub struct Submission {
    pub external_id: String,
    pub body: Vec<u8>,
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
    /// The status and latency of every answered request.
    pub latencies: Mutex<Vec<(u16, Duration)>>,
    /// When each 2xx arrived, relative to the load's start.
    pub successes_at: Mutex<Vec<Duration>>,
    /// The first few failures, described.
    pub first_failures: Mutex<Vec<String>>,
}

impl Stats {
    pub fn get(c: &AtomicU64) -> u64 {
        c.load(Ordering::Relaxed)
    }

    /// Latency percentile (nearest rank) of the answers with `status`, or of all answers.
    pub fn percentile(&self, p: f64, status: Option<u16>) -> Duration {
        let mut l: Vec<Duration> = self
            .latencies
            .lock()
            .map(|l| {
                l.iter()
                    .filter(|(s, _)| status.is_none_or(|want| *s == want))
                    .map(|(_, d)| *d)
                    .collect()
            })
            .unwrap_or_default();
        if l.is_empty() {
            return Duration::ZERO;
        }
        l.sort();
        let rank = ((l.len() as f64 * p).ceil() as usize).clamp(1, l.len());
        l[rank - 1]
    }

    fn failure(&self, what: String) {
        if let Ok(mut f) = self.first_failures.lock() {
            if f.len() < 3 {
                f.push(what);
            }
        }
    }

    /// Count one attempt's answer (the load started at `started`).
    fn count(&self, answer: &Answer, latency: Duration, started: Instant) {
        self.sent.fetch_add(1, Ordering::Relaxed);
        let status = match answer {
            Answer::Receipt { status, .. } => {
                let c = if *status == 201 {
                    &self.created
                } else {
                    &self.replayed
                };
                c.fetch_add(1, Ordering::Relaxed);
                if let Ok(mut s) = self.successes_at.lock() {
                    s.push(started.elapsed());
                }
                *status
            }
            Answer::Unavailable { retry_after } => {
                self.unavailable.fetch_add(1, Ordering::Relaxed);
                if !retry_after {
                    self.unavailable_without_retry_after
                        .fetch_add(1, Ordering::Relaxed);
                }
                503
            }
            Answer::Refused { status, text } => {
                if let Ok(mut m) = self.other.lock() {
                    *m.entry(*status).or_default() += 1;
                }
                self.failure(format!("status {status}: {text}"));
                *status
            }
            Answer::Failed { timeout, error } => {
                let c = if *timeout {
                    &self.timeouts
                } else {
                    &self.connection_errors
                };
                c.fetch_add(1, Ordering::Relaxed);
                self.failure(format!("request failed: {error}"));
                return;
            }
        };
        if let Ok(mut l) = self.latencies.lock() {
            l.push((status, latency));
        }
    }
}

/// How a [`Load`] behaves.
#[derive(Debug, Clone, Copy)]
pub struct LoadOptions {
    pub clients: usize,
    /// Per request.
    pub timeout: Duration,
    /// Retry a document until it has a receipt (the integration guide's client); otherwise each
    /// document is sent once.
    pub retry: bool,
    /// After [`Load::stop`], how long a client may go on retrying the document in hand.
    pub drain: Duration,
    /// Seeds each client's random source (client `i` gets `seed ^ i`).
    pub seed: u64,
}

impl LoadOptions {
    /// Clients that retry until they have a receipt.
    pub fn retrying(clients: usize, timeout: Duration, drain: Duration) -> LoadOptions {
        LoadOptions {
            clients,
            timeout,
            retry: true,
            drain,
            seed: 0,
        }
    }
}

/// A running load: clients submitting until [`Load::stop`].
pub struct Load {
    pub stats: Arc<Stats>,
    pub started: Instant,
    stop: Arc<AtomicBool>,
    tasks: Vec<tokio::task::JoinHandle<Vec<Outcome>>>,
}

/// Makes document `n` (numbered across all clients) for client `client`.
pub type Documents = dyn Fn(u64, usize, &mut StdRng) -> Submission + Send + Sync;

impl Load {
    pub fn start(target: &Community, opts: LoadOptions, documents: Arc<Documents>) -> Load {
        let stats = Arc::new(Stats::default());
        let stop = Arc::new(AtomicBool::new(false));
        let started = Instant::now();
        let seq = Arc::new(AtomicU64::new(0));
        let tasks = (0..opts.clients)
            .map(|i| {
                let (stats, stop, seq) = (stats.clone(), stop.clone(), seq.clone());
                let documents = documents.clone();
                // A connection of each client's own, as separate vendors' systems would have.
                let http = reqwest::Client::builder()
                    .timeout(opts.timeout)
                    .pool_max_idle_per_host(1)
                    .build()
                    .unwrap_or_default();
                let client = Community {
                    listener: Listener::new(http, &target.listener.url),
                    token: target.token.clone(),
                };
                tokio::spawn(async move {
                    let mut rng = StdRng::seed_from_u64(opts.seed ^ i as u64);
                    let mut done = Vec::new();
                    let mut stopped_at: Option<Instant> = None;
                    while !stop.load(Ordering::Relaxed) {
                        let n = seq.fetch_add(1, Ordering::Relaxed);
                        let doc = documents(n, i, &mut rng);
                        let mut attempts = 0;
                        loop {
                            if stop.load(Ordering::Relaxed) {
                                let at = *stopped_at.get_or_insert_with(Instant::now);
                                if at.elapsed() > opts.drain {
                                    break;
                                }
                            }
                            attempts += 1;
                            let t0 = Instant::now();
                            let answer = attempt(&client, &doc.body).await;
                            stats.count(&answer, t0.elapsed(), started);
                            let pause = match answer {
                                Answer::Receipt { status, answer } => {
                                    done.push(Outcome {
                                        external_id: doc.external_id,
                                        body: doc.body,
                                        answer,
                                        status,
                                        attempts,
                                    });
                                    break;
                                }
                                Answer::Refused { .. } => break,
                                Answer::Unavailable { .. } => Duration::from_millis(200),
                                Answer::Failed { .. } => Duration::from_millis(100),
                            };
                            if !opts.retry {
                                break;
                            }
                            tokio::time::sleep(pause).await;
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

/// [`actions::by_document`] numbered across the run: `F-<run>-<n>`, a distinct person each.
pub fn distinct_documents() -> Arc<Documents> {
    let run = uuid::Uuid::now_v7().simple().to_string();
    Arc::new(move |n: u64, _: usize, _: &mut StdRng| {
        let external_id = format!("F-{run}-{n}");
        Submission {
            body: actions::by_document(&external_id, n),
            external_id,
        }
    })
}

/// `POST` one action, retrying on connection errors and `503`; the action id of the receipt.
pub async fn submit_until_receipt(client: &Community, body: &[u8]) -> Result<String, String> {
    let mut last = String::new();
    for _ in 0..20 {
        match attempt(client, body).await {
            Answer::Receipt { answer, .. } => {
                return answer["action_id"]
                    .as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| format!("an answer without action_id: {answer}"));
            }
            Answer::Unavailable { .. } => last = "503".into(),
            Answer::Refused { status, text } => return Err(format!("{status}: {text}")),
            Answer::Failed { error, .. } => last = error,
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(format!("no receipt after 20 attempts: {last}"))
}

/// Clients submitting actions of persons with an УНЗР ([`actions::by_unzr`]); half of the persons
/// get their register entry before their action (pending at once), half after it (held, then
/// released).
pub struct EntryLoad {
    stop: Arc<AtomicBool>,
    confirmed: Arc<AtomicU64>,
    tasks: Vec<tokio::task::JoinHandle<Tally>>,
}

/// What an [`EntryLoad`] got: the action ids of its receipts, and every failure.
#[derive(Default)]
pub struct Tally {
    pub ids: Vec<String>,
    pub errors: Vec<String>,
}

/// A register entry on the caller's connection (given back unless the blocking task died).
async fn register(mut conn: PgConnection, unzr: String) -> Result<PgConnection, String> {
    tokio::task::spawn_blocking(move || {
        store::register_entry(&mut conn, &unzr, None)?;
        Ok(conn)
    })
    .await
    .map_err(|e| format!("register entry: {e}"))?
}

impl EntryLoad {
    pub fn start(target: &Community, database_url: &str, clients: usize) -> EntryLoad {
        let stop = Arc::new(AtomicBool::new(false));
        let confirmed = Arc::new(AtomicU64::new(0));
        let seq = Arc::new(AtomicU64::new(0));
        let tasks = (0..clients)
            .map(|_| {
                let (stop, confirmed, seq) = (stop.clone(), confirmed.clone(), seq.clone());
                let db = database_url.to_owned();
                let http = reqwest::Client::builder()
                    .timeout(Duration::from_secs(10))
                    .build()
                    .unwrap_or_default();
                let client = Community {
                    listener: Listener::new(http, &target.listener.url),
                    token: target.token.clone(),
                };
                tokio::spawn(async move {
                    let mut tally = Tally::default();
                    let conn = tokio::task::spawn_blocking(move || {
                        PgConnection::establish(&db).map_err(|e| e.to_string())
                    })
                    .await
                    .map_err(|e| e.to_string())
                    .and_then(|c| c);
                    let mut conn = match conn {
                        Ok(c) => c,
                        Err(e) => {
                            tally.errors.push(e);
                            return tally;
                        }
                    };
                    while !stop.load(Ordering::Relaxed) {
                        let n = seq.fetch_add(1, Ordering::Relaxed);
                        let (doc, unzr) = actions::by_unzr(n);
                        let entry_first = n % 2 == 0;
                        if entry_first {
                            match register(conn, unzr.clone()).await {
                                Ok(c) => conn = c,
                                Err(e) => {
                                    tally.errors.push(e);
                                    break;
                                }
                            }
                        }
                        match submit_until_receipt(&client, &doc).await {
                            Ok(id) => {
                                tally.ids.push(id);
                                confirmed.fetch_add(1, Ordering::Relaxed);
                            }
                            Err(e) => tally.errors.push(e),
                        }
                        if !entry_first {
                            match register(conn, unzr).await {
                                Ok(c) => conn = c,
                                Err(e) => {
                                    tally.errors.push(e);
                                    break;
                                }
                            }
                        }
                        tokio::time::sleep(Duration::from_millis(10)).await;
                    }
                    tally
                })
            })
            .collect();
        EntryLoad {
            stop,
            confirmed,
            tasks,
        }
    }

    pub fn confirmed(&self) -> u64 {
        self.confirmed.load(Ordering::Relaxed)
    }

    /// Wait until `n` actions are confirmed, or `limit` has passed.
    pub async fn wait_for(&self, n: u64, limit: Duration) {
        let started = Instant::now();
        while self.confirmed() < n && started.elapsed() < limit {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub async fn stop(self) -> Tally {
        self.stop.store(true, Ordering::Relaxed);
        let mut all = Tally::default();
        for t in self.tasks {
            match t.await {
                Ok(t) => {
                    all.ids.extend(t.ids);
                    all.errors.extend(t.errors);
                }
                Err(e) => all.errors.push(format!("submitter: {e}")),
            }
        }
        all
    }
}

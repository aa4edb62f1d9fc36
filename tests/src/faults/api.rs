//! Scenarios 1, 2 and 5: the API killed mid-load, PostgreSQL stopped mid-load, malformed traffic.

use super::load::{stored_receipts, Load, Outcome, Service, Stats};
use super::{rss_kib, Env, Verdict};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::sleep;

const CLIENT_TIMEOUT: Duration = Duration::from_secs(10);
const DRAIN: Duration = Duration::from_secs(30);

fn load_figures(v: &mut Verdict, stats: &Stats, outcomes: &[Outcome]) {
    v.figure("requests sent", Stats::get(&stats.sent));
    v.figure("receipts received", outcomes.len());
    v.figure("201 created", Stats::get(&stats.created));
    v.figure(
        "200 replayed (a retry after a lost answer)",
        Stats::get(&stats.replayed),
    );
    v.figure("503 answers", Stats::get(&stats.unavailable));
    v.figure("connection errors", Stats::get(&stats.connection_errors));
    v.figure("client timeouts", Stats::get(&stats.timeouts));
    v.figure(
        "latency p50 / p99",
        format!("{:?} / {:?}", stats.percentile(0.5), stats.percentile(0.99)),
    );
    let other = stats.other.lock().map(|m| m.clone()).unwrap_or_default();
    v.expect(other.is_empty(), format!("unexpected statuses: {other:?}"));
    v.expect(
        Stats::get(&stats.unavailable_without_retry_after) == 0,
        format!(
            "{} answers of 503 without Retry-After",
            Stats::get(&stats.unavailable_without_retry_after)
        ),
    );
}

/// Every receipt a client holds is in the database, byte for byte, and verifies against the
/// JWKS; every action in the database has exactly one receipt and was acknowledged to a client;
/// no `external_id` has two actions; a retry of every document gets the identical answer.
async fn check_receipts(v: &mut Verdict, svc: &Service, outcomes: &[Outcome]) {
    let http = reqwest::Client::builder()
        .timeout(CLIENT_TIMEOUT)
        .build()
        .unwrap_or_default();
    let jwks: Value = match http
        .get(format!("{}/.well-known/jwks.json", svc.url()))
        .send()
        .await
    {
        Ok(r) => r.json().await.unwrap_or(Value::Null),
        Err(e) => {
            v.problems.push(format!("cannot fetch the JWKS: {e}"));
            return;
        }
    };
    let stored = match stored_receipts(&svc.database_url).await {
        Ok(s) => s,
        Err(e) => {
            v.problems.push(format!("cannot read the database: {e}"));
            return;
        }
    };
    let mut lost = 0;
    let mut mismatched = 0;
    let mut unverified = 0;
    let mut client_ids = BTreeSet::new();
    for o in outcomes {
        client_ids.insert(o.external_id.clone());
        let receipt = o.answer["receipt"].as_str().unwrap_or_default();
        match dms_crypto::verify_compact(receipt, &jwks) {
            Ok((_, _, payload)) => {
                let claims: Value = serde_json::from_slice(&payload).unwrap_or(Value::Null);
                if claims["action_id"] != o.answer["action_id"] {
                    unverified += 1;
                }
            }
            Err(_) => unverified += 1,
        }
        match stored.get(&o.external_id) {
            None => lost += 1,
            Some(s) => {
                if s.receipt != receipt || o.answer["action_id"].as_str() != Some(s.id.as_str()) {
                    mismatched += 1;
                }
            }
        }
    }
    let duplicates = stored.values().filter(|s| s.actions > 1).count();
    let without_one_receipt = stored.values().filter(|s| s.confirmations != 1).count();
    let unacknowledged = stored.keys().filter(|k| !client_ids.contains(*k)).count();
    v.figure("actions in the database", stored.len());
    v.figure(
        "receipts lost (held by a client, not in the database)",
        lost,
    );
    v.figure("duplicates (one external_id, two actions)", duplicates);
    v.expect(
        lost == 0,
        format!("{lost} receipts are not in the database"),
    );
    v.expect(
        mismatched == 0,
        format!("{mismatched} receipts differ from the stored ones"),
    );
    v.expect(
        unverified == 0,
        format!("{unverified} receipts do not verify against the JWKS"),
    );
    v.expect(duplicates == 0, format!("{duplicates} duplicated actions"));
    v.expect(
        without_one_receipt == 0,
        format!("{without_one_receipt} actions without exactly one receipt"),
    );
    v.expect(
        unacknowledged == 0,
        format!("{unacknowledged} actions stored but never acknowledged to their client"),
    );
    // Retrying every document: the identical answer, and nothing new stored.
    let mut differing = 0;
    for o in outcomes {
        let res = http
            .post(format!("{}/v1/registration-actions", svc.url()))
            .bearer_auth(&svc.token)
            .header("content-type", "application/json")
            .body(o.body.clone())
            .send()
            .await;
        let same = match res {
            Ok(r) if r.status() == 200 => r.json::<Value>().await.ok().as_ref() == Some(&o.answer),
            _ => false,
        };
        if !same {
            differing += 1;
        }
    }
    v.figure("retries answered with a different receipt", differing);
    v.expect(
        differing == 0,
        format!("{differing} retries did not get 200 and the identical receipt"),
    );
    if let Ok(after) = stored_receipts(&svc.database_url).await {
        v.expect(
            after.len() == stored.len(),
            "the retries stored new actions",
        );
    }
}

/// Time from `at` to the first success after it.
fn recovery(stats: &Stats, at: Duration) -> Option<Duration> {
    let s = stats.successes_at.lock().ok()?;
    s.iter().filter(|t| **t > at).min().map(|t| *t - at)
}

/// 1. SIGKILL the API mid-load and restart it.
pub async fn sigkill_mid_load(env: &Env) -> Verdict {
    let mut v = Verdict::new("1. SIGKILL the API mid-load, restart it");
    let mut svc = match Service::running(env).await {
        Ok(s) => s,
        Err(e) => {
            v.problems.push(e);
            return v;
        }
    };
    let half = env.secs(10, 3);
    let load = Load::start(svc.url(), svc.token.clone(), 16, CLIENT_TIMEOUT, DRAIN);
    let started = load.started;
    sleep(half).await;
    let killed_at = started.elapsed();
    svc.kill().await;
    sleep(Duration::from_millis(500)).await;
    match svc.start().await {
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
    load_figures(&mut v, &stats, &outcomes);
    check_receipts(&mut v, &svc, &outcomes).await;
    svc.teardown().await;
    v
}

/// 2. Stop PostgreSQL for 10 s mid-load.
pub async fn database_stopped(env: &Env) -> Verdict {
    let mut v = Verdict::new("2. PostgreSQL stopped for 10 s mid-load");
    let mut svc = match Service::running(env).await {
        Ok(s) => s,
        Err(e) => {
            v.problems.push(e);
            return v;
        }
    };
    let load = Load::start(svc.url(), svc.token.clone(), 16, CLIENT_TIMEOUT, DRAIN);
    let started = load.started;
    // /readyz every 200 ms: (when, ready?).
    let ready_log = Arc::new(std::sync::Mutex::new(Vec::<(Duration, bool)>::new()));
    let poller = {
        let (log, url) = (ready_log.clone(), svc.url());
        tokio::spawn(async move {
            let http = reqwest::Client::builder()
                .timeout(Duration::from_secs(3))
                .build()
                .unwrap_or_default();
            loop {
                let ok = http
                    .get(format!("{url}/readyz"))
                    .send()
                    .await
                    .is_ok_and(|r| r.status() == 200);
                if let Ok(mut l) = log.lock() {
                    l.push((started.elapsed(), ok));
                }
                sleep(Duration::from_millis(200)).await;
            }
        })
    };
    sleep(env.secs(5, 2)).await;
    let stopped_at = started.elapsed();
    if let Err(e) = env.pg("stop -m fast").await {
        v.problems.push(e);
    }
    sleep(Duration::from_secs(10)).await;
    let restarted_at = started.elapsed();
    if let Err(e) = env.pg("start -w").await {
        v.problems.push(e);
    }
    sleep(env.secs(10, 4)).await;
    let (outcomes, stats) = load.stop().await;
    poller.abort();
    let log = ready_log.lock().map(|l| l.clone()).unwrap_or_default();
    let red_while_down = log
        .iter()
        .any(|(t, ok)| *t > stopped_at && *t < restarted_at && !ok);
    let green_at_end = log.last().is_some_and(|(_, ok)| *ok);
    let green_again = log
        .iter()
        .filter(|(t, ok)| *t > restarted_at && *ok)
        .map(|(t, _)| *t - restarted_at)
        .min();
    let during: usize = stats
        .successes_at
        .lock()
        .map(|s| {
            s.iter()
                .filter(|t| **t > stopped_at + Duration::from_millis(500) && **t < restarted_at)
                .count()
        })
        .unwrap_or(0);
    v.figure(
        "PostgreSQL down",
        format!("{stopped_at:?} .. {restarted_at:?}"),
    );
    v.figure("2xx while PostgreSQL was down", during);
    v.figure("/readyz red while down", red_while_down);
    v.figure(
        "/readyz green again after restart",
        green_again.map_or("never".into(), |d| format!("{d:?}")),
    );
    match recovery(&stats, restarted_at) {
        Some(r) => v.figure("first receipt after PostgreSQL returned", format!("{r:?}")),
        None => v
            .problems
            .push("no receipt after PostgreSQL returned".into()),
    }
    v.expect(
        red_while_down,
        "/readyz never went red while PostgreSQL was down",
    );
    v.expect(green_at_end, "/readyz is not green at the end");
    v.expect(
        Stats::get(&stats.unavailable) > 0,
        "no 503 while PostgreSQL was down",
    );
    v.expect(
        Stats::get(&stats.timeouts) == 0,
        format!(
            "{} requests hung past the client timeout",
            Stats::get(&stats.timeouts)
        ),
    );
    v.expect(
        svc.alive(),
        "the API process did not survive (it must recover without a restart)",
    );
    load_figures(&mut v, &stats, &outcomes);
    check_receipts(&mut v, &svc, &outcomes).await;
    svc.teardown().await;
    v
}

/// Send `parts` over a raw connection (each after its delay), then read the status line.
/// `Ok(None)`: the server closed without an answer.
async fn raw(
    port: u16,
    parts: Vec<(Duration, Vec<u8>)>,
    wait: Duration,
) -> Result<Option<u16>, String> {
    let mut s = TcpStream::connect(("127.0.0.1", port))
        .await
        .map_err(|e| e.to_string())?;
    for (delay, bytes) in parts {
        if !delay.is_zero() {
            sleep(delay).await;
        }
        if s.write_all(&bytes).await.is_err() {
            break; // the server stopped reading: its answer decides
        }
    }
    let mut buf = vec![0u8; 4096];
    let mut got = Vec::new();
    let read = tokio::time::timeout(wait, async {
        loop {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    got.extend_from_slice(&buf[..n]);
                    if got.windows(4).any(|w| w == b"\r\n\r\n") {
                        break;
                    }
                }
            }
        }
    })
    .await;
    if read.is_err() && got.is_empty() {
        return Err("no answer in time".into());
    }
    let line = String::from_utf8_lossy(&got);
    Ok(line
        .strip_prefix("HTTP/1.1 ")
        .and_then(|r| r.get(..3))
        .and_then(|c| c.parse().ok()))
}

fn post(token: &str, content_type: Option<&str>, extra: &str, body: &[u8]) -> Vec<u8> {
    let mut head = format!("POST /v1/registration-actions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n");
    if let Some(ct) = content_type {
        head.push_str(&format!("Content-Type: {ct}\r\n"));
    }
    head.push_str(extra);
    head.push_str("\r\n");
    let mut out = head.into_bytes();
    out.extend_from_slice(body);
    out
}

/// 5. Malformed traffic beside well-behaved clients.
pub async fn malformed_traffic(env: &Env) -> Verdict {
    let mut v = Verdict::new("5. malformed traffic beside well-behaved clients");
    let mut svc = match Service::running(env).await {
        Ok(s) => s,
        Err(e) => {
            v.problems.push(e);
            return v;
        }
    };
    let pid = svc.pid().unwrap_or(0);
    let good = Load::start(svc.url(), svc.token.clone(), 4, CLIENT_TIMEOUT, DRAIN);
    sleep(Duration::from_secs(1)).await;
    let rss_before = rss_kib(pid).unwrap_or(0);
    let peak = Arc::new(std::sync::atomic::AtomicU64::new(rss_before));
    let sampler = {
        let peak = peak.clone();
        tokio::spawn(async move {
            loop {
                if let Some(r) = rss_kib(pid) {
                    peak.fetch_max(r, std::sync::atomic::Ordering::Relaxed);
                }
                sleep(Duration::from_millis(100)).await;
            }
        })
    };
    let token = svc.token.clone();
    let port = svc.port;
    let valid = super::load::document("malformed", 0);
    let nested: Vec<u8> = std::iter::repeat_n(b'[', 200_000).collect();
    let nested_objects: Vec<u8> = std::iter::repeat_n(&b"{\"a\":"[..], 40_000)
        .flatten()
        .copied()
        .collect();
    let mut invalid_utf8 = valid.clone();
    if let Some(p) = invalid_utf8.windows(8).position(|w| w == b"external") {
        invalid_utf8[p + 1] = 0xff;
        invalid_utf8[p + 2] = 0xfe;
    }
    let huge = vec![b' '; 4 * 1024 * 1024];
    type Case = (&'static str, Vec<(Duration, Vec<u8>)>, Duration);
    let z = Duration::ZERO;
    let cl = |n: usize| format!("Content-Length: {n}\r\n");
    let cases: Vec<Case> = vec![
        (
            "truncated body",
            vec![(
                z,
                post(
                    &token,
                    Some("application/json"),
                    &cl(valid.len()),
                    &valid[..valid.len() / 2],
                ),
            )],
            Duration::from_secs(15),
        ),
        (
            "invalid UTF-8",
            vec![(
                z,
                post(
                    &token,
                    Some("application/json"),
                    &cl(invalid_utf8.len()),
                    &invalid_utf8,
                ),
            )],
            CLIENT_TIMEOUT,
        ),
        (
            "huge body, declared",
            vec![(
                z,
                post(&token, Some("application/json"), &cl(huge.len()), &huge),
            )],
            CLIENT_TIMEOUT,
        ),
        (
            "huge body, chunked",
            {
                let mut parts = vec![(
                    z,
                    post(
                        &token,
                        Some("application/json"),
                        "Transfer-Encoding: chunked\r\n",
                        b"",
                    ),
                )];
                for _ in 0..64 {
                    let mut chunk = format!("{:x}\r\n", 64 * 1024).into_bytes();
                    chunk.extend_from_slice(&huge[..64 * 1024]);
                    chunk.extend_from_slice(b"\r\n");
                    parts.push((z, chunk));
                }
                parts
            },
            CLIENT_TIMEOUT,
        ),
        (
            "deeply nested arrays",
            vec![(
                z,
                post(&token, Some("application/json"), &cl(nested.len()), &nested),
            )],
            CLIENT_TIMEOUT,
        ),
        (
            "deeply nested objects",
            vec![(
                z,
                post(
                    &token,
                    Some("application/json"),
                    &cl(nested_objects.len()),
                    &nested_objects,
                ),
            )],
            CLIENT_TIMEOUT,
        ),
        (
            "wrong content type",
            vec![(
                z,
                post(&token, Some("text/plain"), &cl(valid.len()), &valid),
            )],
            CLIENT_TIMEOUT,
        ),
        (
            "no content type",
            vec![(z, post(&token, None, &cl(valid.len()), &valid))],
            CLIENT_TIMEOUT,
        ),
        (
            "XML",
            vec![(
                z,
                post(&token, Some("application/xml"), &cl(9), b"<a>b</a>\n"),
            )],
            CLIENT_TIMEOUT,
        ),
        (
            "garbage request line",
            vec![(z, b"\x16\x03\x01\x02\x00 hello\r\n\r\n".to_vec())],
            CLIENT_TIMEOUT,
        ),
        (
            "slow headers (a byte every 300 ms)",
            post(&token, Some("application/json"), &cl(valid.len()), b"")
                .into_iter()
                .take(60)
                .map(|b| (Duration::from_millis(300), vec![b]))
                .collect(),
            Duration::from_secs(30),
        ),
    ];
    let rounds = if env.short { 3 } else { 10 };
    let slow_body_clients = if env.short { 50 } else { 200 };
    // Slow bodies: the head at once, then a byte a second; they must not hold anything that
    // well-behaved clients need, and they end with a 4xx or a closed connection.
    let slow_body: Vec<_> = (0..slow_body_clients)
        .map(|_| {
            let head = post(&token, Some("application/json"), &cl(valid.len()), b"");
            let body = valid.clone();
            let hold = env.secs(20, 6).as_secs() as usize;
            // The service gives a body 4 s here (DMS_BODY_TIMEOUT_SECS), so the answer is a 408.
            tokio::spawn(async move {
                let mut parts = vec![(Duration::ZERO, head)];
                parts.extend(
                    body.into_iter()
                        .take(hold)
                        .map(|b| (Duration::from_secs(1), vec![b])),
                );
                raw(port, parts, Duration::from_secs(30)).await
            })
        })
        .collect();
    let mut results: BTreeMap<&'static str, BTreeMap<String, u32>> = BTreeMap::new();
    for _ in 0..rounds {
        let tasks: Vec<_> = cases
            .iter()
            .map(|(name, parts, wait)| {
                let (name, parts, wait) = (*name, parts.clone(), *wait);
                tokio::spawn(async move { (name, raw(port, parts, wait).await) })
            })
            .collect();
        for t in tasks {
            if let Ok((name, r)) = t.await {
                let key = match r {
                    Ok(Some(code)) => code.to_string(),
                    Ok(None) => "closed".into(),
                    Err(e) => format!("error: {e}"),
                };
                *results.entry(name).or_default().entry(key).or_default() += 1;
            }
        }
    }
    let mut slow = BTreeMap::<String, u32>::new();
    for t in slow_body {
        let key = match t.await {
            Ok(Ok(Some(code))) => code.to_string(),
            Ok(Ok(None)) => "closed".into(),
            Ok(Err(e)) => format!("error: {e}"),
            Err(_) => "panicked".into(),
        };
        *slow.entry(key).or_default() += 1;
    }
    results.insert("slow body (a byte a second)", slow);
    let (outcomes, stats) = good.stop().await;
    sleep(Duration::from_secs(1)).await;
    sampler.abort();
    let rss_after = rss_kib(pid).unwrap_or(0);
    let rss_peak = peak.load(std::sync::atomic::Ordering::Relaxed);
    for (name, answers) in &results {
        v.figure(name, format!("{answers:?}"));
        let clean = answers.keys().all(|k| {
            k.parse::<u16>().is_ok_and(|c| (400..500).contains(&c))
                || (k == "closed" && (name.starts_with("slow") || name.starts_with("garbage")))
        });
        v.expect(clean, format!("{name}: not a clean 4xx: {answers:?}"));
    }
    v.figure(
        "API RSS before / peak / after",
        format!(
            "{} / {} / {} MiB",
            rss_before / 1024,
            rss_peak / 1024,
            rss_after / 1024
        ),
    );
    v.expect(
        rss_after <= rss_before + 32 * 1024,
        format!(
            "memory grew from {} to {} MiB",
            rss_before / 1024,
            rss_after / 1024
        ),
    );
    v.expect(svc.alive(), "the API process died");
    v.expect(
        Stats::get(&stats.connection_errors) == 0 && Stats::get(&stats.timeouts) == 0,
        "well-behaved clients saw connection errors or timeouts",
    );
    v.expect(!outcomes.is_empty(), "well-behaved clients got no receipts");
    load_figures(&mut v, &stats, &outcomes);
    check_receipts(&mut v, &svc, &outcomes).await;
    svc.teardown().await;
    v
}

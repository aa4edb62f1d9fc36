//! Scenario 5: malformed traffic (truncated, invalid UTF-8, huge, deeply nested, wrong content
//! types, slow clients) on raw connections beside well-behaved clients: every malformed request
//! gets a clean 4xx or a closed connection, and neither the API's memory nor its well-behaved
//! clients suffer.

use crate::client::ACTIONS;
use crate::faults::env::{api, load, rss_kib, Env, CLIENT_TIMEOUT};
use crate::faults::judge;
use crate::faults::verdict::Verdict;
use crate::fixtures::actions;
use crate::load::Stats;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::sleep;

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
    let mut head =
        format!("POST {ACTIONS} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n");
    if let Some(ct) = content_type {
        head.push_str(&format!("Content-Type: {ct}\r\n"));
    }
    head.push_str(extra);
    head.push_str("\r\n");
    let mut out = head.into_bytes();
    out.extend_from_slice(body);
    out
}

pub async fn run(env: &Env) -> Verdict {
    let mut v = Verdict::new("5. malformed traffic beside well-behaved clients");
    let Some(mut api) = api(env, &mut v).await else {
        return v;
    };
    let pid = api.pid().unwrap_or(0);
    let good = load(&api, 4);
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
    let token = api.token.clone();
    let port = api.port;
    let valid = actions::by_document("F-malformed-0", 0);
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
    v.expect(api.alive(), "the API process died");
    v.expect(
        Stats::get(&stats.connection_errors) == 0 && Stats::get(&stats.timeouts) == 0,
        "well-behaved clients saw connection errors or timeouts",
    );
    v.expect(!outcomes.is_empty(), "well-behaved clients got no receipts");
    judge::load_figures(&mut v, &stats, &outcomes);
    judge::receipts(&mut v, &api.community(), &api.database_url, &outcomes).await;
    api.teardown().await;
    v
}

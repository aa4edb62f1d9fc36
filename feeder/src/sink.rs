//! Delivery sinks. The outbox directory is the hand-off itself; the HTTP sink PUTs the data set
//! to ЄДДР at `<url>/datasets/<seq>` (idempotent by sequence) and records the per-record verdicts
//! it answers with.

use crate::write::dataset_dir;
use crate::Settings;
use anyhow::{bail, Context};
use diesel::PgConnection;
use dms_db::feed::{self, Ack, Dataset};
use serde::Deserialize;
use std::path::Path;
use std::time::Duration;

pub enum Sink {
    Directory,
    Http {
        url: String,
        client: reqwest::blocking::Client,
    },
}

#[derive(Deserialize)]
struct AckBody {
    sequence: i64,
    results: Vec<AckItem>,
}

#[derive(Deserialize)]
struct AckItem {
    action_id: uuid::Uuid,
    status: String,
    reason: Option<String>,
}

/// TLS towards ЄДДР: only the configured CA is trusted (no public roots), and the configured
/// client certificate is presented for mutual TLS.
fn tls(s: &Settings) -> anyhow::Result<rustls::ClientConfig> {
    let roots = match &s.eddr_ca {
        Some(ca) => dms_crypto::tls::load_roots(ca)?,
        None => rustls::RootCertStore::empty(),
    };
    let identity = match (&s.eddr_client_cert, &s.eddr_client_key) {
        (Some(cert), Some(key)) => Some((cert.as_path(), key.as_path())),
        _ => None,
    };
    Ok(dms_crypto::tls::client_config(roots, identity)?)
}

impl Sink {
    pub fn from_settings(s: &Settings) -> anyhow::Result<Self> {
        Ok(match &s.eddr_url {
            None => Sink::Directory,
            Some(url) => Sink::Http {
                url: url.trim_end_matches('/').to_owned(),
                client: reqwest::blocking::Client::builder()
                    .timeout(Duration::from_secs(s.http_timeout_secs))
                    .use_preconfigured_tls(tls(s)?)
                    .build()?,
            },
        })
    }

    pub fn deliver(
        &self,
        conn: &mut PgConnection,
        ds: &Dataset,
        outbox: &Path,
        who: &dms_db::audit::AuditEvent,
    ) -> anyhow::Result<()> {
        let dir = dataset_dir(outbox, ds.seq);
        anyhow::ensure!(
            dir.join("manifest.jws").is_file(),
            "data set {} is not on disk",
            ds.seq
        );
        match self {
            Sink::Directory => {
                feed::mark_delivered(conn, ds.seq, who)?;
                tracing::info!(dataset.seq = ds.seq, "data set delivered to the outbox");
                Ok(())
            }
            Sink::Http { url, client } => {
                let jws = std::fs::read_to_string(dir.join("manifest.jws"))?;
                let records = std::fs::File::open(dir.join("records.jsonl"))?;
                let res = client
                    .put(format!("{url}/datasets/{}", ds.seq))
                    .header("content-type", "application/x-ndjson")
                    .header("dms-manifest-jws", jws.trim())
                    .body(reqwest::blocking::Body::new(records))
                    .send()
                    .context("ЄДДР unreachable")?;
                if !res.status().is_success() {
                    bail!("ЄДДР answered {}", res.status());
                }
                let body: AckBody = res
                    .json()
                    .context("ЄДДР's acknowledgement is not readable")?;
                anyhow::ensure!(
                    body.sequence == ds.seq,
                    "ЄДДР acknowledged data set {} instead of {}",
                    body.sequence,
                    ds.seq
                );
                anyhow::ensure!(
                    body.results.len() == ds.record_count as usize,
                    "ЄДДР acknowledged {} records of {}",
                    body.results.len(),
                    ds.record_count
                );
                crate::crash_point("after_delivery");
                let acks: Vec<Ack> = body
                    .results
                    .into_iter()
                    .map(|r| Ack {
                        action_id: r.action_id,
                        accepted: r.status == "accepted",
                        reason: r.reason,
                    })
                    .collect();
                let rejected = acks.iter().filter(|a| !a.accepted).count();
                let recorded = feed::record_acks(conn, ds.seq, &acks, who)?;
                tracing::info!(
                    dataset.seq = ds.seq,
                    acks = recorded,
                    rejected,
                    "data set acknowledged by ЄДДР"
                );
                Ok(())
            }
        }
    }
}

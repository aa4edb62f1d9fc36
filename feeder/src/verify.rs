//! Offline verification of delivered data sets: every record against `dataset-record.v1`, the
//! count, the SHA-256 of the records, the manifest signature (against a JWKS), and the chain of
//! manifests. Reports every problem found, naming the data set and, for records, the line.

use dms_crypto::{verify_compact, VerifyError};
use dms_schemas::Contract;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

struct Checked {
    dir: PathBuf,
    sequence: i64,
    manifest_sha256: String,
    previous: Option<String>,
}

fn check_one(
    dir: &Path,
    jwks: &Value,
    contract: &Contract,
    problems: &mut Vec<String>,
) -> Option<Checked> {
    let name = dir.display();
    let say = |problems: &mut Vec<String>, what: String| problems.push(format!("{name}: {what}"));
    let manifest_bytes = match std::fs::read(dir.join("manifest.json")) {
        Ok(b) => b,
        Err(e) => {
            say(problems, format!("manifest.json unreadable: {e}"));
            return None;
        }
    };
    match std::fs::read_to_string(dir.join("manifest.jws")) {
        Ok(jws) => match verify_compact(jws.trim(), jwks) {
            Ok((_, typ, payload)) => {
                if typ != crate::write::MANIFEST_TYP {
                    say(problems, format!("manifest.jws has typ {typ:?}"));
                }
                if payload != manifest_bytes {
                    say(
                        problems,
                        "manifest.jws signs a different manifest than manifest.json".into(),
                    );
                }
            }
            Err(VerifyError::BadSignature) => {
                say(problems, "manifest signature does not verify".into())
            }
            Err(e) => say(problems, format!("manifest.jws: {e}")),
        },
        Err(e) => say(problems, format!("manifest.jws unreadable: {e}")),
    }
    let manifest: Value = match serde_json::from_slice(&manifest_bytes) {
        Ok(m) => m,
        Err(e) => {
            say(problems, format!("manifest.json is not JSON: {e}"));
            return None;
        }
    };
    let records = match std::fs::File::open(dir.join("records.jsonl")) {
        Ok(f) => f,
        Err(e) => {
            say(problems, format!("records.jsonl unreadable: {e}"));
            return None;
        }
    };
    let mut hasher = Sha256::new();
    let (mut count, mut first, mut last) = (0i64, None, None);
    for (i, line) in BufReader::new(records).split(b'\n').enumerate() {
        let line = match line {
            Ok(l) => l,
            Err(e) => {
                say(problems, format!("records.jsonl unreadable: {e}"));
                break;
            }
        };
        hasher.update(&line);
        hasher.update(b"\n");
        count += 1;
        match serde_json::from_slice::<Value>(&line) {
            Ok(record) => {
                for err in contract.validate(&record) {
                    say(
                        problems,
                        format!(
                            "record {}: {} {} ({})",
                            i + 1,
                            err.pointer,
                            err.message,
                            err.code
                        ),
                    );
                }
                let id = record["action_id"].as_str().map(str::to_owned);
                first = first.or_else(|| id.clone());
                last = id;
            }
            Err(e) => say(problems, format!("record {}: not JSON ({e})", i + 1)),
        }
    }
    let records_sha256 = hex::encode(hasher.finalize());
    if manifest["records_sha256"].as_str() != Some(records_sha256.as_str()) {
        say(
            problems,
            "records.jsonl does not match records_sha256 of the manifest".into(),
        );
    }
    if manifest["record_count"].as_i64() != Some(count) {
        say(
            problems,
            format!(
                "records.jsonl holds {count} records, the manifest says {}",
                manifest["record_count"]
            ),
        );
    }
    if manifest["first_action_id"].as_str().map(str::to_owned) != first
        || manifest["last_action_id"].as_str().map(str::to_owned) != last
    {
        say(
            problems,
            "first/last action ids differ from the manifest".into(),
        );
    }
    Some(Checked {
        dir: dir.to_owned(),
        sequence: manifest["sequence"].as_i64().unwrap_or(-1),
        manifest_sha256: hex::encode(Sha256::digest(&manifest_bytes)),
        previous: manifest["previous_manifest_sha256"]
            .as_str()
            .map(str::to_owned),
    })
}

/// Verify the given data-set directories; returns every problem found (empty: all good).
/// Directories are taken in sequence order; consecutive ones must chain.
pub fn verify(dirs: &[PathBuf], jwks: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let contract = match Contract::dataset_record_v1() {
        Ok(c) => c,
        Err(e) => return vec![e.to_string()],
    };
    let mut checked: Vec<Checked> = dirs
        .iter()
        .filter_map(|d| check_one(d, jwks, &contract, &mut problems))
        .collect();
    checked.sort_by_key(|c| c.sequence);
    if let Some(first) = checked.first() {
        if first.sequence == 1 && first.previous.is_some() {
            problems.push(format!(
                "{}: data set 1 names a previous manifest",
                first.dir.display()
            ));
        }
    }
    for pair in checked.windows(2) {
        let (prev, next) = (&pair[0], &pair[1]);
        if next.sequence != prev.sequence + 1 {
            problems.push(format!(
                "{}: sequence {} does not follow {}",
                next.dir.display(),
                next.sequence,
                prev.sequence
            ));
        } else if next.previous.as_deref() != Some(prev.manifest_sha256.as_str()) {
            problems.push(format!(
                "{}: the chain is broken: previous_manifest_sha256 is not the hash of data set {}'s manifest",
                next.dir.display(),
                prev.sequence
            ));
        }
    }
    problems
}

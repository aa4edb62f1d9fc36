//! Writing a data set durably: `records.jsonl`, `manifest.json` and `manifest.jws` are written into
//! a temporary directory, each file fsynced, the directory renamed into place and its parent
//! fsynced. A half-written data set is never visible under its final name.

use anyhow::Context;
use diesel::PgConnection;
use dms_crypto::{canonical, ActiveKey};
use dms_db::feed::{self, Dataset};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

/// JOSE `typ` of manifest signatures.
pub const MANIFEST_TYP: &str = "dms-manifest+jws";

pub fn dataset_dir(outbox: &Path, seq: i64) -> PathBuf {
    outbox.join(format!("dataset-{seq:010}"))
}

fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

/// The manifest exactly as signed: canonical JSON. `audit_head` is the audit chain's newest seal
/// when the data set was claimed (null while the chain is empty): a party outside DMS holds it,
/// and `dms-api audit-verify --head` later checks the chain still contains it.
pub fn manifest(ds: &Dataset, records_sha256: &str) -> Vec<u8> {
    canonical::to_vec(&json!({
        "format": "dms-dataset.v1",
        "sequence": ds.seq,
        "created_at": ds.created_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "record_count": ds.record_count,
        "first_action_id": ds.first_action_id,
        "last_action_id": ds.last_action_id,
        "records_sha256": records_sha256,
        "previous_manifest_sha256": ds.previous_manifest_sha256,
        "audit_head": ds.audit_head(),
    }))
}

use crate::files::{create_file, private_dir};
pub use crate::files::{DIR_MODE, FILE_MODE};

/// Write the data set's files and record it as sealed. Rebuilding after a crash yields the same
/// bytes: records, their order and every manifest field were fixed when the items were claimed.
pub fn build(
    conn: &mut PgConnection,
    reader: &mut PgConnection,
    ds: &Dataset,
    outbox: &Path,
    key: &ActiveKey<'_>,
    who: &dms_db::audit::AuditEvent,
) -> anyhow::Result<()> {
    fs::create_dir_all(outbox).with_context(|| format!("create {}", outbox.display()))?;
    let final_dir = dataset_dir(outbox, ds.seq);
    let tmp = outbox.join(format!(".building-{:010}", ds.seq));
    if tmp.exists() {
        fs::remove_dir_all(&tmp)?;
    }
    private_dir(&tmp)?;
    let file = create_file(&tmp.join("records.jsonl"))?;
    let (count, records_sha256) = crate::records::write(conn, reader, ds, &tmp, file)?;
    if count != ds.record_count {
        let now = if ds.ranged {
            feed::range_contents(conn, ds.seq).unwrap_or_else(|e| e.to_string())
        } else {
            String::new()
        };
        anyhow::bail!(
            "data set {} holds {count} records, {} were claimed (its range now: {now})",
            ds.seq,
            ds.record_count
        );
    }
    let manifest = manifest(ds, &records_sha256);
    let (_, jws) = key.sign(MANIFEST_TYP, &manifest);
    for (name, bytes) in [
        ("manifest.json", &manifest[..]),
        ("manifest.jws", jws.as_bytes()),
    ] {
        let mut f = create_file(&tmp.join(name))?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    sync_dir(&tmp)?;
    // Not yet sealed in the database, so never delivered: an earlier copy can be replaced.
    if final_dir.exists() {
        fs::remove_dir_all(&final_dir)?;
    }
    fs::rename(&tmp, &final_dir)?;
    sync_dir(outbox)?;
    crate::crash_point("after_rename");
    let manifest_sha256 = hex::encode(Sha256::digest(&manifest));
    feed::mark_sealed(conn, ds.seq, &records_sha256, &manifest_sha256, who)?;
    tracing::info!(
        dataset.seq = ds.seq,
        dataset.records = count,
        "data set sealed"
    );
    crate::crash_point("after_seal");
    Ok(())
}

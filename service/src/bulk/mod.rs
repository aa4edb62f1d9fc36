//! Bulk loads: a register's existing data handed over once (п.22 of CMU 207). The upload streams
//! the file into the database in one transaction and answers with the load; the worker
//! ([`apply`]) then applies its lines in action-date order, historical, never late, notifying
//! nobody of the moves it finds, and listing for DMS staff the persons history shows resident in
//! two communities at once. Each line keeps the `(body, external_id)` idempotency of the single
//! endpoint, so a file loaded again stores nothing new.

pub mod apply;
mod pipeline;
mod purge;
pub mod reader;

use crate::{Actor, ServiceError, Services};
use dms_db::bulk::{self, Load, NewLoad, Received, UploadError};
use dms_schemas::FieldError;
use futures_util::{Stream, StreamExt};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use purge::{purge_lines, Purge, PURGE_WINDOW};
pub use reader::Limits;

/// The size one line may have: what one request to the single endpoint may carry.
pub const LINE_LIMIT: usize = 256 * 1024;

/// Why an upload was not taken.
#[derive(Debug, thiserror::Error)]
pub enum BulkError {
    #[error(transparent)]
    Service(#[from] ServiceError),
    #[error("the upload exceeds {0}")]
    TooLarge(String),
    #[error("the upload holds no lines")]
    Empty,
    #[error("the upload could not be read: {0}")]
    Unreadable(String),
    /// The `Idempotency-Key` names an earlier load of another file.
    #[error("this Idempotency-Key was already used for another file")]
    KeyReused,
}

impl From<UploadError> for BulkError {
    fn from(e: UploadError) -> Self {
        match e {
            UploadError::Db(e) => BulkError::Service(e.into()),
            UploadError::Read(why) => BulkError::Unreadable(why),
            UploadError::TooLarge(what) => BulkError::TooLarge(what),
            UploadError::Empty => BulkError::Empty,
        }
    }
}

/// How the client sent the file.
#[derive(Debug, Clone)]
pub struct Upload {
    /// `Idempotency-Key`: the same key again names the same load, nothing read.
    pub load_key: Option<String>,
    /// `Content-Encoding: gzip`.
    pub gzip: bool,
    /// The longest pause between two pieces of the body.
    pub idle: std::time::Duration,
}

/// Receive an upload: the body's chunks as they arrive. Memory holds a few chunks and one line.
pub async fn upload<S, B, E>(
    services: &Services,
    actor: &Actor,
    upload: Upload,
    mut body: S,
    limits: Limits,
) -> Result<Received, BulkError>
where
    S: Stream<Item = Result<B, E>> + Unpin,
    B: AsRef<[u8]>,
    E: std::fmt::Display,
{
    let Some((registration_body, transport)) = actor.acting_body() else {
        return Err(ServiceError::Forbidden.into());
    };
    let new = NewLoad {
        id: Uuid::now_v7(),
        registration_body_id: registration_body.id,
        load_key: upload.load_key.clone(),
        received_at: crate::actions::now_micros(),
        transport: transport.clone(),
        request_id: actor.request_id.clone().unwrap_or_default(),
    };
    let audit = actor.audit("bulk_load.create", None, serde_json::json!({}));
    let url = services.sync_url()?;
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, String>>(16);
    let gzip = upload.gzip;
    let receiving = tokio::task::spawn_blocking(move || -> Result<Received, BulkError> {
        let mut conn = crate::context::connect_sync(&url)?;
        let chunks = reader::ChunkReader::new(rx);
        if let Some(key) = &new.load_key {
            if let Some(load) = bulk::by_key(&mut conn, new.registration_body_id, key)
                .map_err(ServiceError::from)?
            {
                // The same key again: the same file is that load, another file is refused;
                // either way the body is only read through, nothing is stored.
                let facts = if gzip {
                    read_through(flate2::read::MultiGzDecoder::new(chunks), limits)?
                } else {
                    read_through(chunks, limits)?
                };
                return if facts.sha256[..] == load.file_sha256[..] {
                    Ok(Received::Existing(load))
                } else {
                    Err(BulkError::KeyReused)
                };
            }
        }
        let received = if gzip {
            let mut lines = reader::Lines::new(flate2::read::MultiGzDecoder::new(chunks), limits);
            bulk::receive(&mut conn, &new, &mut lines, &audit)
        } else {
            let mut lines = reader::Lines::new(chunks, limits);
            bulk::receive(&mut conn, &new, &mut lines, &audit)
        };
        Ok(received?)
    });
    loop {
        // A client that stops sending holds a transaction open: give up after `idle`.
        let item = match tokio::time::timeout(upload.idle, body.next()).await {
            Ok(Some(chunk)) => chunk
                .map(|b| b.as_ref().to_vec())
                .map_err(|e| e.to_string()),
            Ok(None) => break,
            Err(_) => Err(format!("no data arrived for {} s", upload.idle.as_secs())),
        };
        let failed = item.is_err();
        if tx.send(item).await.is_err() || failed {
            break; // the receiver stopped (a refusal or a known key); it has the answer
        }
    }
    drop(tx);
    let received = receiving.await.map_err(|_| ServiceError::Internal)??;
    match &received {
        Received::Created(load) => {
            tracing::info!(bulk_load.id = %load.id, bulk_load.lines = load.lines_received, "bulk load received");
        }
        Received::Existing(load) => {
            tracing::info!(bulk_load.id = %load.id, "bulk load already received; nothing new stored");
        }
    }
    Ok(received)
}

/// Read an upload to its end without keeping it: its facts.
fn read_through<R: std::io::Read>(
    input: R,
    limits: Limits,
) -> Result<dms_db::bulk::FileFacts, BulkError> {
    use dms_db::bulk::LineSource;
    let mut lines = reader::Lines::new(input, limits);
    while lines.next_line()?.is_some() {}
    Ok(lines.facts())
}

/// One of the body's loads, audited.
pub async fn status(services: &Services, actor: &Actor, id: Uuid) -> Result<Load, ServiceError> {
    let body = actor.registration_body().ok_or(ServiceError::Forbidden)?;
    let mut conn = services.conn().await?;
    let load = bulk::own(&mut conn, body.id, id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    dms_db::audit::record(
        &mut conn,
        &actor.audit(
            "bulk_load.read",
            Some(id.to_string()),
            serde_json::json!({}),
        ),
    )
    .await?;
    Ok(load)
}

/// A line's outcome as the results list it.
#[derive(Debug, Clone)]
pub enum LineOutcome {
    Stored {
        action_id: Uuid,
        dms_number: String,
        receipt: String,
    },
    Refused(Refusal),
    Pending,
}

/// Results of one of the body's loads after line `after`, audited.
pub async fn results(
    services: &Services,
    actor: &Actor,
    id: Uuid,
    after: i32,
    limit: i64,
) -> Result<(Load, Vec<(i32, LineOutcome)>), ServiceError> {
    let body = actor.registration_body().ok_or(ServiceError::Forbidden)?;
    let mut conn = services.conn().await?;
    let load = bulk::own(&mut conn, body.id, id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let rows = bulk::results(&mut conn, &load, after, limit).await?;
    dms_db::audit::record(
        &mut conn,
        &actor.audit(
            "bulk_load.results",
            Some(id.to_string()),
            serde_json::json!({"after": after, "lines": rows.len()}),
        ),
    )
    .await?;
    let out = rows
        .into_iter()
        .map(|r| {
            let outcome = if !r.done {
                LineOutcome::Pending
            } else if let Some(p) = r.problem {
                serde_json::from_value(p).map_or(
                    LineOutcome::Refused(Refusal::internal()),
                    LineOutcome::Refused,
                )
            } else if let (Some(action_id), Some(dms_number), Some(receipt)) =
                (r.action_id, r.dms_number, r.receipt)
            {
                LineOutcome::Stored {
                    action_id,
                    dms_number,
                    receipt,
                }
            } else {
                LineOutcome::Refused(Refusal::internal())
            };
            (r.line_no, outcome)
        })
        .collect();
    Ok((load, out))
}

/// A line's refusal as stored: the problem the single endpoint would have answered.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Refusal {
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<StoredField>,
}

/// A field fault as a refusal keeps it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct StoredField {
    pub pointer: String,
    pub code: String,
    pub message: String,
}

fn stored(faults: &[FieldError]) -> Vec<StoredField> {
    faults
        .iter()
        .map(|f| StoredField {
            pointer: f.pointer.clone(),
            code: f.code.clone(),
            message: f.message.clone(),
        })
        .collect()
}

fn faults(fields: &[StoredField]) -> Vec<FieldError> {
    fields
        .iter()
        .map(|f| {
            FieldError::new(
                f.pointer.clone(),
                dms_schemas::FieldCode::parse(&f.code).unwrap_or(dms_schemas::FieldCode::Schema),
                f.message.clone(),
            )
        })
        .collect()
}

impl Refusal {
    fn internal() -> Refusal {
        Refusal {
            code: "internal_error".into(),
            detail: None,
            errors: vec![],
        }
    }

    /// The refusal of a line the single endpoint would have refused with `e`.
    pub fn of(e: &ServiceError) -> Refusal {
        let (code, detail, errors) = match e {
            ServiceError::MalformedJson(d) => ("malformed_json", Some(d.clone()), vec![]),
            ServiceError::SchemaViolation(f) => ("schema_violation", None, stored(f)),
            ServiceError::ValidationFailed(f) => ("validation_failed", None, stored(f)),
            ServiceError::IdempotencyKeyReused => ("idempotency_key_reused", None, vec![]),
            ServiceError::TooLarge(n) => ("payload_too_large", Some(n.to_string()), vec![]),
            ServiceError::TerritoryRestricted(basis) => {
                ("territory_restricted", Some(basis.clone()), vec![])
            }
            _ => ("internal_error", None, vec![]),
        };
        Refusal {
            code: code.into(),
            detail,
            errors,
        }
    }

    /// Back to the error the doors render (in the reader's language).
    pub fn to_error(&self) -> ServiceError {
        match self.code.as_str() {
            "malformed_json" => {
                ServiceError::MalformedJson(self.detail.clone().unwrap_or_default())
            }
            "schema_violation" => ServiceError::SchemaViolation(faults(&self.errors)),
            "validation_failed" => ServiceError::ValidationFailed(faults(&self.errors)),
            "idempotency_key_reused" => ServiceError::IdempotencyKeyReused,
            "payload_too_large" => ServiceError::TooLarge(
                self.detail
                    .as_deref()
                    .and_then(|d| d.parse().ok())
                    .unwrap_or(0),
            ),
            "territory_restricted" => {
                ServiceError::TerritoryRestricted(self.detail.clone().unwrap_or_default())
            }
            _ => ServiceError::Internal,
        }
    }
}

/// Persons history shows resident in two communities at once (supervisors and auditors), after
/// `after`, audited.
pub async fn conflicts(
    services: &Services,
    actor: &Actor,
    after: i64,
    limit: i64,
) -> Result<Vec<bulk::ConflictRow>, ServiceError> {
    actor.require_staff(&[
        dms_db::enums::StaffRole::Supervisor,
        dms_db::enums::StaffRole::Auditor,
    ])?;
    let mut conn = services.conn().await?;
    let rows = bulk::conflicts(&mut conn, after, limit).await?;
    let event = actor.audit(
        "bulk_load.conflicts_read",
        None,
        serde_json::json!({"after": after, "rows": rows.len()}),
    );
    dms_db::audit::record(&mut conn, &event).await?;
    Ok(rows)
}

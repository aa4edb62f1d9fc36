//! Bulk loads (п.22 of CMU 207): the data a register already holds, one registration action per
//! line. The upload is one transaction (the lines by COPY, then the load's row, or nothing); the
//! worker applies the lines in action-date order, a batch per transaction that also moves the
//! load's cursor (`apply`). Synchronous diesel: COPY is only there.

pub mod apply;
mod copy;
pub mod purge;
mod read;

use crate::actions::Transport;
use crate::audit::{record_sync, AuditEvent};
use crate::schema::{bulk_load_lines as l, bulk_loads as b};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::PgConnection;
use uuid::Uuid;

pub use copy::CopyRow;
pub use read::{conflicts, own, results, ConflictRow, ResultLine};

/// The sort date of a line whose action date could not be read: such lines come first.
pub fn unreadable_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(1, 1, 1).unwrap_or_default()
}

/// What a line could not be kept as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Defect {
    NotUtf8,
    TooLong,
}

impl Defect {
    pub fn as_str(self) -> &'static str {
        match self {
            Defect::NotUtf8 => "not_utf8",
            Defect::TooLong => "too_long",
        }
    }
    pub fn parse(s: &str) -> Option<Defect> {
        match s {
            "not_utf8" => Some(Defect::NotUtf8),
            "too_long" => Some(Defect::TooLong),
            _ => None,
        }
    }
}

/// One line as the upload keeps it.
#[derive(Debug, Clone)]
pub struct LineIn {
    pub line_no: i32,
    pub sort_date: NaiveDate,
    pub external_id: Option<String>,
    pub defect: Option<Defect>,
    /// The line's text (empty for a defective line).
    pub raw: String,
}

/// What the upload learned of the file once it has read it all.
#[derive(Debug, Clone)]
pub struct FileFacts {
    pub sha256: [u8; 32],
    pub bytes: i64,
    pub lines: i32,
}

/// The lines of an upload, pulled one at a time while the COPY runs; errors abort the upload.
pub trait LineSource {
    fn next_line(&mut self) -> Result<Option<LineIn>, UploadError>;
    fn facts(&self) -> FileFacts;
}

#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("{0}")]
    Db(#[from] diesel::result::Error),
    /// The body broke off or could not be decoded.
    #[error("the upload could not be read: {0}")]
    Read(String),
    /// Over the configured size or line count.
    #[error("the upload exceeds {0}")]
    TooLarge(String),
    /// Nothing but blank lines.
    #[error("the upload holds no lines")]
    Empty,
}

/// A load as `GET /v1/bulk-loads/{id}` shows it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = b)]
pub struct Load {
    pub id: Uuid,
    pub registration_body_id: Uuid,
    pub load_key: Option<String>,
    pub file_sha256: Vec<u8>,
    pub file_bytes: i64,
    pub state: String,
    pub lines_received: i32,
    pub lines_stored: i32,
    pub lines_replayed: i32,
    pub lines_refused: i32,
    pub cursor_date: NaiveDate,
    pub cursor_line: i32,
    pub received_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub channel: String,
    pub transport_client: Option<String>,
    pub transport_query_id: Option<String>,
    pub transport_user_id: Option<String>,
    pub request_id: String,
}

impl Load {
    pub fn transport(&self) -> Transport {
        Transport {
            channel: self.channel.clone(),
            client: self.transport_client.clone(),
            query_id: self.transport_query_id.clone(),
            user_id: self.transport_user_id.clone(),
        }
    }
    pub fn lines_done(&self) -> i32 {
        self.lines_stored + self.lines_replayed + self.lines_refused
    }
}

/// A new upload's own facts.
#[derive(Debug, Clone)]
pub struct NewLoad {
    pub id: Uuid,
    pub registration_body_id: Uuid,
    pub load_key: Option<String>,
    pub received_at: DateTime<Utc>,
    pub transport: Transport,
    pub request_id: String,
}

/// The outcome of an upload.
#[derive(Debug, Clone)]
pub enum Received {
    Created(Load),
    /// The same file, or the same key, was loaded before: that load, nothing new stored.
    Existing(Load),
}

/// The body's load under `key`.
pub fn by_key(conn: &mut PgConnection, body: Uuid, key: &str) -> QueryResult<Option<Load>> {
    b::table
        .filter(b::registration_body_id.eq(body))
        .filter(b::load_key.eq(key))
        .select(Load::as_select())
        .first(conn)
        .optional()
}

fn by_file(conn: &mut PgConnection, body: Uuid, sha: &[u8]) -> QueryResult<Option<Load>> {
    b::table
        .filter(b::registration_body_id.eq(body))
        .filter(b::file_sha256.eq(sha))
        .select(Load::as_select())
        .first(conn)
        .optional()
}

enum Abort {
    Upload(UploadError),
    Exists,
}

impl From<diesel::result::Error> for Abort {
    fn from(e: diesel::result::Error) -> Self {
        Abort::Upload(UploadError::Db(e))
    }
}

/// Receive an upload: COPY its lines, then record the load (and `audit`, completed with the
/// load's facts) in the same transaction. The same file or key seen before rolls everything
/// back and names the earlier load.
pub fn receive(
    conn: &mut PgConnection,
    new: &NewLoad,
    source: &mut dyn LineSource,
    audit: &AuditEvent,
) -> Result<Received, UploadError> {
    let outcome = conn.transaction::<Load, Abort, _>(|conn| {
        let lines = copy::copy_lines(conn, new.id, source).map_err(Abort::Upload)?;
        let facts = source.facts();
        if lines == 0 {
            return Err(Abort::Upload(UploadError::Empty));
        }
        let inserted: Option<Load> = diesel::insert_into(b::table)
            .values((
                b::id.eq(new.id),
                b::registration_body_id.eq(new.registration_body_id),
                b::load_key.eq(new.load_key.as_deref()),
                b::file_sha256.eq(&facts.sha256[..]),
                b::file_bytes.eq(facts.bytes),
                b::lines_received.eq(lines),
                b::received_at.eq(new.received_at),
                b::channel.eq(&new.transport.channel),
                b::transport_client.eq(new.transport.client.as_deref()),
                b::transport_query_id.eq(new.transport.query_id.as_deref()),
                b::transport_user_id.eq(new.transport.user_id.as_deref()),
                b::request_id.eq(&new.request_id),
            ))
            .on_conflict_do_nothing()
            .returning(Load::as_returning())
            .get_result(conn)
            .optional()?;
        let Some(load) = inserted else {
            return Err(Abort::Exists);
        };
        let mut event = audit.clone();
        event.target = Some(load.id.to_string());
        event.details = serde_json::json!({
            "lines": lines,
            "file_sha256": hex::encode(facts.sha256),
            "file_bytes": facts.bytes,
        });
        record_sync(conn, &event)?;
        Ok(load)
    });
    match outcome {
        Ok(load) => Ok(Received::Created(load)),
        Err(Abort::Upload(e)) => Err(e),
        Err(Abort::Exists) => {
            let facts = source.facts();
            let found = match &new.load_key {
                Some(k) => by_key(conn, new.registration_body_id, k)?,
                None => None,
            };
            let found = match found {
                Some(l) => Some(l),
                None => by_file(conn, new.registration_body_id, &facts.sha256)?,
            };
            found
                .map(Received::Existing)
                .ok_or(UploadError::Db(diesel::result::Error::NotFound))
        }
    }
}

/// Lines of a load, for tests and tools: how many it holds.
pub fn line_count(conn: &mut PgConnection, load: Uuid) -> QueryResult<i64> {
    l::table
        .filter(l::load_id.eq(load))
        .count()
        .get_result(conn)
}

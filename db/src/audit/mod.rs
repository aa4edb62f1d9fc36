//! The audit trail: who did what to which record, over which channel, in which request.

use crate::schema::audit_log;
use crate::{DbError, PgConn};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

/// One audit event. `details` must not carry personal data beyond record ids.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = audit_log)]
pub struct AuditEvent {
    pub actor_kind: String,
    pub actor_id: Option<String>,
    pub channel: String,
    pub event: String,
    pub target: Option<String>,
    pub request_id: Option<String>,
    pub details: serde_json::Value,
}

impl AuditEvent {
    /// The same actor, channel and request doing something else.
    pub fn about(&self, event: &str, target: Option<String>, details: serde_json::Value) -> Self {
        AuditEvent {
            event: event.to_owned(),
            target,
            details,
            ..self.clone()
        }
    }
}

/// Record an event on a synchronous connection (the feeder's batch path), in the caller's
/// transaction.
pub fn record_sync(conn: &mut PgConnection, event: &AuditEvent) -> QueryResult<()> {
    diesel::RunQueryDsl::execute(diesel::insert_into(audit_log::table).values(event), conn)
        .map(drop)
}

pub async fn record(conn: &mut PgConn, event: &AuditEvent) -> Result<(), DbError> {
    diesel::insert_into(audit_log::table)
        .values(event)
        .execute(conn)
        .await?;
    Ok(())
}

pub mod chain;
pub mod listing;
pub mod verify;

pub use verify::{Verification, Walk};

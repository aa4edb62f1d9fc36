//! The audit log as auditors list it: newest first, keyset-paged on the row id, filtered by
//! actor, event, target and time.

use crate::{DbError, PgConn};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Jsonb, Nullable, Text, Timestamptz};
use diesel_async::RunQueryDsl;

#[derive(Debug, Clone, QueryableByName, serde::Serialize)]
pub struct AuditRow {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Timestamptz)]
    pub at: DateTime<Utc>,
    #[diesel(sql_type = Text)]
    pub actor_kind: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub actor_id: Option<String>,
    #[diesel(sql_type = Text)]
    pub channel: String,
    #[diesel(sql_type = Text)]
    pub event: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub target: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub request_id: Option<String>,
    #[diesel(sql_type = Jsonb)]
    pub details: serde_json::Value,
}

/// Which rows to list.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// An actor id, or an actor kind (`staff`, `registration_body`, `system`, …).
    pub actor: Option<String>,
    /// An event name, exactly.
    pub event: Option<String>,
    /// Events whose name begins with this (e.g. `web.`).
    pub event_prefix: Option<String>,
    pub target: Option<String>,
    /// From this time (inclusive).
    pub from: Option<DateTime<Utc>>,
    /// Until this time (inclusive).
    pub to: Option<DateTime<Utc>>,
}

/// Rows matching `filter` with an id below `before` (none: from the newest), newest first, at
/// most `limit`.
pub async fn list(
    conn: &mut PgConn,
    filter: &AuditFilter,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<AuditRow>, DbError> {
    // A prefix is matched literally: LIKE's wildcards in it are escaped.
    let prefix = filter.event_prefix.as_ref().map(|p| {
        let escaped = p
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        format!("{escaped}%")
    });
    Ok(diesel::sql_query(
        "SELECT id, at, actor_kind, actor_id, channel, event, target, request_id, details \
         FROM audit_log \
         WHERE ($1::text IS NULL OR actor_id = $1 OR actor_kind = $1) \
           AND ($2::text IS NULL OR event = $2) \
           AND ($3::text IS NULL OR event LIKE $3) \
           AND ($4::text IS NULL OR target = $4) \
           AND ($5::timestamptz IS NULL OR at >= $5) \
           AND ($6::timestamptz IS NULL OR at <= $6) \
           AND ($7::bigint IS NULL OR id < $7) \
         ORDER BY id DESC LIMIT $8",
    )
    .bind::<Nullable<Text>, _>(filter.actor.as_deref())
    .bind::<Nullable<Text>, _>(filter.event.as_deref())
    .bind::<Nullable<Text>, _>(prefix)
    .bind::<Nullable<Text>, _>(filter.target.as_deref())
    .bind::<Nullable<Timestamptz>, _>(filter.from)
    .bind::<Nullable<Timestamptz>, _>(filter.to)
    .bind::<Nullable<BigInt>, _>(before)
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await?)
}

//! Notices to a registration body (its resident registered elsewhere, a move cancelled),
//! cursor-paged; reading them is audited with the actions they name.

use crate::{Actor, ServiceError, Services};
use diesel_async::AsyncConnection;
use dms_db::notices::Notice;
use dms_schemas::{FieldCode, FieldError};

/// The body's notices after `after`, at most `limit` (1–500).
pub async fn read(
    services: &Services,
    actor: &Actor,
    after: i64,
    limit: i64,
) -> Result<Vec<Notice>, ServiceError> {
    let body = actor.registration_body().ok_or(ServiceError::Forbidden)?;
    let mut errors = Vec::new();
    if after < 0 {
        errors.push(FieldError::new(
            "/after",
            FieldCode::Minimum,
            "must be at least 0",
        ));
    }
    if !(1..=500).contains(&limit) {
        errors.push(FieldError::new(
            "/limit",
            FieldCode::Range,
            "must be between 1 and 500",
        ));
    }
    if !errors.is_empty() {
        return Err(ServiceError::SchemaViolation(errors));
    }
    // The acknowledgement (a write), the read and its audit row commit together.
    let mut conn = services.conn().await?;
    conn.transaction(async |tx| -> Result<_, ServiceError> {
        // A cursor beyond the body's last notice would acknowledge notices that do not exist
        // yet: refused, nothing acknowledged.
        if after > dms_db::notices::last_notice(tx, body.id).await? {
            return Err(ServiceError::field(
                "/after",
                FieldCode::BeyondLastNotice,
                "is beyond your last notice; pass next_cursor",
            ));
        }
        let notices = dms_db::notices::notices(tx, body.id, after, limit).await?;
        // Audited even when nothing is returned: asking acknowledges everything up to `after`.
        let ids: Vec<_> = notices.iter().map(|n| n.action_id).collect();
        let event = actor.audit(
            "notifications.read",
            None,
            serde_json::json!({"actions": ids, "after": after}),
        );
        dms_db::audit::record(tx, &event).await?;
        Ok(notices)
    })
    .await
}

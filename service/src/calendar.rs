//! The working-day calendar: supervisors declare a day a working day or a day off; deadlines
//! of requests received from then on take it into account.

use crate::{Actor, ServiceError, Services};
use chrono::NaiveDate;
use diesel_async::AsyncConnection;
use dms_db::enums::StaffRole;

/// Declare `day` a working day (`working`) or a day off, with the reason.
pub async fn set_override(
    services: &Services,
    actor: &Actor,
    day: NaiveDate,
    working: bool,
    reason: &str,
) -> Result<(), ServiceError> {
    let who = actor.require_staff(&[StaffRole::Supervisor])?;
    let mut errors = Vec::new();
    crate::intake::require_text(&mut errors, "/reason", reason);
    if !errors.is_empty() {
        return Err(ServiceError::SchemaViolation(errors));
    }
    let mut conn = services.conn().await?;
    conn.transaction(async |tx| -> Result<_, ServiceError> {
        dms_db::calendar::set_override(tx, day, working, reason, who.id).await?;
        let event = actor.audit(
            "calendar.override",
            Some(day.to_string()),
            serde_json::json!({"working": working}),
        );
        dms_db::audit::record(tx, &event).await?;
        Ok(())
    })
    .await
}

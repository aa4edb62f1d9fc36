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

/// The days of a month as the calendar sees them (any staff member; no personal data).
pub async fn month(
    services: &Services,
    actor: &Actor,
    first: NaiveDate,
) -> Result<Vec<dms_schemas::calendar::DayInfo>, ServiceError> {
    actor.require_staff(&[
        StaffRole::Officer,
        StaffRole::Supervisor,
        StaffRole::Auditor,
    ])?;
    let mut conn = services.conn().await?;
    let calendar = dms_db::calendar::calendar(&mut conn).await?;
    let mut days = Vec::new();
    let mut d = first;
    while chrono::Datelike::month(&d) == chrono::Datelike::month(&first) {
        days.push(calendar.day_info(d));
        d += chrono::Duration::days(1);
    }
    Ok(days)
}

/// The reasons of the overrides in the month that begins on `first`.
pub async fn reasons(
    services: &Services,
    actor: &Actor,
    first: NaiveDate,
) -> Result<Vec<(NaiveDate, String)>, ServiceError> {
    actor.require_staff(&[
        StaffRole::Officer,
        StaffRole::Supervisor,
        StaffRole::Auditor,
    ])?;
    let last = first + chrono::Months::new(1) - chrono::Duration::days(1);
    let mut conn = services.conn().await?;
    Ok(dms_db::calendar::reasons(&mut conn, first, last).await?)
}

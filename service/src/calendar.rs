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

/// Who may read the calendar's overrides: every human staff role.
pub const READERS: &[StaffRole] = &[
    StaffRole::Officer,
    StaffRole::Supervisor,
    StaffRole::Auditor,
];

/// The overrides of days from `from` to `to` (inclusive, either open), in day order, with
/// who set each and when; `/to` before `/from` is refused. The reading is audited.
pub async fn overrides(
    services: &Services,
    actor: &Actor,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<Vec<dms_db::calendar::Override>, ServiceError> {
    actor.require_staff(READERS)?;
    if let (Some(f), Some(t)) = (from, to) {
        if t < f {
            return Err(ServiceError::field(
                "/to",
                dms_schemas::FieldCode::BeforeFrom,
                "is earlier than /from",
            ));
        }
    }
    let mut conn = services.conn().await?;
    let listed = dms_db::calendar::overrides(&mut conn, from, to).await?;
    let event = actor.audit(
        "calendar.list",
        None,
        serde_json::json!({"from": from, "to": to, "returned": listed.len()}),
    );
    dms_db::audit::record(&mut conn, &event).await?;
    Ok(listed)
}

/// The days of a month as the calendar sees them (any staff member; no personal data).
pub async fn month(
    services: &Services,
    actor: &Actor,
    first: NaiveDate,
) -> Result<Vec<dms_schemas::calendar::DayInfo>, ServiceError> {
    actor.require_staff(READERS)?;
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

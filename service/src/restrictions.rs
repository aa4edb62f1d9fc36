//! Territorial bans on registration actions (CMU 1450/2021): set by supervisors, checked by the
//! intake transaction on the very next submission.

use crate::{Actor, ServiceError, Services};
use chrono::NaiveDate;
use diesel_async::AsyncConnection;
use dms_db::enums::StaffRole;
use dms_db::restrictions::Restriction;
use dms_schemas::{FieldCode, FieldError};

/// A ban as a supervisor asks for it.
#[derive(Debug, Clone)]
pub struct NewRestriction {
    /// КАТОТТГ of any level: everything inside it is banned.
    pub katottg: String,
    pub from: NaiveDate,
    /// Inclusive; absent = until lifted.
    pub to: Option<NaiveDate>,
    /// The military command's decision the ban rests on.
    pub legal_basis: String,
}

pub async fn add(
    services: &Services,
    actor: &Actor,
    new: &NewRestriction,
) -> Result<Restriction, ServiceError> {
    let who = actor.require_staff(&[StaffRole::Supervisor])?;
    let mut errors = Vec::new();
    if services.codifier().await?.category(&new.katottg).is_none() {
        errors.push(FieldError::new(
            "/katottg",
            FieldCode::KatottgUnknown,
            "is not in the territorial codifier",
        ));
    }
    if new.to.is_some_and(|t| t < new.from) {
        errors.push(FieldError::new(
            "/to",
            FieldCode::BeforeFrom,
            "is earlier than /from",
        ));
    }
    crate::intake::require_text(&mut errors, "/legal_basis", &new.legal_basis);
    ServiceError::check(errors)?;
    let mut conn = services.conn().await?;
    conn.transaction(async |tx| -> Result<_, ServiceError> {
        let stored = dms_db::restrictions::add_restriction(
            tx,
            &new.katottg,
            new.from,
            new.to,
            &new.legal_basis,
            who.id,
        )
        .await?;
        let event = actor.audit(
            "territory_restriction.create",
            Some(stored.id.to_string()),
            serde_json::json!({"katottg": new.katottg}),
        );
        dms_db::audit::record(tx, &event).await?;
        Ok(stored)
    })
    .await
}

/// Every ban (supervisors and officers); the reading is audited on the same connection, and
/// nothing is answered if that fails.
pub async fn list(services: &Services, actor: &Actor) -> Result<Vec<Restriction>, ServiceError> {
    actor.require_staff(&[StaffRole::Supervisor, StaffRole::Officer])?;
    let mut conn = services.conn().await?;
    let listed = dms_db::restrictions::restrictions(&mut conn).await?;
    let event = actor.audit(
        "territory_restriction.list",
        None,
        serde_json::json!({"returned": listed.len()}),
    );
    dms_db::audit::record(&mut conn, &event).await?;
    Ok(listed)
}

/// A ban ended early, as a supervisor asks for it.
#[derive(Debug, Clone)]
pub struct EndRestriction {
    /// The last day the ban is in force (inclusive).
    pub last_day: NaiveDate,
    pub reason: String,
}

/// End a ban early (supervisors): it is in force until `last_day`, which must lie within the
/// ban (not before the day before its first — a ban that never applied —, not after its last)
/// and not before yesterday in Kyiv (no
/// retroactive change: what was refused stays refused). A ban is ended once: a second end is
/// `RestrictionAlreadyEnded`. Audited in the transaction that records the end.
pub async fn end(
    services: &Services,
    actor: &Actor,
    id: uuid::Uuid,
    end: &EndRestriction,
) -> Result<Restriction, ServiceError> {
    let who = actor.require_staff(&[StaffRole::Supervisor])?;
    let today = dms_schemas::time::kyiv_date(chrono::Utc::now());
    let mut conn = services.conn().await?;
    conn.transaction(async |tx| -> Result<_, ServiceError> {
        let ban = dms_db::restrictions::restriction(tx, id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        if ban.ended_last_day.is_some() {
            return Err(ServiceError::RestrictionAlreadyEnded);
        }
        let mut errors = Vec::new();
        // The day before the ban's first day ends it before it ever applies (a ban set for
        // today or later can be called off).
        if end.last_day < ban.from_date - chrono::Duration::days(1) {
            errors.push(FieldError::new(
                "/last_day",
                FieldCode::BeforeFrom,
                format!(
                    "is before the day before the ban's first day {}",
                    ban.from_date
                ),
            ));
        }
        if let Some(to) = ban.to_date.filter(|to| end.last_day > *to) {
            errors.push(FieldError::new(
                "/last_day",
                FieldCode::Range,
                format!("is after the ban's last day {to}"),
            ));
        }
        // The earliest end is yesterday (Kyiv): the ban no longer covers actions dated today.
        // Days before that keep the ban they had: no retroactive end.
        let yesterday = today - chrono::Duration::days(1);
        if end.last_day < yesterday {
            errors.push(FieldError::new(
                "/last_day",
                FieldCode::Range,
                format!(
                    "is before yesterday ({yesterday}, Kyiv): a ban is lifted from today at the \
                     earliest, never retroactively"
                ),
            ));
        }
        crate::intake::require_text(&mut errors, "/reason", &end.reason);
        ServiceError::check(errors)?;
        let ended =
            dms_db::restrictions::end_restriction(tx, id, end.last_day, &end.reason, who.id)
                .await?;
        if ended == dms_db::restrictions::Ended::Already {
            return Err(ServiceError::RestrictionAlreadyEnded);
        }
        let event = actor.audit(
            "territory_restriction.end",
            Some(id.to_string()),
            serde_json::json!({"last_day": end.last_day, "to": ban.to_date}),
        );
        dms_db::audit::record(tx, &event).await?;
        dms_db::restrictions::restriction(tx, id)
            .await?
            .ok_or(ServiceError::Internal)
    })
    .await
}

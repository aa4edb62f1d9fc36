//! A person's history for DMS staff: every registration action about them, in every community,
//! with its cancellations, moves and where it is in the feed to ЄДДР. Officers see it only for
//! a person with an action inside their territory (to anyone else the person does not exist);
//! supervisors see every person. Each view is audited as a view of personal data.

use crate::{Actor, ServiceError, Services};
use dms_db::enums::StaffRole;
use dms_db::search::HistoryEntry;
use uuid::Uuid;

/// The person's actions, oldest first (by action date, then receipt).
pub async fn history(
    services: &Services,
    actor: &Actor,
    person_id: Uuid,
) -> Result<Vec<HistoryEntry>, ServiceError> {
    let who = actor.require_staff(&[StaffRole::Officer, StaffRole::Supervisor])?;
    let mut conn = services.conn().await?;
    if !dms_db::search::person_exists(&mut conn, person_id).await? {
        return Err(ServiceError::NotFound);
    }
    let entries = dms_db::search::history(&mut conn, person_id).await?;
    let visible = match (who.role, who.territory.as_deref()) {
        (StaffRole::Supervisor, _) => true,
        (StaffRole::Officer, Some(t)) => {
            let codifier = services.codifier().await?;
            entries
                .iter()
                .filter_map(|e| e.katottg.as_deref())
                .any(|k| codifier.lies_within(k, t))
        }
        _ => false,
    };
    if !visible {
        return Err(ServiceError::NotFound);
    }
    let ids: Vec<Uuid> = entries.iter().map(|e| e.id).collect();
    let event = actor.audit(
        "person.history",
        Some(person_id.to_string()),
        serde_json::json!({"returned": ids}),
    );
    dms_db::audit::record(&mut conn, &event).await?;
    Ok(entries)
}

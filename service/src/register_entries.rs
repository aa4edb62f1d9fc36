//! Register entries: the document-issuance side says a person is now in ЄДДР; their held
//! actions are released into the next data set, oldest first.

use crate::{Actor, ServiceError, Services, Who};
use diesel_async::AsyncConnection;
use dms_db::enums::StaffRole;
use dms_schemas::{DocumentNumber, Unzr};

/// Staff who may record register entries: supervisors, and the document-issuance system (a
/// machine client with the `issuance` role, which may do nothing else).
pub const RECORDERS: &[StaffRole] = &[StaffRole::Supervisor, StaffRole::Issuance];

/// Record the entry of the person with `unzr` (and, when given, the document the УНЗР was
/// issued on); returns how many held actions were released. Staff must be one of
/// [`RECORDERS`]; an operator at the command line or a job may too, a registration body
/// never.
pub async fn record(
    services: &Services,
    actor: &Actor,
    unzr: &Unzr,
    document: Option<&DocumentNumber>,
) -> Result<usize, ServiceError> {
    match &actor.who {
        Who::Operator(_) | Who::Job(_) => {}
        _ => {
            actor.require_staff(RECORDERS)?;
        }
    }
    let unzr_key = dms_schemas::action::unzr_key(unzr);
    let document_key = document.map(dms_schemas::action::document_key);
    let mut conn = services.conn().await?;
    conn.transaction(async |tx| -> Result<_, ServiceError> {
        let (person, released) =
            dms_db::register_entries::record(tx, unzr.as_str(), &unzr_key, document_key.as_deref())
                .await?;
        // The person is named by their record id, never by the УНЗР itself.
        let event = actor.audit(
            "register_entry.record",
            Some(person.to_string()),
            serde_json::json!({"released": released}),
        );
        dms_db::audit::record(tx, &event).await?;
        Ok(released)
    })
    .await
}

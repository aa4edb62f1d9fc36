//! The audit log's hash chain as auditors check it: re-verified on a pooled connection, the
//! check itself audited.

use crate::{Actor, ServiceError, Services};
use dms_db::audit::chain::Verification;
use dms_db::enums::StaffRole;

pub async fn verify(services: &Services, actor: &Actor) -> Result<Verification, ServiceError> {
    if actor.staff_member().is_some() {
        actor.require_staff(&[StaffRole::Auditor])?;
    }
    let mut conn = services.conn().await?;
    let result = dms_db::audit::chain::verify(&mut conn).await?;
    let event = actor.audit(
        "audit.verify",
        None,
        serde_json::json!({"first_broken": result.first_broken}),
    );
    dms_db::audit::record(&mut conn, &event).await?;
    Ok(result)
}

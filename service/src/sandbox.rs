//! The sandbox a vendor drives: a reset of its own data (`api.sandbox` on, and a database the
//! owner marked as a sandbox).

use crate::{Actor, ServiceError, Services};
use dms_db::sandbox::ResetError;

/// Remove the caller's actions and everything hanging from them; audited. Returns how many
/// actions were removed.
pub async fn reset(services: &Services, actor: &Actor) -> Result<i32, ServiceError> {
    let Some((body, _)) = actor.acting_body() else {
        return Err(ServiceError::Forbidden);
    };
    let mut conn = services.conn().await?;
    let event = actor.audit(
        "sandbox.reset",
        Some(body.id.to_string()),
        serde_json::json!({}),
    );
    match dms_db::sandbox::reset(&mut conn, body.id, &event).await {
        Ok(n) => {
            tracing::info!(sandbox.removed_actions = n, "sandbox data reset");
            Ok(n)
        }
        Err(ResetError::NotSandbox) => Err(ServiceError::Forbidden),
        Err(ResetError::Db(e)) => Err(e.into()),
    }
}

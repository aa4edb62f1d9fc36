//! DMS staff accounts from the command line: add a member, issue a token, revoke a member and
//! every token of theirs. Operators' changes are audited like any other write.

use crate::bodies::{given_or_new_token, token_lookup, IssuedToken};
use crate::{Actor, ServiceError, Services};
use diesel_async::AsyncConnection;
use dms_db::enums::StaffRole;
use dms_db::staff::Staff;
use dms_schemas::FieldCode;
use uuid::Uuid;

/// A new staff member; an officer needs the КАТОТТГ of the territory they work within.
pub async fn add(
    services: &Services,
    actor: &Actor,
    name: &str,
    role: StaffRole,
    unit: &str,
    territory: Option<&str>,
) -> Result<Staff, ServiceError> {
    if role == StaffRole::Officer && territory.is_none() {
        return Err(ServiceError::field(
            "/territory",
            FieldCode::Required,
            "an officer needs a territory (КАТОТТГ)",
        ));
    }
    if let Some(t) = territory {
        if services.codifier().await?.category(t).is_none() {
            return Err(ServiceError::field(
                "/territory",
                FieldCode::KatottgUnknown,
                "is not in the territorial codifier",
            ));
        }
    }
    let mut conn = services.conn().await?;
    conn.transaction(async |tx| -> Result<_, ServiceError> {
        let s = dms_db::staff::add_staff(tx, name, role, unit, territory).await?;
        let event = actor.audit(
            "staff.add",
            Some(s.id.to_string()),
            serde_json::json!({"role": role.as_str()}),
        );
        dms_db::audit::record(tx, &event).await?;
        Ok(s)
    })
    .await
}

/// Issue a token to a staff member (the given one, at least 16 characters, or a new one).
pub async fn issue_token(
    services: &Services,
    actor: &Actor,
    staff_id: Uuid,
    given: Option<String>,
) -> Result<IssuedToken, ServiceError> {
    issue_token_until(services, actor, staff_id, given, None).await
}

/// [`issue_token`], valid until `expires_at` when given (in the future).
pub async fn issue_token_until(
    services: &Services,
    actor: &Actor,
    staff_id: Uuid,
    given: Option<String>,
    expires_at: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<IssuedToken, ServiceError> {
    crate::bodies::check_expiry(expires_at)?;
    let token = given_or_new_token(given)?;
    let lookup = token_lookup(&token);
    let mut conn = services.conn().await?;
    let id = conn
        .transaction(async |tx| -> Result<_, ServiceError> {
            let id = dms_db::staff::add_token(tx, staff_id, &lookup, expires_at).await?;
            let event = actor.audit(
                "staff.token",
                Some(staff_id.to_string()),
                serde_json::json!({"token_id": id, "expires_at": expires_at}),
            );
            dms_db::audit::record(tx, &event).await?;
            Ok(id)
        })
        .await?;
    Ok(IssuedToken { id, token })
}

/// Revoke one staff token by its id (the member and their other tokens stay); false when it
/// is unknown or already revoked. Audited in the same transaction.
pub async fn revoke_token(
    services: &Services,
    actor: &Actor,
    token_id: Uuid,
) -> Result<bool, ServiceError> {
    let mut conn = services.conn().await?;
    conn.transaction(async |tx| -> Result<_, ServiceError> {
        let Some(staff_id) = dms_db::staff::revoke_token_by_id(tx, token_id).await? else {
            return Ok(false);
        };
        let event = actor.audit(
            "staff.token-revoke",
            Some(staff_id.to_string()),
            serde_json::json!({"token_id": token_id}),
        );
        dms_db::audit::record(tx, &event).await?;
        Ok(true)
    })
    .await
}

/// Revoke a staff member and every token of theirs; false when there is no such active member.
pub async fn revoke(
    services: &Services,
    actor: &Actor,
    staff_id: Uuid,
) -> Result<bool, ServiceError> {
    let mut conn = services.conn().await?;
    conn.transaction(async |tx| -> Result<_, ServiceError> {
        let revoked = dms_db::staff::revoke_staff(tx, staff_id).await?;
        if revoked {
            // Their web account's sessions end with them (the account cannot sign in again:
            // a revoked staff member opens no session).
            if let Some(account) = dms_db::officials::of_staff(tx, staff_id).await? {
                dms_db::officials::end_sessions_of(tx, account.id, "staff_revoked").await?;
            }
            let event = actor.audit(
                "staff.revoke",
                Some(staff_id.to_string()),
                serde_json::json!({}),
            );
            dms_db::audit::record(tx, &event).await?;
        }
        Ok(revoked)
    })
    .await
}

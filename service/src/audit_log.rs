//! The audit log's hash chain as auditors check it: re-verified page by page on pooled
//! connections (none held for the whole walk), the check itself audited.

use crate::{Actor, ServiceError, Services};
use dms_db::audit::chain::Head;
use dms_db::audit::{Verification, Walk};
use dms_db::enums::StaffRole;

/// Re-check the chain; with `given`, a head taken out of the database earlier (a data-set
/// manifest's `audit_head`), also whether the chain still holds it.
pub async fn verify(
    services: &Services,
    actor: &Actor,
    given: Option<&Head>,
) -> Result<Verification, ServiceError> {
    if actor.staff_member().is_some() {
        actor.require_staff(&[StaffRole::Auditor])?;
    }
    let mut walk = Walk::default();
    loop {
        let mut conn = services.conn().await?;
        if walk.step(&mut conn).await? {
            break;
        }
    }
    let mut conn = services.conn().await?;
    let result = walk.finish(&mut conn, given).await?;
    let event = actor.audit(
        "audit.verify",
        None,
        serde_json::json!({
            "first_broken": result.first_broken,
            "holes": result.holes.len(),
            "head_seq": result.head.as_ref().map(|h| h.seq),
            "given_head_seq": given.map(|h| h.seq),
            "given_head_found": result.given_head_found,
        }),
    );
    dms_db::audit::record(&mut conn, &event).await?;
    Ok(result)
}

/// A page of the audit log for auditors, newest first: rows matching `filter` with an id below
/// `before` (none: from the newest), at most `limit`. The listing is itself audited, after the
/// reading (so it is not in its own page), with the filter it used.
pub async fn list(
    services: &Services,
    actor: &Actor,
    filter: &dms_db::audit::listing::AuditFilter,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<dms_db::audit::listing::AuditRow>, ServiceError> {
    actor.require_staff(&[StaffRole::Auditor])?;
    let mut conn = services.conn().await?;
    let rows = dms_db::audit::listing::list(&mut conn, filter, before, limit).await?;
    let event = actor.audit(
        "audit.list",
        None,
        serde_json::json!({
            "actor": filter.actor,
            "event": filter.event,
            "event_prefix": filter.event_prefix,
            "target": filter.target,
            "from": filter.from,
            "to": filter.to,
            "before": before,
            "returned": rows.len(),
        }),
    );
    dms_db::audit::record(&mut conn, &event).await?;
    Ok(rows)
}

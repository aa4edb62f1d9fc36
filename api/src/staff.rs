//! Staff authentication on the admin listener: a bearer token bound to one staff member and one
//! role. Each endpoint names the roles it admits; every refusal is audited.

use crate::auth::token_lookup;
use crate::problem::ApiError;
use crate::state::AppState;
use actix_web::HttpRequest;
use dms_db::audit::AuditEvent;
use dms_db::staff::{self, Staff};

/// Staff roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Works verification requests within their unit's territory.
    Officer,
    /// All territories, registration bodies and credentials, the calendar, territorial bans.
    Supervisor,
    /// Read-only: audit log and reports.
    Auditor,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Officer => "officer",
            Role::Supervisor => "supervisor",
            Role::Auditor => "auditor",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Role::Officer, Role::Supervisor, Role::Auditor]
            .into_iter()
            .find(|r| r.as_str() == s)
    }
}

/// The authenticated staff member, if their role is one of `allowed`.
pub async fn authenticate(
    req: &HttpRequest,
    state: &AppState,
    allowed: &[Role],
) -> Result<Staff, ApiError> {
    let lookup = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| token_lookup(t.trim()));
    let mut conn = dms_db::pool::get(&state.pool).await?;
    let found = match &lookup {
        Some(l) => staff::staff_by_token(&mut conn, l).await?,
        None => None,
    };
    let refusal = match &found {
        None => Some(("staff.unknown_token", ApiError::Unauthenticated)),
        Some(s) if !allowed.iter().any(|r| r.as_str() == s.role) => {
            Some(("staff.forbidden", ApiError::Forbidden))
        }
        Some(_) => None,
    };
    if let Some((event, err)) = refusal {
        dms_db::audit::record(
            &mut conn,
            &AuditEvent {
                actor_kind: "staff".into(),
                actor_id: found.as_ref().map(|s| s.id.to_string()),
                channel: "admin".into(),
                event: event.into(),
                target: None,
                request_id: Some(crate::request_id(req)),
                details: serde_json::json!({
                    "path": req.path(),
                    "role": found.as_ref().map(|s| s.role.clone()),
                    "presented": lookup.map(|l| format!("sha256:{}", &l[..12])),
                }),
            },
        )
        .await?;
        return Err(err);
    }
    found.ok_or(ApiError::Unauthenticated)
}

/// Audit a staff action on personal data or configuration.
pub async fn audit(
    state: &AppState,
    req: &HttpRequest,
    who: &Staff,
    event: &str,
    target: Option<String>,
    details: serde_json::Value,
) -> Result<(), ApiError> {
    let mut conn = dms_db::pool::get(&state.pool).await?;
    let mut details = details;
    details["role"] = who.role.clone().into();
    details["unit"] = who.unit.clone().into();
    dms_db::audit::record(
        &mut conn,
        &AuditEvent {
            actor_kind: "staff".into(),
            actor_id: Some(who.id.to_string()),
            channel: "admin".into(),
            event: event.into(),
            target,
            request_id: Some(crate::request_id(req)),
            details,
        },
    )
    .await?;
    Ok(())
}

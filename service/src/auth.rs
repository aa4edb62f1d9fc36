//! Who is calling: a registration body by its credential on a channel, a staff member by token
//! and role. Every refusal is audited (the presented credential only as a short hash prefix for
//! tokens: enough to correlate, useless to replay).

use crate::bodies::token_lookup;
use crate::{ServiceError, Services};
use dms_db::audit::AuditEvent;
use dms_db::bodies::{self, CredentialKind, RegistrationBody};
use dms_db::enums::StaffRole;
use dms_db::staff::Staff;

/// Why a caller was refused.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    #[error("no credentials were presented, or they are not known")]
    Unknown,
    #[error("the registration body is suspended")]
    Suspended,
    #[error("this role may not do this")]
    Forbidden,
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl From<dms_db::DbError> for Refusal {
    fn from(e: dms_db::DbError) -> Self {
        Refusal::Service(e.into())
    }
}

/// Where a request came from, for the audit row of a refusal.
#[derive(Debug, Clone)]
pub struct Attempt<'a> {
    /// `token`, `trembita` or `admin`.
    pub channel: &'a str,
    pub request_id: Option<String>,
    pub path: &'a str,
}

fn presented(kind: CredentialKind, lookup: Option<&str>) -> Option<String> {
    lookup.map(|l| match kind {
        CredentialKind::Token => format!("sha256:{}", &l[..12.min(l.len())]),
        CredentialKind::Trembita | CredentialKind::Certificate => l.to_owned(),
    })
}

/// Refuse a registration body's request before any credential is looked up, audited like every
/// refusal with what was presented: `auth.conflicting_client` (the Трембіта client named more
/// than once, or differently in `Uxp-Client` and `X-Road-Client`) or `auth.no_client_certificate`
/// (a connection without the client certificate the listener requires).
pub async fn refuse(
    services: &Services,
    event: &'static str,
    presented: &[&str],
    attempt: &Attempt<'_>,
) -> Refusal {
    let event = AuditEvent {
        actor_kind: "client".into(),
        actor_id: None,
        channel: attempt.channel.into(),
        event: event.into(),
        target: None,
        request_id: attempt.request_id.clone(),
        details: serde_json::json!({ "presented": presented, "path": attempt.path }),
    };
    let recorded = async {
        let mut conn = services.conn().await?;
        dms_db::audit::record(&mut conn, &event).await?;
        Ok::<_, Refusal>(())
    };
    match recorded.await {
        Ok(()) => Refusal::Unknown,
        Err(e) => e,
    }
}

/// The active registration body holding this credential: a bearer token (`kind` token, the
/// token itself), a Трембіта client id or a client certificate's SHA-256 fingerprint.
pub async fn registration_body(
    services: &Services,
    kind: CredentialKind,
    credential: Option<&str>,
    attempt: &Attempt<'_>,
) -> Result<RegistrationBody, Refusal> {
    let lookup = credential.map(|c| match kind {
        CredentialKind::Token => token_lookup(c),
        CredentialKind::Trembita | CredentialKind::Certificate => c.to_owned(),
    });
    let mut conn = services.conn().await?;
    let found = match &lookup {
        Some(l) => bodies::body_by_credential(&mut conn, kind, l).await?,
        None => None,
    };
    let (event, refusal) = match found {
        Some(b) if b.is_active() => return Ok(b),
        Some(ref b) => (("auth.body_suspended", Some(b.id)), Refusal::Suspended),
        None => (("auth.unknown_client", None), Refusal::Unknown),
    };
    let event = AuditEvent {
        actor_kind: "client".into(),
        actor_id: event.1.map(|id| id.to_string()),
        channel: attempt.channel.into(),
        event: event.0.into(),
        target: None,
        request_id: attempt.request_id.clone(),
        details: serde_json::json!({
            "presented": presented(kind, lookup.as_deref()),
            "path": attempt.path,
        }),
    };
    dms_db::audit::record(&mut conn, &event).await?;
    Err(refusal)
}

/// The staff member holding this token, if their role is one of `allowed`.
pub async fn staff_member(
    services: &Services,
    token: Option<&str>,
    allowed: &[StaffRole],
    attempt: &Attempt<'_>,
) -> Result<Staff, Refusal> {
    let lookup = token.map(token_lookup);
    let mut conn = services.conn().await?;
    let found = match &lookup {
        Some(l) => dms_db::staff::staff_by_token(&mut conn, l).await?,
        None => None,
    };
    let (event, refusal) = match &found {
        Some(s) if allowed.contains(&s.role) => return found.ok_or(Refusal::Unknown),
        Some(_) => ("staff.forbidden", Refusal::Forbidden),
        None => ("staff.unknown_token", Refusal::Unknown),
    };
    let event = AuditEvent {
        actor_kind: "staff".into(),
        actor_id: found.as_ref().map(|s| s.id.to_string()),
        channel: attempt.channel.into(),
        event: event.into(),
        target: None,
        request_id: attempt.request_id.clone(),
        details: serde_json::json!({
            "path": attempt.path,
            "role": found.as_ref().map(|s| s.role.as_str()),
            "presented": presented(CredentialKind::Token, lookup.as_deref()),
        }),
    };
    dms_db::audit::record(&mut conn, &event).await?;
    Err(refusal)
}

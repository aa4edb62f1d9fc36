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
    /// Carries the seconds to wait.
    #[error("too many requests")]
    RateLimited(u64),
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
    /// The peer's address.
    pub source: Option<String>,
}

fn presented(kind: CredentialKind, lookup: Option<&str>) -> Option<String> {
    lookup.map(|l| match kind {
        CredentialKind::Token => format!("sha256:{}", &l[..12.min(l.len())]),
        CredentialKind::Trembita | CredentialKind::Certificate => crate::refusals::truncated(l),
    })
}

/// Audit a refusal: in full when it is the first of its kind from this source this minute,
/// else only counted (see [`crate::refusals`]). What the caller chose (path, presented
/// credential) is cut to a bounded length.
pub async fn record_refusal(
    services: &Services,
    conn: Option<&mut dms_db::Conn>,
    attempt: &Attempt<'_>,
    mut event: AuditEvent,
) -> Result<(), ServiceError> {
    let source = attempt.source.as_deref().unwrap_or("unknown");
    // An authenticated caller (suspended, forbidden, too fast) is counted under its own id as
    // well; what an unauthenticated caller presents never makes a key of its own.
    let key = match &event.actor_id {
        Some(id) => format!("{source} {}:{id}", event.actor_kind),
        None => source.to_owned(),
    };
    if !services.refusals.admit(attempt.channel, &key, &event.event) {
        return Ok(());
    }
    if let Some(map) = event.details.as_object_mut() {
        map.insert(
            "path".into(),
            crate::refusals::truncated(attempt.path).into(),
        );
        map.insert("source".into(), source.into());
    }
    match conn {
        Some(conn) => dms_db::audit::record(conn, &event).await?,
        None => {
            let mut conn = services.conn().await?;
            dms_db::audit::record(&mut conn, &event).await?
        }
    }
    Ok(())
}

/// Audit that a caller was refused for sending too fast (`actor_kind` and `actor_id` name the
/// authenticated caller, when there is one).
pub async fn rate_limited(
    services: &Services,
    attempt: &Attempt<'_>,
    actor: Option<(&str, String)>,
) -> Result<(), ServiceError> {
    let event = AuditEvent {
        actor_kind: actor.as_ref().map_or("client", |a| a.0).into(),
        actor_id: actor.map(|a| a.1),
        channel: attempt.channel.into(),
        event: "auth.rate_limited".into(),
        target: None,
        request_id: attempt.request_id.clone(),
        details: serde_json::json!({}),
    };
    record_refusal(services, None, attempt, event).await
}

/// Refuse a registration body's request before any credential is looked up, audited like every
/// refusal (boundedly, see [`record_refusal`]) with what was presented, cut short:
/// `auth.conflicting_client` (the Трембіта client named more than once, or differently in
/// `Uxp-Client` and `X-Road-Client`) or `auth.no_client_certificate` (a connection without the
/// client certificate the listener requires).
pub async fn refuse(
    services: &Services,
    event: &'static str,
    presented: &[&str],
    attempt: &Attempt<'_>,
) -> Refusal {
    let presented: Vec<String> = presented
        .iter()
        .take(4)
        .map(|p| crate::refusals::truncated(p))
        .collect();
    let event = AuditEvent {
        actor_kind: "client".into(),
        actor_id: None,
        channel: attempt.channel.into(),
        event: event.into(),
        target: None,
        request_id: attempt.request_id.clone(),
        details: serde_json::json!({ "presented": presented }),
    };
    match record_refusal(services, None, attempt, event).await {
        Ok(()) => Refusal::Unknown,
        Err(e) => e.into(),
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
        }),
    };
    record_refusal(services, Some(&mut conn), attempt, event).await?;
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
            "role": found.as_ref().map(|s| s.role.as_str()),
            "presented": presented(CredentialKind::Token, lookup.as_deref()),
        }),
    };
    record_refusal(services, Some(&mut conn), attempt, event).await?;
    Err(refusal)
}

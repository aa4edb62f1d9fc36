//! The registration bodies as DMS staff read them (supervisors and auditors): a listing
//! searched by name or ЄДРПОУ, and one body with its credentials and officials. Secrets are
//! never shown: a token by its id, label and dates only. Each reading is audited.

use crate::{Actor, ServiceError, Services};
use chrono::{DateTime, Utc};
use dms_db::bodies::{BodyStatus, CredentialKind, RegistrationBody};
use dms_db::enums::StaffRole;
use dms_schemas::Edrpou;
use uuid::Uuid;

/// Who may read the registration bodies and their credentials.
pub const READERS: &[StaffRole] = &[StaffRole::Supervisor, StaffRole::Auditor];

/// What to list.
#[derive(Debug, Clone, Default)]
pub struct BodyQuery {
    /// A piece of the name (any case) or of the ЄДРПОУ.
    pub q: Option<String>,
    pub status: Option<BodyStatus>,
    /// Continue after this ЄДРПОУ (the last of the previous page).
    pub after: Option<String>,
    pub limit: i64,
}

/// Registration bodies in ЄДРПОУ order; the listing is audited with what it returned.
pub async fn list(
    services: &Services,
    actor: &Actor,
    query: &BodyQuery,
) -> Result<Vec<RegistrationBody>, ServiceError> {
    actor.require_staff(READERS)?;
    let mut conn = services.conn().await?;
    let q = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    let rows = dms_db::bodies::list_bodies(
        &mut conn,
        q,
        query.status,
        query.after.as_deref(),
        query.limit,
    )
    .await?;
    let event = actor.audit(
        "registration_body.list",
        None,
        serde_json::json!({
            "q": q,
            "status": query.status.map(|s| s.as_str()),
            "returned": rows.len(),
        }),
    );
    dms_db::audit::record(&mut conn, &event).await?;
    Ok(rows)
}

/// A credential of a body as staff read it: never a secret.
#[derive(Debug, Clone)]
pub struct CredentialInfo {
    pub id: Uuid,
    /// A label given when it was issued.
    pub label: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A Трембіта client id or a client certificate: the value is not secret.
#[derive(Debug, Clone)]
pub struct NamedCredential {
    /// The client id, or the certificate's SHA-256 fingerprint (lower-case hex).
    pub value: String,
    pub info: CredentialInfo,
}

/// An official of the body as listed (no secrets).
#[derive(Debug, Clone)]
pub struct OfficialInfo {
    pub login: String,
    pub name: String,
    /// `active`, `awaiting_setup`, `locked` or `disabled`.
    pub state: &'static str,
    pub created_at: DateTime<Utc>,
}

/// One registration body with everything it authenticates with and its officials.
#[derive(Debug, Clone)]
pub struct BodyDetail {
    pub body: RegistrationBody,
    /// Bearer tokens, by id: a token's value or hash is never shown.
    pub tokens: Vec<CredentialInfo>,
    pub trembita_clients: Vec<NamedCredential>,
    pub client_certificates: Vec<NamedCredential>,
    pub officials: Vec<OfficialInfo>,
}

/// The state of an official as staff see it at `now`.
pub fn official_state(o: &dms_db::officials::Official, now: DateTime<Utc>) -> &'static str {
    if o.disabled_at.is_some() {
        "disabled"
    } else if !o.can_sign_in() {
        "awaiting_setup"
    } else if o.locked_until.is_some_and(|u| u > now) {
        "locked"
    } else {
        "active"
    }
}

/// The body with this ЄДРПОУ (a malformed one names nothing), its credentials (revoked ones
/// too) and its officials; the reading is audited.
pub async fn detail(
    services: &Services,
    actor: &Actor,
    edrpou: &str,
) -> Result<BodyDetail, ServiceError> {
    actor.require_staff(READERS)?;
    if Edrpou::parse(edrpou).is_err() {
        return Err(ServiceError::NotFound);
    }
    let mut conn = services.conn().await?;
    let body = dms_db::bodies::body_by_edrpou(&mut conn, edrpou)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let credentials = dms_db::bodies::credentials_of(&mut conn, body.id).await?;
    let officials = dms_db::officials::of_body(&mut conn, body.id).await?;
    let now = Utc::now();
    let mut detail = BodyDetail {
        body,
        tokens: Vec::new(),
        trembita_clients: Vec::new(),
        client_certificates: Vec::new(),
        officials: officials
            .iter()
            .map(|o| OfficialInfo {
                login: o.login.clone(),
                name: o.name.clone(),
                state: official_state(o, now),
                created_at: o.created_at,
            })
            .collect(),
    };
    for c in credentials {
        let info = CredentialInfo {
            id: c.id,
            label: c.label,
            created_at: c.created_at,
            expires_at: c.expires_at,
            revoked_at: c.revoked_at,
        };
        match c.kind {
            CredentialKind::Token => detail.tokens.push(info),
            CredentialKind::Trembita => detail.trembita_clients.push(NamedCredential {
                value: c.lookup,
                info,
            }),
            CredentialKind::Certificate => detail.client_certificates.push(NamedCredential {
                value: c.lookup,
                info,
            }),
        }
    }
    let event = actor.audit(
        "registration_body.view",
        Some(detail.body.id.to_string()),
        serde_json::json!({
            "tokens": detail.tokens.len(),
            "trembita_clients": detail.trembita_clients.len(),
            "client_certificates": detail.client_certificates.len(),
            "officials": detail.officials.len(),
        }),
    );
    dms_db::audit::record(&mut conn, &event).await?;
    Ok(detail)
}

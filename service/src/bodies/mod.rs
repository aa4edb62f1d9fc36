//! Registration bodies (органи реєстрації) and their credentials: registering, suspending and
//! reactivating a body, issuing and revoking its tokens and Трембіта client ids. The command
//! line and the admin API check and record these the same way.

use crate::{Actor, ServiceError, Services};
use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection;
use dms_db::bodies::{self, Added, BodyStatus, CredentialKind, RegistrationBody};
use dms_schemas::{Edrpou, FieldCode, FieldError};
use sha2::{Digest, Sha256};
use uuid::Uuid;

mod directory;
pub use directory::{
    detail, list, official_state, BodyDetail, BodyQuery, CredentialInfo, NamedCredential,
    OfficialInfo, READERS,
};

/// A new random bearer token (256 bits).
pub fn new_token() -> String {
    use base64::Engine;
    let bytes: [u8; 32] = rand::random();
    format!(
        "dms_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// The token an operator gave (at least 16 characters, e.g. a demo token), or a new random one.
pub fn given_or_new_token(given: Option<String>) -> Result<String, ServiceError> {
    match given {
        Some(t) if t.len() >= 16 => Ok(t),
        Some(_) => Err(ServiceError::field(
            "/token",
            FieldCode::MinLength,
            "a token must be at least 16 characters",
        )),
        None => Ok(new_token()),
    }
}

/// The hex SHA-256 under which a bearer token is stored.
pub fn token_lookup(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A Трембіта/X-Road client id: INSTANCE/CLASS/MEMBER/SUBSYSTEM.
pub fn is_client_id(s: &str) -> bool {
    let parts: Vec<&str> = s.split('/').collect();
    parts.len() == 4
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c))
        })
}

/// What registering a body takes, as the client sent it (checked here).
#[derive(Debug, Clone)]
pub struct NewBody {
    pub edrpou: String,
    pub name: String,
    /// КАТОТТГ of the hromada (or special-status city).
    pub hromada: String,
}

/// Register a body; an existing ЄДРПОУ returns the existing body unchanged.
pub async fn register(
    services: &Services,
    actor: &Actor,
    new: &NewBody,
) -> Result<RegistrationBody, ServiceError> {
    actor.require_manager()?;
    let mut errors = Vec::new();
    if let Err(e) = Edrpou::parse(&new.edrpou) {
        errors.push(FieldError::new(
            "/edrpou",
            e.field_code(),
            format!("ЄДРПОУ: {e}"),
        ));
    }
    if !matches!(
        services.codifier().await?.category(&new.hromada),
        Some('H' | 'K')
    ) {
        errors.push(FieldError::new(
            "/hromada",
            FieldCode::NotAHromada,
            "must be the КАТОТТГ of a hromada or a special-status city",
        ));
    }
    crate::intake::require_text(&mut errors, "/name", &new.name);
    ServiceError::check(errors)?;
    let mut conn = services.conn().await?;
    conn.transaction(async |tx| -> Result<_, ServiceError> {
        let stored = bodies::ensure_body(tx, &new.edrpou, &new.name, &new.hromada).await?;
        let event = actor.audit(
            "registration_body.create",
            Some(stored.id.to_string()),
            serde_json::json!({"edrpou": new.edrpou}),
        );
        dms_db::audit::record(tx, &event).await?;
        Ok(stored)
    })
    .await
}

/// The body with this ЄДРПОУ (a malformed one names nothing).
pub async fn find(services: &Services, edrpou: &str) -> Result<RegistrationBody, ServiceError> {
    if Edrpou::parse(edrpou).is_err() {
        return Err(ServiceError::NotFound);
    }
    let mut conn = services.conn().await?;
    bodies::body_by_edrpou(&mut conn, edrpou)
        .await?
        .ok_or(ServiceError::NotFound)
}

/// A change to a registration body or its credentials.
enum Change<'a> {
    Status(BodyStatus),
    AddCredential(CredentialKind, &'a str, &'a str, Option<DateTime<Utc>>),
    RevokeCredential(CredentialKind, &'a str),
}

/// Apply `change` to `body` and audit it as `registration_body.<what>`, in one transaction;
/// the credential's id for an added one, the body's for another change, nothing when it
/// changed nothing. A revoked credential added again is refused and nothing is written.
async fn apply(
    services: &Services,
    actor: &Actor,
    body: &RegistrationBody,
    what: &str,
    change: Change<'_>,
) -> Result<Option<Uuid>, ServiceError> {
    actor.require_manager()?;
    let mut conn = services.conn().await?;
    let adds = matches!(change, Change::AddCredential(..));
    conn.transaction(async |tx| -> Result<Option<Uuid>, ServiceError> {
        let changed = match change {
            Change::Status(status) => {
                bodies::set_status(tx, body.id, status).await?;
                Some(body.id)
            }
            Change::AddCredential(kind, lookup, label, expires_at) => {
                match bodies::add_credential(tx, body.id, kind, lookup, label, expires_at).await? {
                    Added::Live(id) => Some(id),
                    Added::Revoked(_) => return Err(ServiceError::CredentialRevoked),
                }
            }
            Change::RevokeCredential(kind, lookup) => {
                bodies::revoke_credential(tx, body.id, kind, lookup)
                    .await?
                    .then_some(body.id)
            }
        };
        let details = match changed {
            Some(id) if adds => serde_json::json!({"credential_id": id}),
            _ => serde_json::json!({}),
        };
        let event = actor.audit(
            &format!("registration_body.{what}"),
            Some(body.id.to_string()),
            details,
        );
        dms_db::audit::record(tx, &event).await?;
        Ok(changed)
    })
    .await
}

/// Suspend (every submission refused with 403 at once) or reactivate a body.
pub async fn set_status(
    services: &Services,
    actor: &Actor,
    body: &RegistrationBody,
    status: BodyStatus,
) -> Result<(), ServiceError> {
    let what = match status {
        BodyStatus::Suspended => "suspend",
        BodyStatus::Active => "reactivate",
    };
    apply(services, actor, body, what, Change::Status(status)).await?;
    Ok(())
}

/// An expiry, when given, must lie in the future.
pub fn check_expiry(expires_at: Option<DateTime<Utc>>) -> Result<(), ServiceError> {
    match expires_at {
        Some(t) if t <= Utc::now() => Err(ServiceError::field(
            "/expires_at",
            FieldCode::Range,
            "must be in the future",
        )),
        _ => Ok(()),
    }
}

/// A token just issued: shown once, only its hash is stored.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    /// The credential's id (to list or revoke it by).
    pub id: Uuid,
    pub token: String,
}

/// Issue a bearer token (the given one, at least 16 characters, or a new random one); a
/// revoked token given again is refused (`CredentialRevoked`).
pub async fn issue_token(
    services: &Services,
    actor: &Actor,
    body: &RegistrationBody,
    given: Option<String>,
    label: &str,
) -> Result<IssuedToken, ServiceError> {
    issue_token_until(services, actor, body, given, label, None).await
}

/// [`issue_token`], valid until `expires_at` when given (then it authenticates no one, as if
/// unknown); the time must be in the future.
pub async fn issue_token_until(
    services: &Services,
    actor: &Actor,
    body: &RegistrationBody,
    given: Option<String>,
    label: &str,
    expires_at: Option<DateTime<Utc>>,
) -> Result<IssuedToken, ServiceError> {
    check_expiry(expires_at)?;
    let token = given_or_new_token(given)?;
    let lookup = token_lookup(&token);
    let change = Change::AddCredential(CredentialKind::Token, &lookup, label, expires_at);
    let id = apply(services, actor, body, "tokens", change)
        .await?
        .ok_or(ServiceError::Internal)?;
    Ok(IssuedToken { id, token })
}

/// Register a Трембіта client id of the body: INSTANCE/CLASS/MEMBER/SUBSYSTEM with MEMBER the
/// body's ЄДРПОУ.
pub async fn add_trembita_client(
    services: &Services,
    actor: &Actor,
    body: &RegistrationBody,
    client: &str,
) -> Result<Uuid, ServiceError> {
    if !is_client_id(client) || client.split('/').nth(2) != Some(body.edrpou.as_str()) {
        return Err(ServiceError::field(
            "/value",
            FieldCode::ClientId,
            "must be INSTANCE/CLASS/MEMBER/SUBSYSTEM with MEMBER = the body's ЄДРПОУ",
        ));
    }
    let change = Change::AddCredential(CredentialKind::Trembita, client, "", None);
    apply(services, actor, body, "trembita-clients", change)
        .await?
        .ok_or(ServiceError::Internal)
}

/// A client certificate's SHA-256 fingerprint as given (64 hex digits, any case, colons allowed)
/// in the form it is stored and compared in: lower-case hex without separators.
pub fn certificate_fingerprint(text: &str) -> Option<String> {
    let hex: String = text.trim().chars().filter(|c| *c != ':').collect();
    (hex.len() == 64 && hex.chars().all(|c| c.is_ascii_hexdigit()))
        .then(|| hex.to_ascii_lowercase())
}

/// Register a client certificate of the body for the direct channel in `mtls` mode, by its
/// SHA-256 fingerprint; returns the fingerprint as stored.
pub async fn add_client_certificate(
    services: &Services,
    actor: &Actor,
    body: &RegistrationBody,
    fingerprint: &str,
    label: &str,
) -> Result<String, ServiceError> {
    let Some(fingerprint) = certificate_fingerprint(fingerprint) else {
        return Err(ServiceError::field(
            "/value",
            FieldCode::Pattern,
            "must be the certificate's SHA-256 fingerprint: 64 hex digits (colons allowed)",
        ));
    };
    let change = Change::AddCredential(CredentialKind::Certificate, &fingerprint, label, None);
    apply(services, actor, body, "client-certificates", change).await?;
    Ok(fingerprint)
}

/// Revoke a live credential (a token, by its value, or a Трембіта client id), of `within` when
/// given; false when there is no such live credential. Audited against the body it belonged to.
pub async fn revoke_credential(
    services: &Services,
    actor: &Actor,
    kind: CredentialKind,
    value: &str,
    within: Option<&RegistrationBody>,
) -> Result<bool, ServiceError> {
    let (lookup, what) = match kind {
        CredentialKind::Token => (token_lookup(value), "tokens-revoke"),
        CredentialKind::Trembita => (value.to_owned(), "trembita-clients-revoke"),
        CredentialKind::Certificate => (
            certificate_fingerprint(value).unwrap_or_else(|| value.to_owned()),
            "client-certificates-revoke",
        ),
    };
    let owner = {
        let mut conn = services.conn().await?;
        bodies::body_by_credential(&mut conn, kind, &lookup).await?
    };
    let Some(owner) = owner.filter(|o| within.is_none_or(|w| w.id == o.id)) else {
        return Ok(false);
    };
    apply(
        services,
        actor,
        &owner,
        what,
        Change::RevokeCredential(kind, &lookup),
    )
    .await
    .map(|changed| changed.is_some())
}

/// A credential as staff see it.
#[derive(Debug, Clone)]
pub struct CredentialView {
    pub id: Uuid,
    pub kind: CredentialKind,
    /// What names it without disclosing it: a token's hash prefix (`sha256:` and 12 hex
    /// digits), never the token; a Трембіта client id as it is.
    pub shown: String,
    pub label: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub revoked_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// What a credential of this kind may show of its stored lookup value.
fn shown(kind: CredentialKind, lookup: &str) -> String {
    match kind {
        // Only the hash is stored; even of that a short prefix is enough to tell tokens apart.
        CredentialKind::Token => format!("sha256:{}", lookup.get(..12).unwrap_or(lookup)),
        #[allow(unreachable_patterns)]
        _ => lookup.to_owned(),
    }
}

/// Every credential of the body, revoked ones too; the reading is audited.
pub async fn credentials(
    services: &Services,
    actor: &Actor,
    body: &RegistrationBody,
) -> Result<Vec<CredentialView>, ServiceError> {
    let mut conn = services.conn().await?;
    let rows = bodies::credentials_of(&mut conn, body.id).await?;
    let event = actor.audit(
        "registration_body.credentials",
        Some(body.id.to_string()),
        serde_json::json!({"returned": rows.len()}),
    );
    dms_db::audit::record(&mut conn, &event).await?;
    Ok(rows
        .into_iter()
        .map(|r| CredentialView {
            id: r.id,
            kind: r.kind,
            shown: shown(r.kind, &r.lookup),
            label: r.label,
            created_at: r.created_at,
            revoked_at: r.revoked_at,
        })
        .collect())
}

/// Revoke the live credential with this id, of any kind; false when it is unknown or already
/// revoked. Audited against the body it belonged to, in the same transaction.
pub async fn revoke_credential_by_id(
    services: &Services,
    actor: &Actor,
    id: Uuid,
) -> Result<bool, ServiceError> {
    actor.require_manager()?;
    let mut conn = services.conn().await?;
    conn.transaction(async |tx| -> Result<bool, ServiceError> {
        let Some(body_id) = bodies::revoke_credential_by_id(tx, id).await? else {
            return Ok(false);
        };
        let event = actor.audit(
            "registration_body.credential-revoke",
            Some(body_id.to_string()),
            serde_json::json!({"credential_id": id}),
        );
        dms_db::audit::record(tx, &event).await?;
        Ok(true)
    })
    .await
}

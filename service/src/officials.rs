//! Officials of registration bodies (посадові особи органу реєстрації) who keep their community
//! register through the DMS web interface: a supervisor (or an operator at the command line)
//! adds, resets and disables them; the official sets a password and enrols a TOTP second factor
//! through a one-time link. Every change is audited in its transaction.

use crate::{Actor, ServiceError, Services, Who};
use argon2::password_hash::{rand_core::OsRng, PasswordHasher, SaltString};
use chrono::{DateTime, Duration, Utc};
use diesel_async::AsyncConnection;
use dms_db::enums::StaffRole;
use dms_db::officials::{self, Holder, Official, Setup};
use dms_schemas::{FieldCode, FieldError};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Logins: lower-case Latin letters, digits, `.`, `_`, `-`; 3–64 characters.
pub fn is_login(s: &str) -> bool {
    let b = s.as_bytes();
    (3..=64).contains(&b.len())
        && b[0].is_ascii_alphanumeric()
        && !b[0].is_ascii_uppercase()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || b"._-".contains(c))
}

/// A random secret of `bytes` bytes, URL-safe.
pub fn random_secret(bytes: usize) -> String {
    use base64::Engine;
    let mut buf = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buf);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

/// The stored form of a secret handed to a person (a link, a cookie): its SHA-256, hex.
pub fn lookup_of(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// A new TOTP secret: 160 random bits, base32 (RFC 4648, no padding), as authenticator apps
/// take it.
pub fn new_totp_secret() -> String {
    let mut buf = [0u8; 20];
    rand::rngs::OsRng.fill_bytes(&mut buf);
    match totp_rs::Secret::Raw(buf.to_vec()).to_encoded() {
        totp_rs::Secret::Encoded(s) => s,
        totp_rs::Secret::Raw(_) => String::new(),
    }
}

/// The argon2id hash (PHC string) of a password; CPU-heavy, so run off the async workers.
pub async fn hash_password(password: String) -> Result<String, ServiceError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        argon2::Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
    })
    .await
    .map_err(|_| ServiceError::Internal)?
    .map_err(|_| ServiceError::Internal)
}

/// Who may manage officials: a supervisor, or an operator at the command line.
fn require_manager(actor: &Actor) -> Result<(), ServiceError> {
    actor.require_manager()
}

/// A new one-time set-up link: its secret (handed to the person once), the hash stored for it,
/// the second factor's new secret and until when the link works.
struct NewLink {
    secret: String,
    lookup: String,
    totp_secret: String,
    expires_at: DateTime<Utc>,
}

impl NewLink {
    fn new() -> NewLink {
        let secret = random_secret(32);
        NewLink {
            lookup: lookup_of(&secret),
            secret,
            totp_secret: new_totp_secret(),
            expires_at: Utc::now() + Duration::hours(SETUP_LINK_HOURS),
        }
    }

    fn setup(&self) -> Setup<'_> {
        Setup {
            lookup: &self.lookup,
            expires_at: self.expires_at,
            totp_secret: &self.totp_secret,
        }
    }

    fn invited(self, official: Official) -> Invited {
        Invited {
            official,
            setup_secret: self.secret,
            setup_expires_at: self.expires_at,
        }
    }
}

/// A login no account holds yet.
async fn login_free(conn: &mut dms_db::PgConn, login: &str) -> Result<(), ServiceError> {
    if officials::by_login(conn, login).await?.is_some() {
        return Err(ServiceError::field(
            "/login",
            FieldCode::Taken,
            "is already taken",
        ));
    }
    Ok(())
}

/// How long a one-time set-up link stays usable.
pub const SETUP_LINK_HOURS: i64 = 72;

/// A new official and the secret of their one-time set-up link (`/setup/{secret}`).
#[derive(Debug, Clone)]
pub struct Invited {
    pub official: Official,
    pub setup_secret: String,
    pub setup_expires_at: DateTime<Utc>,
}

fn check_new(login: &str, name: &str) -> Result<(), ServiceError> {
    let mut faults = Vec::new();
    if !is_login(login) {
        faults.push(FieldError::new(
            "/login",
            FieldCode::Pattern,
            "3–64 lower-case Latin letters, digits, '.', '_' or '-', starting with a letter or digit",
        ));
    }
    if name.trim().is_empty() || name.chars().count() > 200 {
        faults.push(FieldError::new(
            "/name",
            FieldCode::Range,
            "must be 1–200 characters",
        ));
    }
    ServiceError::check(faults)
}

/// Add an official to the registration body with this ЄДРПОУ.
pub async fn add(
    services: &Services,
    actor: &Actor,
    edrpou: &str,
    login: &str,
    name: &str,
) -> Result<Invited, ServiceError> {
    require_manager(actor)?;
    check_new(login, name)?;
    let body = crate::bodies::find(services, edrpou).await?;
    let link = NewLink::new();
    let setup = link.setup();
    let mut conn = services.conn().await?;
    let official = conn
        .transaction(async |tx| -> Result<Official, ServiceError> {
            login_free(tx, login).await?;
            let official =
                officials::add(tx, Holder::Body(body.id), login, name.trim(), &setup).await?;
            let event = actor.audit(
                "official.add",
                Some(official.id.to_string()),
                serde_json::json!({"registration_body": body.id, "login": login}),
            );
            dms_db::audit::record(tx, &event).await?;
            Ok(official)
        })
        .await?;
    Ok(link.invited(official))
}

/// The account with this login. Staff members' accounts are managed at the command line only:
/// to anyone else they do not exist (a supervisor cannot take over an auditor's account).
async fn find(services: &Services, actor: &Actor, login: &str) -> Result<Official, ServiceError> {
    let mut conn = services.conn().await?;
    officials::by_login(&mut conn, login)
        .await?
        .filter(|o| o.staff_id.is_none() || matches!(actor.who, Who::Operator(_)))
        .ok_or(ServiceError::NotFound)
}

/// A new one-time link for the official: password and second factor start over, every session
/// ends, a lock or a disabling is lifted.
pub async fn reset(
    services: &Services,
    actor: &Actor,
    login: &str,
) -> Result<Invited, ServiceError> {
    require_manager(actor)?;
    let official = find(services, actor, login).await?;
    let link = NewLink::new();
    let setup = link.setup();
    let mut conn = services.conn().await?;
    let official = conn
        .transaction(async |tx| -> Result<Official, ServiceError> {
            officials::reset(tx, official.id, &setup).await?;
            let ended = officials::end_sessions_of(tx, official.id, "official_reset").await?;
            let event = actor.audit(
                "official.reset",
                Some(official.id.to_string()),
                serde_json::json!({"login": login, "sessions_ended": ended}),
            );
            dms_db::audit::record(tx, &event).await?;
            officials::by_id(tx, official.id)
                .await?
                .ok_or(ServiceError::Internal)
        })
        .await?;
    Ok(link.invited(official))
}

/// Disable the official: no sign-in, every session ends. A reset enables them again.
pub async fn disable(services: &Services, actor: &Actor, login: &str) -> Result<(), ServiceError> {
    require_manager(actor)?;
    let official = find(services, actor, login).await?;
    let mut conn = services.conn().await?;
    conn.transaction(async |tx| -> Result<(), ServiceError> {
        officials::disable(tx, official.id).await?;
        let ended = officials::end_sessions_of(tx, official.id, "official_disabled").await?;
        let event = actor.audit(
            "official.disable",
            Some(official.id.to_string()),
            serde_json::json!({"login": login, "sessions_ended": ended}),
        );
        dms_db::audit::record(tx, &event).await?;
        Ok(())
    })
    .await
}

/// The officials of a registration body (no secrets).
pub async fn of_body(
    services: &Services,
    actor: &Actor,
    edrpou: &str,
) -> Result<Vec<Official>, ServiceError> {
    require_manager(actor)?;
    let body = crate::bodies::find(services, edrpou).await?;
    let mut conn = services.conn().await?;
    let list = officials::of_body(&mut conn, body.id).await?;
    let event = actor.audit(
        "official.list",
        Some(body.id.to_string()),
        serde_json::json!({"count": list.len()}),
    );
    dms_db::audit::record(&mut conn, &event).await?;
    Ok(list)
}

/// A web account for a staff member (the staff console), by an operator at the command line;
/// its name is the staff record's. A staff member has at most one.
pub async fn add_for_staff(
    services: &Services,
    actor: &Actor,
    staff_id: uuid::Uuid,
    login: &str,
) -> Result<Invited, ServiceError> {
    if !matches!(actor.who, Who::Operator(_)) {
        return Err(ServiceError::Forbidden);
    }
    let mut conn = services.conn().await?;
    let staff = dms_db::staff::live_staff_by_id(&mut conn, staff_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    // A machine client (the document-issuance system) has a token, never a person's account.
    if staff.role == StaffRole::Issuance {
        return Err(ServiceError::field(
            "/staff",
            FieldCode::Enum,
            "a machine client's staff record gets no web account",
        ));
    }
    check_new(login, &staff.name)?;
    let link = NewLink::new();
    let setup = link.setup();
    let official = conn
        .transaction(async |tx| -> Result<Official, ServiceError> {
            login_free(tx, login).await?;
            if officials::of_staff(tx, staff.id).await?.is_some() {
                return Err(ServiceError::field(
                    "/staff",
                    FieldCode::Taken,
                    "already has a web account",
                ));
            }
            let official =
                officials::add(tx, Holder::Staff(staff.id), login, &staff.name, &setup).await?;
            let event = actor.audit(
                "staff.account_add",
                Some(staff.id.to_string()),
                serde_json::json!({"login": login, "account": official.id}),
            );
            dms_db::audit::record(tx, &event).await?;
            Ok(official)
        })
        .await?;
    Ok(link.invited(official))
}

/// [`add_for_staff`], set up at once (demonstrations and tests): the password and TOTP secret.
pub async fn add_for_staff_enrolled(
    services: &Services,
    actor: &Actor,
    staff_id: uuid::Uuid,
    login: &str,
) -> Result<(Official, String, String), ServiceError> {
    let invited = add_for_staff(services, actor, staff_id, login).await?;
    enroll_now(services, actor, invited).await
}

/// A demonstration or test official, set up at once: their password and TOTP secret are
/// returned (and shown to no one else). Audited as an addition and `official.enrolled`.
pub async fn add_enrolled(
    services: &Services,
    actor: &Actor,
    edrpou: &str,
    login: &str,
    name: &str,
) -> Result<(Official, String, String), ServiceError> {
    let invited = add(services, actor, edrpou, login, name).await?;
    enroll_now(services, actor, invited).await
}

/// [`reset`], then set up at once like [`add_enrolled`] (demonstrations and tests).
pub async fn reset_enrolled(
    services: &Services,
    actor: &Actor,
    login: &str,
) -> Result<(Official, String, String), ServiceError> {
    let invited = reset(services, actor, login).await?;
    enroll_now(services, actor, invited).await
}

async fn enroll_now(
    services: &Services,
    actor: &Actor,
    invited: Invited,
) -> Result<(Official, String, String), ServiceError> {
    let password = random_secret(12);
    let hash = hash_password(password.clone()).await?;
    let secret = invited
        .official
        .totp_secret
        .clone()
        .ok_or(ServiceError::Internal)?;
    let mut conn = services.conn().await?;
    conn.transaction(async |tx| -> Result<(), ServiceError> {
        officials::complete_setup(tx, invited.official.id, &hash, 0).await?;
        let event = actor.audit(
            "official.enrolled",
            Some(invited.official.id.to_string()),
            serde_json::json!({"login": invited.official.login}),
        );
        dms_db::audit::record(tx, &event).await?;
        Ok(())
    })
    .await?;
    Ok((invited.official, password, secret))
}

//! Signing officials in to the web interface and keeping their sessions. The method of proof is
//! one type, [`Proof`]: today a password (argon2id) and a TOTP code (RFC 6238); the state
//! identification service (id.gov.ua, a qualified e-signature) becomes another variant, and
//! nothing after the proof changes. Sessions live in PostgreSQL with an idle and an absolute
//! limit; the cookie carries a random secret stored only as its SHA-256. Every sign-in, failure,
//! lock and sign-out is audited.

use crate::auth::{record_refusal, Attempt};
use crate::officials::{hash_password, lookup_of, random_secret};
use crate::{Actor, OfficialRef, ServiceError, Services};
use argon2::password_hash::{PasswordHash, PasswordVerifier};
use chrono::{DateTime, Duration, Utc};
use diesel_async::AsyncConnection;
use dms_db::audit::AuditEvent;
use dms_db::bodies::RegistrationBody;
use dms_db::officials::{self, Holder, Official};
use dms_db::staff::Staff;

pub mod setup;

/// The limits of sign-in and sessions (configuration `web.*`).
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// Failures in a row that lock the official.
    pub max_failures: i32,
    pub lock: Duration,
    pub idle: Duration,
    pub absolute: Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            max_failures: 5,
            lock: Duration::minutes(15),
            idle: Duration::minutes(30),
            absolute: Duration::hours(12),
        }
    }
}

/// How an official proves who they are.
#[derive(Debug)]
pub enum Proof {
    PasswordAndTotp {
        login: String,
        password: String,
        code: String,
    },
}

/// Why a sign-in was refused. The person is told only "wrong login, password or code" or "locked
/// until …": which part was wrong is never revealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignInRefused {
    Invalid,
    Locked(DateTime<Utc>),
}

/// The two doors with accounts: the officials' web (the hosted community register) and the
/// staff console. Each takes only its own accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Realm {
    Officials,
    Staff,
}

impl Realm {
    pub fn admits(self, account: &Official) -> bool {
        match self {
            Realm::Officials => account.registration_body_id.is_some(),
            Realm::Staff => account.staff_id.is_some(),
        }
    }
}

/// For whom a session's account acts.
#[derive(Debug, Clone)]
pub enum SessionHolder {
    /// An official, for their registration body.
    Body(RegistrationBody),
    /// A DMS staff member, in their role.
    Staff(Staff),
}

/// A live session.
#[derive(Debug, Clone)]
pub struct Session {
    pub lookup: String,
    pub official: Official,
    pub holder: SessionHolder,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
}

impl Session {
    /// The actor of this session's requests.
    pub fn actor(&self, request_id: String) -> Actor {
        match &self.holder {
            SessionHolder::Body(body) => Actor::official(
                OfficialRef {
                    id: self.official.id,
                    login: self.official.login.clone(),
                    name: self.official.name.clone(),
                },
                body.clone(),
                request_id,
            ),
            SessionHolder::Staff(staff) => {
                Actor::staff_on_console(staff.clone(), self.official.login.clone(), request_id)
            }
        }
    }

    /// The registration body of an official's session.
    pub fn body(&self) -> Option<&RegistrationBody> {
        match &self.holder {
            SessionHolder::Body(b) => Some(b),
            SessionHolder::Staff(_) => None,
        }
    }

    /// The staff member of a console session.
    pub fn staff(&self) -> Option<&Staff> {
        match &self.holder {
            SessionHolder::Staff(s) => Some(s),
            SessionHolder::Body(_) => None,
        }
    }
}

/// Whom the account acts for now: its body, or its staff member while not revoked.
async fn holder_of(
    conn: &mut dms_db::PgConn,
    account: &Official,
) -> Result<Option<SessionHolder>, ServiceError> {
    Ok(match account.holder() {
        Some(Holder::Body(id)) => dms_db::bodies::body_by_id(conn, id)
            .await?
            .map(SessionHolder::Body),
        Some(Holder::Staff(id)) => dms_db::staff::live_staff_by_id(conn, id)
            .await?
            .map(SessionHolder::Staff),
        None => None,
    })
}

/// TOTP: SHA-1, 6 digits, 30-second steps; a code of the step before or after is accepted too.
const STEP_SECS: i64 = 30;

fn totp(secret: &str, login: &str) -> Option<totp_rs::TOTP> {
    let bytes = totp_rs::Secret::Encoded(secret.to_owned())
        .to_bytes()
        .ok()?;
    totp_rs::TOTP::new(
        totp_rs::Algorithm::SHA1,
        6,
        1,
        STEP_SECS as u64,
        bytes,
        Some("DMS Ukraine".into()),
        login.to_owned(),
    )
    .ok()
}

/// The `otpauth://` URL an authenticator app enrols from (shown as a QR code).
pub fn otpauth_url(secret: &str, login: &str) -> Option<String> {
    totp(secret, login).map(|t| t.get_url())
}

/// The step whose code this is (the current one, or one either side), if any.
pub fn matching_step(secret: &str, login: &str, code: &str, now: DateTime<Utc>) -> Option<i64> {
    let code = code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let t = totp(secret, login)?;
    let current = now.timestamp() / STEP_SECS;
    [current - 1, current, current + 1]
        .into_iter()
        .find(|step| {
            let expected = t.generate((step * STEP_SECS) as u64);
            constant_time_eq(expected.as_bytes(), code.as_bytes())
        })
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Verify a password against an argon2id hash off the async workers.
async fn password_matches(password: String, hash: String) -> Result<bool, ServiceError> {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash).is_ok_and(|parsed| {
            argon2::Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
    })
    .await
    .map_err(|_| ServiceError::Internal)
}

/// Spend the time of one verification when there is nothing to verify (an unknown login), so
/// that the answer's timing does not tell which logins exist.
async fn spend_verification(password: String) -> Result<(), ServiceError> {
    hash_password(password).await.map(|_| ())
}

pub(crate) fn official_event(
    official: &Official,
    event: &str,
    attempt: &Attempt<'_>,
    details: serde_json::Value,
) -> AuditEvent {
    let mut details = details;
    if let Some(map) = details.as_object_mut() {
        map.insert("login".into(), official.login.clone().into());
        match official.holder() {
            Some(Holder::Body(id)) => {
                map.insert("registration_body".into(), id.to_string().into());
            }
            Some(Holder::Staff(id)) => {
                map.insert("staff".into(), id.to_string().into());
            }
            None => {}
        }
        if let Some(s) = &attempt.source {
            map.insert("source".into(), s.clone().into());
        }
    }
    let (actor_kind, channel) = if official.staff_id.is_some() {
        ("staff", "console")
    } else {
        ("official", "web")
    };
    AuditEvent {
        actor_kind: actor_kind.into(),
        actor_id: Some(
            official
                .staff_id
                .map_or_else(|| official.id.to_string(), |s| s.to_string()),
        ),
        channel: channel.into(),
        event: event.into(),
        target: None,
        request_id: attempt.request_id.clone(),
        details,
    }
}

/// Sign in: the proof checked, a failure counted (and the official locked at the limit), a
/// session opened on success. The cookie's secret is returned once and never stored.
pub async fn sign_in(
    services: &Services,
    realm: Realm,
    proof: Proof,
    policy: &Policy,
    attempt: &Attempt<'_>,
) -> Result<Result<(String, Session), SignInRefused>, ServiceError> {
    let Proof::PasswordAndTotp {
        login,
        password,
        code,
    } = proof;
    let now = Utc::now();
    let official = {
        let mut conn = services.conn().await?;
        officials::by_login(&mut conn, login.trim()).await?
    };
    // An account of the other door is, at this door, an unknown login.
    let Some(official) = official.filter(|o| o.can_sign_in() && realm.admits(o)) else {
        spend_verification(password).await?;
        let event = AuditEvent {
            actor_kind: "client".into(),
            actor_id: None,
            channel: match realm {
                Realm::Officials => "web",
                Realm::Staff => "console",
            }
            .into(),
            event: "web.sign_in_failed".into(),
            target: None,
            request_id: attempt.request_id.clone(),
            details: serde_json::json!({"reason": "unknown_login"}),
        };
        record_refusal(services, None, attempt, event).await?;
        return Ok(Err(SignInRefused::Invalid));
    };
    if let Some(until) = official.locked_until.filter(|u| *u > now) {
        let event = official_event(
            &official,
            "web.sign_in_locked",
            attempt,
            serde_json::json!({}),
        );
        record_refusal(services, None, attempt, event).await?;
        return Ok(Err(SignInRefused::Locked(until)));
    }
    let hash = official.password_hash.clone().unwrap_or_default();
    let password_ok = password_matches(password, hash).await?;
    let step = official
        .totp_secret
        .as_deref()
        .and_then(|s| matching_step(s, &official.login, &code, now));
    let mut conn = services.conn().await?;
    let opened = conn
        .transaction(
            async |tx| -> Result<Result<(String, Session), SignInRefused>, ServiceError> {
                let holder = holder_of(tx, &official).await?;
                let accepted = match (password_ok, step, &holder) {
                    (true, Some(step), Some(_)) => {
                        officials::record_success(tx, official.id, step).await?
                    }
                    _ => false,
                };
                if !accepted {
                    let locked = officials::record_failure(
                        tx,
                        official.id,
                        policy.max_failures,
                        now + policy.lock,
                    )
                    .await?;
                    let reason = match (password_ok, step, &holder) {
                        (false, _, _) => "password",
                        (true, None, _) => "code",
                        (true, Some(_), None) => "holder_revoked",
                        (true, Some(_), Some(_)) => "code_reused",
                    };
                    let event = official_event(
                        &official,
                        "web.sign_in_failed",
                        attempt,
                        serde_json::json!({"reason": reason, "locked": locked}),
                    );
                    dms_db::audit::record(tx, &event).await?;
                    return Ok(Err(if locked {
                        SignInRefused::Locked(now + policy.lock)
                    } else {
                        SignInRefused::Invalid
                    }));
                }
                let secret = random_secret(32);
                let lookup = lookup_of(&secret);
                let csrf_token = random_secret(32);
                let expires_at = now + policy.absolute;
                officials::create_session(tx, &lookup, official.id, &csrf_token, expires_at)
                    .await?;
                let event =
                    official_event(&official, "web.sign_in", attempt, serde_json::json!({}));
                dms_db::audit::record(tx, &event).await?;
                let holder = holder.ok_or(ServiceError::Internal)?;
                Ok(Ok((
                    secret,
                    Session {
                        lookup,
                        official: official.clone(),
                        holder,
                        csrf_token,
                        expires_at,
                    },
                )))
            },
        )
        .await?;
    Ok(opened)
}

/// Why a cookie opens no session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoSession {
    /// Unknown or ended.
    Unknown,
    /// Ended now for being idle too long or past its absolute limit.
    Expired,
}

/// The live session of a cookie's secret; an idle or expired one is ended (and audited) here.
/// Its idle time starts over (at most once a minute, to spare writes).
pub async fn session(
    services: &Services,
    realm: Realm,
    secret: &str,
    policy: &Policy,
) -> Result<Result<Session, NoSession>, ServiceError> {
    let lookup = lookup_of(secret);
    let mut conn = services.conn().await?;
    let Some(row) = officials::session(&mut conn, &lookup).await? else {
        return Ok(Err(NoSession::Unknown));
    };
    let now = Utc::now();
    let official = officials::by_id(&mut conn, row.official_id)
        .await?
        .ok_or(ServiceError::Internal)?;
    // A session of the other door's account does not open this door (and is left alone).
    if !realm.admits(&official) {
        return Ok(Err(NoSession::Unknown));
    }
    let holder = holder_of(&mut conn, &official).await?;
    let reason = if row.expires_at <= now {
        Some("expired")
    } else if row.last_seen_at + policy.idle <= now {
        Some("idle")
    } else if !official.can_sign_in() {
        Some("official_disabled")
    } else if holder.is_none() {
        Some("staff_revoked")
    } else {
        None
    };
    if let Some(reason) = reason {
        conn.transaction(async |tx| -> Result<(), ServiceError> {
            if officials::end_session(tx, &lookup, reason).await? {
                let attempt = Attempt {
                    channel: "web",
                    request_id: None,
                    path: "",
                    source: None,
                };
                let event = official_event(
                    &official,
                    "web.session_ended",
                    &attempt,
                    serde_json::json!({"reason": reason}),
                );
                dms_db::audit::record(tx, &event).await?;
            }
            Ok(())
        })
        .await?;
        return Ok(Err(NoSession::Expired));
    }
    if now - row.last_seen_at > Duration::seconds(60) {
        officials::touch_session(&mut conn, &lookup).await?;
    }
    let holder = holder.ok_or(ServiceError::Internal)?;
    Ok(Ok(Session {
        lookup,
        official,
        holder,
        csrf_token: row.csrf_token,
        expires_at: row.expires_at,
    }))
}

/// Sign out: the session ends, audited.
pub async fn sign_out(
    services: &Services,
    session: &Session,
    request_id: String,
) -> Result<(), ServiceError> {
    let actor = session.actor(request_id);
    let mut conn = services.conn().await?;
    conn.transaction(async |tx| -> Result<(), ServiceError> {
        if officials::end_session(tx, &session.lookup, "sign_out").await? {
            let event = actor.audit("web.sign_out", None, serde_json::json!({}));
            dms_db::audit::record(tx, &event).await?;
        }
        Ok(())
    })
    .await
}

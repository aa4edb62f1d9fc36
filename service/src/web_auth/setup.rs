//! The one-time set-up link: an official (or a staff member) sets a password and enrols the
//! TOTP second factor; the link is used up.

use super::{matching_step, official_event, otpauth_url, Realm};
use crate::auth::Attempt;
use crate::officials::{hash_password, lookup_of};
use crate::{ServiceError, Services};
use chrono::Utc;
use diesel_async::AsyncConnection;
use dms_db::officials;

/// What the one-time set-up page shows: who it is for and the second factor to enrol.
#[derive(Debug, Clone)]
pub struct SetupOffer {
    pub login: String,
    pub name: String,
    pub totp_secret: String,
    pub otpauth_url: String,
}

/// The offer of a live one-time link, or nothing (unknown, used, expired, disabled).
pub async fn setup_offer(
    services: &Services,
    realm: Realm,
    secret: &str,
) -> Result<Option<SetupOffer>, ServiceError> {
    let mut conn = services.conn().await?;
    let official = officials::by_setup_lookup(&mut conn, &lookup_of(secret)).await?;
    // Each door sets up only its own accounts: another door's link is, here, unknown.
    Ok(official.filter(|o| realm.admits(o)).and_then(|o| {
        let totp_secret = o.totp_secret.clone()?;
        let otpauth_url = otpauth_url(&totp_secret, &o.login)?;
        Some(SetupOffer {
            login: o.login,
            name: o.name,
            totp_secret,
            otpauth_url,
        })
    }))
}

/// What is wrong with a set-up form, field by field (`password`, `repeat`, `code`).
pub type SetupFaults = Vec<(&'static str, &'static str)>;

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// Complete a set-up: the password (twice) and a code from the newly enrolled authenticator.
/// The link is used up; the official may sign in.
pub async fn complete_setup(
    services: &Services,
    realm: Realm,
    secret: &str,
    password: &str,
    repeat: &str,
    code: &str,
    attempt: &Attempt<'_>,
) -> Result<Result<(), SetupFaults>, ServiceError> {
    let mut faults: SetupFaults = Vec::new();
    let mut conn = services.conn().await?;
    let Some(official) = officials::by_setup_lookup(&mut conn, &lookup_of(secret))
        .await?
        .filter(|o| realm.admits(o))
    else {
        return Err(ServiceError::NotFound);
    };
    if password.chars().count() < MIN_PASSWORD_CHARS {
        faults.push(("password", "password_short"));
    } else if password.eq_ignore_ascii_case(&official.login) {
        faults.push(("password", "password_is_login"));
    }
    if password != repeat {
        faults.push(("repeat", "password_mismatch"));
    }
    let step = official
        .totp_secret
        .as_deref()
        .and_then(|s| matching_step(s, &official.login, code, Utc::now()));
    if step.is_none() {
        faults.push(("code", "code_invalid"));
    }
    let Some(step) = step.filter(|_| faults.is_empty()) else {
        return Ok(Err(faults));
    };
    let hash = hash_password(password.to_owned()).await?;
    conn.transaction(async |tx| -> Result<(), ServiceError> {
        // The link is checked again under the row lock: two submissions cannot both use it.
        if officials::by_setup_lookup(tx, &lookup_of(secret))
            .await?
            .is_none()
        {
            return Err(ServiceError::NotFound);
        }
        officials::complete_setup(tx, official.id, &hash, step).await?;
        let event = official_event(&official, "official.setup", attempt, serde_json::json!({}));
        dms_db::audit::record(tx, &event).await?;
        Ok(())
    })
    .await?;
    Ok(Ok(()))
}

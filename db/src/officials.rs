//! Officials of registration bodies who keep their community register through the DMS web
//! interface, and their server-side sessions. Secrets are never stored as given: the one-time
//! link and the session cookie by their SHA-256, the password as an argon2id hash.

use crate::{DbError, PgConn};
use chrono::{DateTime, Utc};
use diesel::sql_types::{Int4, Int8, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel::QueryableByName;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct Official {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    /// The registration body of an official's account; none for a staff member's.
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub registration_body_id: Option<Uuid>,
    /// The staff record of a staff member's account (the staff console); none for an official's.
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub staff_id: Option<Uuid>,
    #[diesel(sql_type = Text)]
    pub login: String,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub password_hash: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub totp_secret: Option<String>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub totp_enrolled_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Int8>)]
    pub totp_last_step: Option<i64>,
    #[diesel(sql_type = Int4)]
    pub failed_attempts: i32,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub locked_until: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub disabled_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
}

impl Official {
    /// Set up (password and second factor) and not disabled.
    pub fn can_sign_in(&self) -> bool {
        self.disabled_at.is_none()
            && self.password_hash.is_some()
            && self.totp_enrolled_at.is_some()
    }
}

const COLUMNS: &str =
    "id, registration_body_id, staff_id, login, name, password_hash, totp_secret, \
    totp_enrolled_at, totp_last_step, failed_attempts, locked_until, disabled_at, created_at";

/// What a one-time set-up link carries: its hash, expiry and the second factor's new secret.
#[derive(Debug, Clone)]
pub struct Setup<'a> {
    pub lookup: &'a str,
    pub expires_at: DateTime<Utc>,
    pub totp_secret: &'a str,
}

/// Whose an account is: an official's of a registration body, or a DMS staff member's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    Body(Uuid),
    Staff(Uuid),
}

impl Official {
    pub fn holder(&self) -> Option<Holder> {
        match (self.registration_body_id, self.staff_id) {
            (Some(b), None) => Some(Holder::Body(b)),
            (None, Some(s)) => Some(Holder::Staff(s)),
            _ => None,
        }
    }
}

pub async fn add(
    conn: &mut PgConn,
    holder: Holder,
    login: &str,
    name: &str,
    setup: &Setup<'_>,
) -> Result<Official, DbError> {
    let (body_id, staff_id) = match holder {
        Holder::Body(b) => (Some(b), None),
        Holder::Staff(s) => (None, Some(s)),
    };
    Ok(diesel::sql_query(format!(
        "INSERT INTO officials (id, registration_body_id, staff_id, login, name, setup_lookup, \
         setup_expires_at, totp_secret) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         RETURNING {COLUMNS}"
    ))
    .bind::<SqlUuid, _>(Uuid::now_v7())
    .bind::<Nullable<SqlUuid>, _>(body_id)
    .bind::<Nullable<SqlUuid>, _>(staff_id)
    .bind::<Text, _>(login)
    .bind::<Text, _>(name)
    .bind::<Text, _>(setup.lookup)
    .bind::<Timestamptz, _>(setup.expires_at)
    .bind::<Text, _>(setup.totp_secret)
    .get_result(conn)
    .await?)
}

pub async fn by_login(conn: &mut PgConn, login: &str) -> Result<Option<Official>, DbError> {
    let rows: Vec<Official> =
        diesel::sql_query(format!("SELECT {COLUMNS} FROM officials WHERE login = $1"))
            .bind::<Text, _>(login)
            .load(conn)
            .await?;
    Ok(rows.into_iter().next())
}

pub async fn by_id(conn: &mut PgConn, id: Uuid) -> Result<Option<Official>, DbError> {
    let rows: Vec<Official> =
        diesel::sql_query(format!("SELECT {COLUMNS} FROM officials WHERE id = $1"))
            .bind::<SqlUuid, _>(id)
            .load(conn)
            .await?;
    Ok(rows.into_iter().next())
}

/// The official a live (unexpired, not disabled) one-time link belongs to, locked for the
/// set-up that follows.
pub async fn by_setup_lookup(conn: &mut PgConn, lookup: &str) -> Result<Option<Official>, DbError> {
    let rows: Vec<Official> = diesel::sql_query(format!(
        "SELECT {COLUMNS} FROM officials WHERE setup_lookup = $1 AND setup_expires_at > now() \
         AND disabled_at IS NULL FOR UPDATE"
    ))
    .bind::<Text, _>(lookup)
    .load(conn)
    .await?;
    Ok(rows.into_iter().next())
}

pub async fn of_body(conn: &mut PgConn, body_id: Uuid) -> Result<Vec<Official>, DbError> {
    Ok(diesel::sql_query(format!(
        "SELECT {COLUMNS} FROM officials WHERE registration_body_id = $1 ORDER BY login"
    ))
    .bind::<SqlUuid, _>(body_id)
    .load(conn)
    .await?)
}

/// The web account of a staff member, if they have one.
pub async fn of_staff(conn: &mut PgConn, staff_id: Uuid) -> Result<Option<Official>, DbError> {
    let rows: Vec<Official> = diesel::sql_query(format!(
        "SELECT {COLUMNS} FROM officials WHERE staff_id = $1"
    ))
    .bind::<SqlUuid, _>(staff_id)
    .load(conn)
    .await?;
    Ok(rows.into_iter().next())
}

/// A new one-time link: password and second factor start over, the lock is lifted.
pub async fn reset(conn: &mut PgConn, id: Uuid, setup: &Setup<'_>) -> Result<(), DbError> {
    diesel::sql_query(
        "UPDATE officials SET password_hash = NULL, totp_enrolled_at = NULL, totp_last_step = NULL, \
         totp_secret = $2, setup_lookup = $3, setup_expires_at = $4, failed_attempts = 0, \
         locked_until = NULL, disabled_at = NULL WHERE id = $1",
    )
    .bind::<SqlUuid, _>(id)
    .bind::<Text, _>(setup.totp_secret)
    .bind::<Text, _>(setup.lookup)
    .bind::<Timestamptz, _>(setup.expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// The set-up is done: the password hash is stored, the second factor enrolled with the code of
/// `step`, and the one-time link is used up.
pub async fn complete_setup(
    conn: &mut PgConn,
    id: Uuid,
    password_hash: &str,
    step: i64,
) -> Result<(), DbError> {
    diesel::sql_query(
        "UPDATE officials SET password_hash = $2, totp_enrolled_at = now(), totp_last_step = $3, \
         setup_lookup = NULL, setup_expires_at = NULL, failed_attempts = 0, locked_until = NULL \
         WHERE id = $1",
    )
    .bind::<SqlUuid, _>(id)
    .bind::<Text, _>(password_hash)
    .bind::<Int8, _>(step)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn disable(conn: &mut PgConn, id: Uuid) -> Result<(), DbError> {
    diesel::sql_query(
        "UPDATE officials SET disabled_at = now(), setup_lookup = NULL, setup_expires_at = NULL \
         WHERE id = $1",
    )
    .bind::<SqlUuid, _>(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Count a failed sign-in; at `max` failures in a row the official is locked until
/// `lock_until`. Whether this failure locked them.
pub async fn record_failure(
    conn: &mut PgConn,
    id: Uuid,
    max: i32,
    lock_until: DateTime<Utc>,
) -> Result<bool, DbError> {
    #[derive(QueryableByName)]
    struct Locked {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        locked: bool,
    }
    let row: Locked = diesel::sql_query(
        "UPDATE officials SET \
           failed_attempts = CASE WHEN failed_attempts + 1 >= $2 THEN 0 ELSE failed_attempts + 1 END, \
           locked_until = CASE WHEN failed_attempts + 1 >= $2 THEN $3 ELSE locked_until END \
         WHERE id = $1 RETURNING COALESCE(locked_until = $3, false) AS locked",
    )
    .bind::<SqlUuid, _>(id)
    .bind::<Int4, _>(max)
    .bind::<Timestamptz, _>(lock_until)
    .get_result(conn)
    .await?;
    Ok(row.locked)
}

/// A successful sign-in with the code of `step`: accepted only if no code of this or a later
/// step was accepted before (a code works once), which this update decides atomically.
pub async fn record_success(conn: &mut PgConn, id: Uuid, step: i64) -> Result<bool, DbError> {
    let n = diesel::sql_query(
        "UPDATE officials SET failed_attempts = 0, locked_until = NULL, totp_last_step = $2 \
         WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)",
    )
    .bind::<SqlUuid, _>(id)
    .bind::<Int8, _>(step)
    .execute(conn)
    .await?;
    Ok(n == 1)
}

/// A live session and its official.
#[derive(Debug, Clone, QueryableByName)]
pub struct SessionRow {
    #[diesel(sql_type = Text)]
    pub lookup: String,
    #[diesel(sql_type = SqlUuid)]
    pub official_id: Uuid,
    #[diesel(sql_type = Text)]
    pub csrf_token: String,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    pub last_seen_at: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    pub expires_at: DateTime<Utc>,
}

pub async fn create_session(
    conn: &mut PgConn,
    lookup: &str,
    official_id: Uuid,
    csrf_token: &str,
    expires_at: DateTime<Utc>,
) -> Result<(), DbError> {
    diesel::sql_query(
        "INSERT INTO web_sessions (lookup, official_id, csrf_token, expires_at) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind::<Text, _>(lookup)
    .bind::<SqlUuid, _>(official_id)
    .bind::<Text, _>(csrf_token)
    .bind::<Timestamptz, _>(expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// The session of this cookie hash if it has not ended.
pub async fn session(conn: &mut PgConn, lookup: &str) -> Result<Option<SessionRow>, DbError> {
    let rows: Vec<SessionRow> = diesel::sql_query(
        "SELECT lookup, official_id, csrf_token, created_at, last_seen_at, expires_at \
         FROM web_sessions WHERE lookup = $1 AND ended_at IS NULL",
    )
    .bind::<Text, _>(lookup)
    .load(conn)
    .await?;
    Ok(rows.into_iter().next())
}

/// The session was used now (its idle time starts over).
pub async fn touch_session(conn: &mut PgConn, lookup: &str) -> Result<(), DbError> {
    diesel::sql_query("UPDATE web_sessions SET last_seen_at = now() WHERE lookup = $1")
        .bind::<Text, _>(lookup)
        .execute(conn)
        .await?;
    Ok(())
}

/// End one session; whether it was live.
pub async fn end_session(conn: &mut PgConn, lookup: &str, reason: &str) -> Result<bool, DbError> {
    let n = diesel::sql_query(
        "UPDATE web_sessions SET ended_at = now(), end_reason = $2 \
         WHERE lookup = $1 AND ended_at IS NULL",
    )
    .bind::<Text, _>(lookup)
    .bind::<Text, _>(reason)
    .execute(conn)
    .await?;
    Ok(n == 1)
}

/// End every live session of an official (reset, disabled); how many.
pub async fn end_sessions_of(
    conn: &mut PgConn,
    official_id: Uuid,
    reason: &str,
) -> Result<usize, DbError> {
    Ok(diesel::sql_query(
        "UPDATE web_sessions SET ended_at = now(), end_reason = $2 \
         WHERE official_id = $1 AND ended_at IS NULL",
    )
    .bind::<SqlUuid, _>(official_id)
    .bind::<Text, _>(reason)
    .execute(conn)
    .await?)
}

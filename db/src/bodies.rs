//! Registration bodies (органи реєстрації) and the credentials that identify them on each channel.

pub use crate::enums::{BodyStatus, CredentialKind};
use crate::schema::{credentials, registration_bodies};
use crate::{DbError, PgConn};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = registration_bodies)]
pub struct RegistrationBody {
    pub id: Uuid,
    pub edrpou: String,
    pub name: String,
    pub hromada_katottg: String,
    pub status: BodyStatus,
    pub created_at: DateTime<Utc>,
}

impl RegistrationBody {
    pub fn is_active(&self) -> bool {
        self.status == BodyStatus::Active
    }
}

/// Create the body, or return the existing one with that ЄДРПОУ unchanged (idempotent set-up).
pub async fn ensure_body(
    conn: &mut PgConn,
    edrpou: &str,
    name: &str,
    hromada_katottg: &str,
) -> Result<RegistrationBody, DbError> {
    diesel::insert_into(registration_bodies::table)
        .values((
            registration_bodies::id.eq(Uuid::now_v7()),
            registration_bodies::edrpou.eq(edrpou),
            registration_bodies::name.eq(name),
            registration_bodies::hromada_katottg.eq(hromada_katottg),
        ))
        .on_conflict(registration_bodies::edrpou)
        .do_nothing()
        .execute(conn)
        .await?;
    Ok(registration_bodies::table
        .filter(registration_bodies::edrpou.eq(edrpou))
        .select(RegistrationBody::as_select())
        .first(conn)
        .await?)
}

pub async fn set_status(
    conn: &mut PgConn,
    body_id: Uuid,
    status: BodyStatus,
) -> Result<(), DbError> {
    diesel::update(registration_bodies::table.find(body_id))
        .set(registration_bodies::status.eq(status))
        .execute(conn)
        .await?;
    Ok(())
}

/// What adding a credential came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Added {
    /// Stored now, or already a live credential (adding it again changes nothing).
    Live(Uuid),
    /// The same value was revoked: it stays revoked, never silently live again.
    Revoked(Uuid),
}

/// Attach a credential; adding a live one again returns it unchanged, a revoked one is
/// reported (a revoked value is never made live again).
pub async fn add_credential(
    conn: &mut PgConn,
    body_id: Uuid,
    kind: CredentialKind,
    lookup: &str,
    label: &str,
    expires_at: Option<DateTime<Utc>>,
) -> Result<Added, DbError> {
    let inserted: Option<Uuid> = diesel::insert_into(credentials::table)
        .values((
            credentials::id.eq(Uuid::now_v7()),
            credentials::registration_body_id.eq(body_id),
            credentials::kind.eq(kind),
            credentials::lookup.eq(lookup),
            credentials::label.eq(label),
            credentials::expires_at.eq(expires_at),
        ))
        .on_conflict((credentials::kind, credentials::lookup))
        .do_nothing()
        .returning(credentials::id)
        .get_result(conn)
        .await
        .optional()?;
    if let Some(id) = inserted {
        return Ok(Added::Live(id));
    }
    let (id, revoked_at): (Uuid, Option<DateTime<Utc>>) = credentials::table
        .filter(credentials::kind.eq(kind))
        .filter(credentials::lookup.eq(lookup))
        .select((credentials::id, credentials::revoked_at))
        .first(conn)
        .await?;
    Ok(match revoked_at {
        Some(_) => Added::Revoked(id),
        None => Added::Live(id),
    })
}

/// A credential as staff see it: never a token's value (only a short prefix of its hash).
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = credentials)]
pub struct CredentialRow {
    pub id: Uuid,
    pub registration_body_id: Uuid,
    pub kind: CredentialKind,
    pub lookup: String,
    pub label: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// Every credential of the body, revoked ones too, oldest first.
pub async fn credentials_of(
    conn: &mut PgConn,
    body_id: Uuid,
) -> Result<Vec<CredentialRow>, DbError> {
    Ok(credentials::table
        .filter(credentials::registration_body_id.eq(body_id))
        .order((credentials::created_at.asc(), credentials::id.asc()))
        .select(CredentialRow::as_select())
        .load(conn)
        .await?)
}

/// Revoke the live credential with this id, whatever its kind; the body it belonged to, or
/// nothing when there is no such live credential (unknown or already revoked).
pub async fn revoke_credential_by_id(conn: &mut PgConn, id: Uuid) -> Result<Option<Uuid>, DbError> {
    Ok(diesel::update(
        credentials::table
            .find(id)
            .filter(credentials::revoked_at.is_null()),
    )
    .set(credentials::revoked_at.eq(Utc::now()))
    .returning(credentials::registration_body_id)
    .get_result(conn)
    .await
    .optional()?)
}

/// Revoke a live credential of the body; false when it has none such.
pub async fn revoke_credential(
    conn: &mut PgConn,
    body_id: Uuid,
    kind: CredentialKind,
    lookup: &str,
) -> Result<bool, DbError> {
    let n = diesel::update(
        credentials::table
            .filter(credentials::registration_body_id.eq(body_id))
            .filter(credentials::kind.eq(kind))
            .filter(credentials::lookup.eq(lookup))
            .filter(credentials::revoked_at.is_null()),
    )
    .set(credentials::revoked_at.eq(Utc::now()))
    .execute(conn)
    .await?;
    Ok(n > 0)
}

/// The body a live credential belongs to, whatever the body's status (the caller decides
/// what a suspended body may do).
pub async fn body_by_credential(
    conn: &mut PgConn,
    kind: CredentialKind,
    lookup: &str,
) -> Result<Option<RegistrationBody>, DbError> {
    Ok(credentials::table
        .inner_join(registration_bodies::table)
        .filter(credentials::kind.eq(kind))
        .filter(credentials::lookup.eq(lookup))
        .filter(credentials::revoked_at.is_null())
        .filter(
            credentials::expires_at
                .is_null()
                .or(credentials::expires_at.gt(diesel::dsl::now)),
        )
        .select(RegistrationBody::as_select())
        .first(conn)
        .await
        .optional()?)
}

pub async fn body_by_edrpou(
    conn: &mut PgConn,
    edrpou: &str,
) -> Result<Option<RegistrationBody>, DbError> {
    Ok(registration_bodies::table
        .filter(registration_bodies::edrpou.eq(edrpou))
        .select(RegistrationBody::as_select())
        .first(conn)
        .await
        .optional()?)
}

pub async fn body_by_id(conn: &mut PgConn, id: Uuid) -> Result<Option<RegistrationBody>, DbError> {
    Ok(registration_bodies::table
        .find(id)
        .select(RegistrationBody::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// Registration bodies in ЄДРПОУ order after `after` (an ЄДРПОУ; none: from the first), at
/// most `limit`: those whose name or ЄДРПОУ contains `q` (any case), in `status` when given.
pub async fn list_bodies(
    conn: &mut PgConn,
    q: Option<&str>,
    status: Option<BodyStatus>,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<RegistrationBody>, DbError> {
    let mut query = registration_bodies::table
        .select(RegistrationBody::as_select())
        .order(registration_bodies::edrpou.asc())
        .limit(limit)
        .into_boxed();
    if let Some(q) = q {
        // The text is matched literally: LIKE's wildcards in it are escaped.
        let pattern = format!(
            "%{}%",
            q.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        query = query.filter(
            registration_bodies::name
                .ilike(pattern.clone())
                .or(registration_bodies::edrpou.like(pattern)),
        );
    }
    if let Some(status) = status {
        query = query.filter(registration_bodies::status.eq(status));
    }
    if let Some(after) = after {
        query = query.filter(registration_bodies::edrpou.gt(after.to_owned()));
    }
    Ok(query.load(conn).await?)
}

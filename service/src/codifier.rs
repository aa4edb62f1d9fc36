//! The territorial codifier (КАТОТТГ) for register vendors: a lookup by name and parent, naming
//! the edition in use, so that a register picks the very codes the intake checks addresses
//! against. Reference data, open to every registration body; nothing personal, so not audited.

use crate::{Actor, ServiceError, Services};
use dms_db::codifier::{Edition, Object};
use dms_schemas::{FieldCode, FieldError};

/// The most objects a lookup answers.
pub const MAX_LIMIT: i64 = 200;

/// Objects whose name starts with `q`, optionally children of `parent`; and the edition.
pub async fn lookup(
    services: &Services,
    actor: &Actor,
    q: Option<&str>,
    parent: Option<&str>,
    limit: Option<i64>,
) -> Result<(Option<Edition>, Vec<Object>), ServiceError> {
    actor.registration_body().ok_or(ServiceError::Forbidden)?;
    let mut errors = Vec::new();
    let q = q.map(str::trim).filter(|q| !q.is_empty());
    if q.is_some_and(|q| q.chars().any(char::is_control)) {
        errors.push(FieldError::new(
            "/q",
            FieldCode::ControlCharacter,
            "must not hold control characters",
        ));
    } else if q.is_some_and(|q| q.chars().count() > 100) {
        errors.push(FieldError::new(
            "/q",
            FieldCode::Range,
            "at most 100 characters",
        ));
    }
    if let Some(p) = parent {
        if dms_schemas::Katottg::parse(p).is_err() {
            errors.push(FieldError::new(
                "/parent",
                FieldCode::Pattern,
                "must be a КАТОТТГ code, UA and 17 digits",
            ));
        }
    }
    let limit = limit.unwrap_or(50);
    if !(1..=MAX_LIMIT).contains(&limit) {
        errors.push(FieldError::new(
            "/limit",
            FieldCode::Range,
            "must be between 1 and 200",
        ));
    }
    if q.is_none() && parent.is_none() {
        errors.push(FieldError::new(
            "/q",
            FieldCode::Required,
            "give a name's beginning (q), a parent, or both",
        ));
    }
    if !errors.is_empty() {
        return Err(ServiceError::SchemaViolation(errors));
    }
    // `%` and `_` in a name's beginning are letters here, not patterns.
    let q = q.map(|q| {
        q.replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    });
    let mut conn = services.conn().await?;
    let edition = dms_db::codifier::edition(&mut conn).await?;
    let objects = dms_db::codifier::lookup(&mut conn, q.as_deref(), parent, limit).await?;
    Ok((edition, objects))
}

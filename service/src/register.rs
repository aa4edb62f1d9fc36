//! The community register read by its own officials on the web (the hosted register): lists of
//! actions and residents, an action with its document, a resident with their history here, the
//! body's notices. Every read that shows personal data writes an audit row naming what was shown.

use crate::{Actor, ServiceError, Services};
use dms_db::actions::ActionView;
use dms_db::notices::Notice;
use dms_db::register::{self, ActionDocument, ActionFilter, ActionRow, Resident, Settlement};
use uuid::Uuid;

/// A page of a list: `limit` rows from `offset`, and how many there are in all.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub rows: Vec<T>,
    pub total: i64,
    pub offset: i64,
    pub limit: i64,
}

/// `value`, once the audit row of its reading is written on the connection that read it.
async fn audited<T>(
    conn: &mut dms_db::Conn,
    actor: &Actor,
    event: &str,
    target: Option<String>,
    details: serde_json::Value,
    value: T,
) -> Result<T, ServiceError> {
    dms_db::audit::record(conn, &actor.audit(event, target, details)).await?;
    Ok(value)
}

/// A list's total when the page itself shows it (a first page that is not full); otherwise it
/// must be counted.
fn known_total(shown: usize, offset: i64, limit: i64) -> Option<i64> {
    let shown = i64::try_from(shown).unwrap_or(i64::MAX);
    (offset == 0 && shown < limit).then_some(shown)
}

/// Which kinds of search a filter uses (never the values: they are personal data).
fn searched_by(filter: &ActionFilter) -> Vec<&'static str> {
    let mut by = Vec::new();
    if filter.surname.is_some() || filter.birth_date.is_some() {
        by.push("surname_birth_date");
    }
    if filter.unzr.is_some() {
        by.push("unzr");
    }
    if filter.document.is_some() {
        by.push("document");
    }
    by
}

/// The body's actions, newest first.
pub async fn actions(
    services: &Services,
    actor: &Actor,
    filter: &ActionFilter,
    offset: i64,
    limit: i64,
) -> Result<Page<ActionRow>, ServiceError> {
    let body = actor.registration_body().ok_or(ServiceError::Forbidden)?;
    let mut conn = services.conn().await?;
    let rows = register::actions(&mut conn, body.id, filter, offset, limit).await?;
    let total = match known_total(rows.len(), offset, limit) {
        Some(n) => n,
        None => register::count_actions(&mut conn, body.id, filter).await?,
    };
    let shown: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let details = serde_json::json!({"actions": shown, "search": searched_by(filter)});
    let page = Page {
        rows,
        total,
        offset,
        limit,
    };
    audited(
        &mut conn,
        actor,
        "register.actions_listed",
        None,
        details,
        page,
    )
    .await
}

/// One of the body's actions: its view (receipt, feed state, cancellation) and its document.
pub async fn action(
    services: &Services,
    actor: &Actor,
    id: Uuid,
) -> Result<(ActionView, ActionDocument), ServiceError> {
    let body = actor.registration_body().ok_or(ServiceError::Forbidden)?;
    let mut conn = services.conn().await?;
    let view = dms_db::actions::view_for_body(&mut conn, id, body.id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let document = register::action_document(&mut conn, id, body.id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let value = (view, document);
    audited(
        &mut conn,
        actor,
        "registration_action.read",
        Some(id.to_string()),
        serde_json::json!({}),
        value,
    )
    .await
}

/// The body's own action submitted under this external id (a form submitted before).
pub async fn by_external_id(
    services: &Services,
    actor: &Actor,
    external_id: &str,
) -> Result<Option<Uuid>, ServiceError> {
    let body = actor.registration_body().ok_or(ServiceError::Forbidden)?;
    let mut conn = services.conn().await?;
    Ok(register::action_by_external_id(&mut conn, body.id, external_id).await?)
}

/// The body's residents, by surname (optionally those whose surname starts so).
pub async fn residents(
    services: &Services,
    actor: &Actor,
    surname_prefix: Option<&str>,
    offset: i64,
    limit: i64,
) -> Result<Page<Resident>, ServiceError> {
    let body = actor.registration_body().ok_or(ServiceError::Forbidden)?;
    let mut conn = services.conn().await?;
    let rows = register::residents(&mut conn, body.id, surname_prefix, offset, limit).await?;
    let total = match known_total(rows.len(), offset, limit) {
        Some(n) => n,
        None => register::count_residents(&mut conn, body.id, surname_prefix).await?,
    };
    let shown: Vec<Uuid> = rows.iter().map(|r| r.person_id).collect();
    let details = serde_json::json!({"persons": shown, "search": surname_prefix.is_some()});
    let page = Page {
        rows,
        total,
        offset,
        limit,
    };
    audited(
        &mut conn,
        actor,
        "register.residents_listed",
        None,
        details,
        page,
    )
    .await
}

/// A person and their actions at this body. The person must be the body's resident now or have
/// an action of this body; anyone else is not found.
pub async fn person(
    services: &Services,
    actor: &Actor,
    person_id: Uuid,
) -> Result<(Option<Resident>, Vec<ActionRow>), ServiceError> {
    let body = actor.registration_body().ok_or(ServiceError::Forbidden)?;
    let mut conn = services.conn().await?;
    let resident = register::resident(&mut conn, body.id, person_id).await?;
    let filter = ActionFilter {
        person_id: Some(person_id),
        ..ActionFilter::default()
    };
    let history = register::actions(&mut conn, body.id, &filter, 0, 200).await?;
    if resident.is_none() && history.is_empty() {
        return Err(ServiceError::NotFound);
    }
    let shown: Vec<Uuid> = history.iter().map(|r| r.id).collect();
    let details = serde_json::json!({"actions": shown});
    let value = (resident, history);
    audited(
        &mut conn,
        actor,
        "register.person_read",
        Some(person_id.to_string()),
        details,
        value,
    )
    .await
}

/// The extract (витяг) for a resident: their current residence registered by this body.
pub async fn extract(
    services: &Services,
    actor: &Actor,
    person_id: Uuid,
) -> Result<Resident, ServiceError> {
    let body = actor.registration_body().ok_or(ServiceError::Forbidden)?;
    let mut conn = services.conn().await?;
    let resident = register::resident(&mut conn, body.id, person_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let details = serde_json::json!({"action": resident.action_id});
    audited(
        &mut conn,
        actor,
        "register.extract_made",
        Some(person_id.to_string()),
        details,
        resident,
    )
    .await
}

/// The body's notices, newest first; `since` narrows to the recent ones.
pub async fn notices(
    services: &Services,
    actor: &Actor,
    since: Option<chrono::DateTime<chrono::Utc>>,
    offset: i64,
    limit: i64,
) -> Result<Vec<Notice>, ServiceError> {
    let body = actor.registration_body().ok_or(ServiceError::Forbidden)?;
    let mut conn = services.conn().await?;
    let list = register::notices(&mut conn, body.id, since, offset, limit).await?;
    let ids: Vec<Uuid> = list.iter().map(|n| n.action_id).collect();
    let details = serde_json::json!({"actions": ids});
    audited(&mut conn, actor, "notifications.read", None, details, list).await
}

/// The settlements of the body's territorial community, by name (reference data: not audited).
pub async fn settlements(
    services: &Services,
    actor: &Actor,
) -> Result<Vec<Settlement>, ServiceError> {
    let body = actor.registration_body().ok_or(ServiceError::Forbidden)?;
    let mut conn = services.conn().await?;
    Ok(register::settlements(&mut conn, &body.hromada_katottg).await?)
}

/// One verification request addressed to the body; reading it is audited (it names a person).
pub async fn request(
    services: &Services,
    actor: &Actor,
    id: Uuid,
) -> Result<dms_db::verification_requests::Request, ServiceError> {
    let body = actor.registration_body().ok_or(ServiceError::Forbidden)?;
    let mut conn = services.conn().await?;
    let request = dms_db::verification_requests::request(&mut conn, id)
        .await?
        .filter(|r| r.registration_body_id == body.id)
        .ok_or(ServiceError::NotFound)?;
    audited(
        &mut conn,
        actor,
        "verification_request.read",
        Some(id.to_string()),
        serde_json::json!({}),
        request,
    )
    .await
}

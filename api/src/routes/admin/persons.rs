//! `/admin/v1/persons/{id}/history`: every registration action about a person, in every
//! community, oldest first (officers for persons with an action in their territory,
//! supervisors for everyone). The person's id is in the staff search's results.

use crate::extract::{OfficersAndSupervisors, StaffMember};
use crate::problem::{ApiError, Problem};
use crate::routes::resource::resource;
use crate::routes::views::ts;
use crate::state::AppState;
use actix_web::web::{self, Data};
use actix_web::HttpResponse;
use dms_db::search::HistoryEntry;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};
use uuid::Uuid;

/// One action in a person's history.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryView {
    pub action_id: Uuid,
    pub dms_number: String,
    /// `declaration_of_residence`, …, `cancellation`.
    pub action_type: String,
    pub action_date: String,
    pub received_at: String,
    /// Received on a later Kyiv day than its date.
    pub late: bool,
    /// Loaded from the register's history (a bulk load).
    pub historical: bool,
    pub registration_body_edrpou: String,
    pub registration_body_name: String,
    /// КАТОТТГ of the address (a cancellation: the cancelled action's).
    pub katottg: Option<String>,
    /// A cancellation: the action it cancels.
    pub cancels_action_id: Option<Uuid>,
    /// The cancellation of this action, when it was cancelled.
    pub cancelled_by_action_id: Option<Uuid>,
    /// A move: the residence action it ended, and that action's registration body.
    pub previous_action_id: Option<Uuid>,
    pub previous_registration_body_edrpou: Option<String>,
    /// Where it is in the feed to ЄДДР: `held`, `pending`, `in_dataset`, `accepted`,
    /// `rejected`.
    pub feed_state: Option<String>,
    pub dataset: Option<i64>,
    /// ЄДДР's reason for a rejection.
    pub feed_reason: Option<String>,
}

impl From<HistoryEntry> for HistoryView {
    fn from(e: HistoryEntry) -> Self {
        HistoryView {
            action_id: e.id,
            dms_number: e.dms_number,
            action_type: e.action_type.to_string(),
            action_date: e.action_date.to_string(),
            received_at: ts(e.received_at),
            late: e.late,
            historical: e.historical,
            registration_body_edrpou: e.registration_body_edrpou,
            registration_body_name: e.registration_body_name,
            katottg: e.katottg,
            cancels_action_id: e.cancels_action_id,
            cancelled_by_action_id: e.cancelled_by_id,
            previous_action_id: e.previous_action_id,
            previous_registration_body_edrpou: e.previous_body_edrpou,
            feed_state: e.feed_state.map(|s| s.as_str().to_owned()),
            dataset: e.dataset_seq,
            feed_reason: e.feed_reason,
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct IdPath {
    id: String,
}

/// A person's history across communities, oldest first (officers and supervisors): moves,
/// cancellations, registration bodies, dates, receipt and feed state. An officer sees only a
/// person with an action inside their territory (anyone else is 404). Audited as a view of
/// personal data.
#[utoipa::path(get, path = "/admin/v1/persons/{id}/history", tag = "staff",
    params(("id" = Uuid, Path, description = "The person's id (`person_id` in the staff search's results)")),
    responses(
        (status = 200, body = [HistoryView]),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32))),
    ),
    security(("staff" = [])))]
pub async fn history(
    who: StaffMember<OfficersAndSupervisors>,
    path: web::Path<IdPath>,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = Uuid::parse_str(&path.id).map_err(|_| ApiError::NotFound)?;
    let entries = dms_service::persons::history(&state.services, &who.actor, id).await?;
    Ok(HttpResponse::Ok().json(
        entries
            .into_iter()
            .map(HistoryView::from)
            .collect::<Vec<_>>(),
    ))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/admin/v1/persons/{id}/history", "GET").route(web::get().to(history)));
}

#[derive(OpenApi)]
#[openapi(paths(history), components(schemas(HistoryView)))]
pub struct Doc;

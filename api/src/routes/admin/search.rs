//! `/admin/v1/registration-actions`: staff search registration actions by the person.

use crate::extract::{OfficersAndSupervisors, StaffMember};
use crate::problem::{ApiError, Problem};
use crate::routes::resource::resource;
use crate::routes::views::ts;
use crate::state::AppState;
use actix_web::web::{self, Data};
use actix_web::HttpResponse;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use uuid::Uuid;

#[derive(Debug, Deserialize, IntoParams)]
pub struct SearchQuery {
    pub unzr: Option<String>,
    pub rnokpp: Option<String>,
    pub document_type: Option<String>,
    pub document_number: Option<String>,
    pub surname: Option<String>,
    pub birth_date: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FoundAction {
    pub action_id: Uuid,
    pub dms_number: String,
    pub action_type: String,
    pub action_date: String,
    pub received_at: String,
    pub registration_body_edrpou: String,
    /// The document as the registration body sent it.
    #[schema(value_type = Object)]
    pub document: serde_json::Value,
    /// The person's id: their history is `/admin/v1/persons/{person_id}/history` (none for a
    /// cancellation).
    pub person_id: Option<Uuid>,
}

/// Search registration actions by the person (officers within their territory, supervisors
/// everywhere). Every search is audited with what was asked and which records were returned.
#[utoipa::path(get, path = "/admin/v1/registration-actions", tag = "staff",
    params(SearchQuery),
    responses(
        (status = 200, body = [FoundAction]),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32))),
    ),
    security(("staff" = [])))]
pub async fn search(
    who: StaffMember<OfficersAndSupervisors>,
    query: web::Query<SearchQuery>,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let query = dms_service::search::Query {
        unzr: q.unzr,
        rnokpp: q.rnokpp,
        document_type: q.document_type,
        document_number: q.document_number,
        surname: q.surname,
        birth_date: q.birth_date,
    };
    let found = dms_service::search::search(&state.services, &who.actor, &query).await?;
    let visible: Vec<FoundAction> = found
        .into_iter()
        .map(|f| FoundAction {
            action_id: f.id,
            dms_number: f.dms_number,
            action_type: f.action_type.to_string(),
            action_date: f.action_date.to_string(),
            received_at: ts(f.received_at),
            registration_body_edrpou: f.registration_body_edrpou,
            document: f.body,
            person_id: f.person_id,
        })
        .collect();
    Ok(HttpResponse::Ok().json(visible))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/admin/v1/registration-actions", "GET").route(web::get().to(search)));
}

#[derive(OpenApi)]
#[openapi(paths(search), components(schemas(FoundAction)))]
pub struct Doc;

//! `/admin/v1/bulk-load-conflicts`: persons whose loaded history shows them resident in two
//! communities at once (the loaded action moved them in while another community's residence
//! action stood). History notifies no community; DMS staff resolve these.

use crate::extract::{StaffMember, SupervisorsAndAuditors};
use crate::problem::{ApiError, Problem};
use crate::routes::paging;
use crate::routes::resource::resource;
use crate::state::AppState;
use actix_web::web::{self, Data};
use actix_web::HttpResponse;
use dms_service::receipt;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use uuid::Uuid;

/// A person a bulk load found resident in two communities at once.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConflictView {
    /// Page with `after`.
    pub id: i64,
    pub load_id: Uuid,
    /// The line of the load that moved the person in.
    pub line: i32,
    pub person_id: Uuid,
    /// The loaded action that moved the person in.
    pub action_id: Uuid,
    pub dms_number: String,
    pub action_date: String,
    pub registration_body_edrpou: String,
    /// The other community's residence action that stood.
    pub other_action_id: Uuid,
    pub other_dms_number: String,
    pub other_action_date: String,
    pub other_registration_body_edrpou: String,
    pub found_at: String,
}

impl From<&dms_db::bulk::ConflictRow> for ConflictView {
    fn from(c: &dms_db::bulk::ConflictRow) -> Self {
        ConflictView {
            id: c.id,
            load_id: c.load_id,
            line: c.line_no,
            person_id: c.person_id,
            action_id: c.action_id,
            dms_number: c.dms_number.clone(),
            action_date: c.action_date.to_string(),
            registration_body_edrpou: c.registration_body_edrpou.clone(),
            other_action_id: c.other_action_id,
            other_dms_number: c.other_dms_number.clone(),
            other_action_date: c.other_action_date.to_string(),
            other_registration_body_edrpou: c.other_registration_body_edrpou.clone(),
            found_at: receipt::timestamp(c.found_at),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConflictsQuery {
    /// Conflicts after this id (default 0: from the first).
    #[param(minimum = 0)]
    pub after: Option<i64>,
    /// At most this many (1–1000, default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
}

/// Conflicts found by bulk loads, oldest first (supervisors and auditors): each names the
/// person, the loaded action and the other community's action, with their DMS numbers, dates
/// and registration bodies; a full page has `Link: rel="next"`.
#[utoipa::path(get, path = "/admin/v1/bulk-load-conflicts", tag = "staff",
    params(ConflictsQuery),
    responses(
        (status = 200, description = "The conflicts", body = [ConflictView],
            headers(("Link" = String, description = "`<…?after=…>; rel=\"next\"` when the page is full"))),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32))),
    ),
    security(("staff" = [])))]
pub async fn list(
    who: StaffMember<SupervisorsAndAuditors>,
    query: web::Query<ConflictsQuery>,
    req: actix_web::HttpRequest,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (after, limit) = paging::checked(query.after, query.limit, 100, 1000)?;
    let rows = dms_service::bulk::conflicts(&state.services, &who.actor, after, limit).await?;
    let mut res = HttpResponse::Ok();
    let last = rows.last().map(|r| r.id.to_string());
    paging::link_next(&mut res, &req, rows.len(), limit, last);
    Ok(res.json(rows.iter().map(ConflictView::from).collect::<Vec<_>>()))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/admin/v1/bulk-load-conflicts", "GET").route(web::get().to(list)));
}

#[derive(OpenApi)]
#[openapi(paths(list), components(schemas(ConflictView)))]
pub struct Doc;

//! `/admin/v1/verification-requests`: DMS officers ask registration bodies to check or clarify
//! a person's residence (rule 5), and staff follow the requests and their deadlines.

use crate::extract::{JsonBytes, Officers, OfficersAndSupervisors, StaffMember};
use crate::problem::{ApiError, Problem};
use crate::routes::resource::resource;
use crate::routes::views::{StateFilter, VerificationRequestView};
use crate::state::AppState;
use actix_web::web::{self, Data};
use actix_web::HttpResponse;
use dms_schemas::time::kyiv_date;
use dms_service::verification_requests as requests;
use utoipa::OpenApi;

/// Create a verification request to a registration body (officers, within their territory).
#[utoipa::path(post, path = "/admin/v1/verification-requests", tag = "staff",
    request_body(content = Object, content_type = "application/json", description = "A document valid against verification-request.v1"),
    responses(
        (status = 201, body = VerificationRequestView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32))),
    ),
    security(("staff" = [])))]
pub async fn create(
    who: StaffMember<Officers>,
    body: JsonBytes,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let body = body.bytes()?;
    let r = requests::create(&state.services, &who.actor, &body).await?;
    Ok(HttpResponse::Created()
        .insert_header((
            "location",
            format!("/admin/v1/verification-requests/{}", r.id),
        ))
        .json(VerificationRequestView::of(
            &r,
            kyiv_date(chrono::Utc::now()),
        )))
}

/// Verification requests as staff see them: officers only those to registration bodies inside
/// their territory; `?state=overdue` lists the overdue ones. Newest first, paged (`after`,
/// `limit`; a full page has a `Link: <…>; rel="next"` header).
#[utoipa::path(get, path = "/admin/v1/verification-requests", tag = "staff",
    params(StateFilter),
    responses(
        (status = 200, body = [VerificationRequestView]),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32))),
    ),
    security(("staff" = [])))]
pub async fn list_for_staff(
    who: StaffMember<OfficersAndSupervisors>,
    filter: web::Query<StateFilter>,
    req: actix_web::HttpRequest,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (filter, body, paging) = filter.check()?;
    let listed =
        requests::list_for_staff(&state.services, &who.actor, filter, body.as_ref(), paging)
            .await?;
    Ok(VerificationRequestView::page(&req, &listed, paging))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/admin/v1/verification-requests", "GET, POST")
            .route(web::post().to(create))
            .route(web::get().to(list_for_staff)),
    );
}

#[derive(OpenApi)]
#[openapi(paths(create, list_for_staff))]
pub struct Doc;

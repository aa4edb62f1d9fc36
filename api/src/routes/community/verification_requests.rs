//! `/v1/verification-requests`: the registration body lists the requests DMS sent it (listing
//! is their receipt, which fixes each one's due date) and answers them.

use crate::extract::{Caller, JsonBytes};
use crate::problem::{ApiError, Problem};
use crate::routes::resource::resource;
use crate::routes::views::{OwnStateFilter, VerificationRequestView};
use crate::state::AppState;
use actix_web::web::{self, Data};
use actix_web::HttpResponse;
use serde::Deserialize;
use utoipa::OpenApi;
use uuid::Uuid;

/// The registration body's verification requests, oldest first, paged (`after`, `limit`; a full
/// page has a `Link: <…>; rel="next"` header). Listing is the receipt of every request not
/// received before (also those this page or filter does not show): its due date is fixed now.
#[utoipa::path(get, path = "/v1/verification-requests", tag = "verification requests",
    params(OwnStateFilter),
    responses(
        (status = 200, body = [VerificationRequestView]),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32))),
    ),
    security(("bearer" = []), ("trembita" = [])))]
pub async fn list_for_body(
    Caller(actor): Caller,
    filter: web::Query<OwnStateFilter>,
    req: actix_web::HttpRequest,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (filter, paging) = filter.check()?;
    let listed =
        dms_service::verification_requests::list_for_body(&state.services, &actor, filter, paging)
            .await?;
    Ok(VerificationRequestView::page(&req, &listed, paging))
}

#[derive(Debug, Deserialize)]
pub struct IdPath {
    id: String,
}

/// Answer a verification request. Within 24 hours of the first answer the registration body may
/// correct it by answering again (the first answer is kept and shown as `first_answer`; the
/// deadline counts the first); the same answer sent again is a retry and changes nothing; a
/// different answer after the window is refused with 409.
#[utoipa::path(post, path = "/v1/verification-requests/{id}/answer", tag = "verification requests",
    params(("id" = String, Path)),
    request_body(content = Object, content_type = "application/json", description = "A document valid against verification-answer.v1"),
    responses(
        (status = 200, body = VerificationRequestView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32))),
    ),
    security(("bearer" = []), ("trembita" = [])))]
pub async fn answer(
    Caller(actor): Caller,
    path: web::Path<IdPath>,
    body: JsonBytes,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let body = body.bytes()?;
    let id = Uuid::parse_str(&path.id).map_err(|_| ApiError::NotFound)?;
    let (today, r, _) =
        dms_service::verification_requests::answer(&state.services, &actor, id, &body).await?;
    Ok(HttpResponse::Ok().json(VerificationRequestView::of(&r, today)))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/v1/verification-requests", "GET").route(web::get().to(list_for_body)))
        .service(
            resource("/v1/verification-requests/{id}/answer", "POST").route(web::post().to(answer)),
        );
}

#[derive(OpenApi)]
#[openapi(
    paths(list_for_body, answer),
    components(schemas(VerificationRequestView))
)]
pub struct Doc;

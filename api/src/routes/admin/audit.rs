//! `/admin/v1/audit/verify`: auditors re-check the audit log's hash chain.

use crate::extract::{Auditors, StaffMember};
use crate::problem::{ApiError, Problem};
use crate::routes::resource::resource;
use crate::state::AppState;
use actix_web::web::{self, Data};
use actix_web::HttpResponse;
use utoipa::OpenApi;

/// Re-check the audit log's hash chain (auditors): walks the seals in order and looks for rows
/// older than the last seal run's horizon that no seal covers (`holes`); names the first broken
/// or missing row and gives the chain's head.
#[utoipa::path(get, path = "/admin/v1/audit/verify", tag = "staff",
    responses(
        (status = 200, description = "sealed_rows, first_broken (null when intact), reason, holes, head {seq, audit_id, hash, sealed_at}", body = Object),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32))),
    ),
    security(("staff" = [])))]
pub async fn verify_audit(
    who: StaffMember<Auditors>,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let result = dms_service::audit_log::verify(&state.services, &who.actor, None).await?;
    Ok(HttpResponse::Ok().json(result))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/admin/v1/audit/verify", "GET").route(web::get().to(verify_audit)));
}

#[derive(OpenApi)]
#[openapi(paths(verify_audit))]
pub struct Doc;

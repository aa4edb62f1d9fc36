//! `/v1/sandbox/reset`: in the sandbox only, a vendor removes its own actions and everything
//! hanging from them (receipts, feed items, moves, notices, verification requests, bulk loads),
//! to try every case again from a clean start. Elsewhere the path does not exist.

use crate::extract::Caller;
use crate::problem::{ApiError, Problem};
use crate::routes::resource::resource;
use crate::state::AppState;
use actix_web::web::{self, Data};
use actix_web::HttpResponse;
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

#[derive(Debug, Serialize, ToSchema)]
pub struct SandboxReset {
    /// How many of the caller's actions were removed.
    pub removed_actions: i32,
}

/// Sandbox only: remove the caller's own data (its actions and what hangs from them, its
/// verification requests and bulk loads). The audit log keeps its rows. `404` outside the
/// sandbox.
#[utoipa::path(post, path = "/v1/sandbox/reset", tag = "sandbox",
    responses(
        (status = 200, body = SandboxReset),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The database is not a sandbox", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not the sandbox", body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32))),
    ),
    security(("bearer" = []), ("trembita" = [])))]
pub async fn reset(Caller(actor): Caller, state: Data<AppState>) -> Result<HttpResponse, ApiError> {
    if !state.sandbox {
        return Err(ApiError::NotFound);
    }
    let removed_actions = dms_service::sandbox::reset(&state.services, &actor).await?;
    Ok(HttpResponse::Ok().json(SandboxReset { removed_actions }))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/v1/sandbox/reset", "POST").route(web::post().to(reset)));
}

#[derive(OpenApi)]
#[openapi(paths(reset), components(schemas(SandboxReset)))]
pub struct Doc;

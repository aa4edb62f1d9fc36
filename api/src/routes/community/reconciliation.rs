//! `/v1/reconciliation/{date}`: a Kyiv day's digest of the caller's actions received that day —
//! their count and a SHA-256 over the sorted `(external_id, body_sha256)` pairs — so that a
//! register compares a day with one call and lists the day's actions only when it differs.

use crate::extract::Caller;
use crate::problem::{ApiError, Problem};
use crate::routes::resource::resource;
use crate::state::AppState;
use actix_web::web::{self, Data};
use actix_web::HttpResponse;
use dms_service::receipt;
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

#[derive(Debug, Serialize, ToSchema)]
pub struct DayDigestView {
    /// The Kyiv calendar day.
    pub date: String,
    /// The day in UTC: actions received at or after `received_from` and before `received_to`.
    pub received_from: String,
    pub received_to: String,
    /// How many of the caller's actions DMS received that day.
    pub count: usize,
    /// Hex SHA-256 over the lines `external_id` TAB `body_sha256` (hex) LF, one per action,
    /// sorted by `external_id` byte for byte (the SHA-256 of the empty string when none).
    pub sha256: String,
}

/// The digest of the caller's actions received on a Kyiv calendar day.
#[utoipa::path(get, path = "/v1/reconciliation/{date}", tag = "registration actions",
    params(("date" = String, Path, description = "A Kyiv calendar day, YYYY-MM-DD")),
    responses(
        (status = 200, body = DayDigestView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32))),
    ),
    security(("bearer" = []), ("trembita" = [])))]
pub async fn day(
    Caller(actor): Caller,
    date: web::Path<String>,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let d = dms_service::reconciliation::day(&state.services, &actor, &date).await?;
    Ok(HttpResponse::Ok().json(DayDigestView {
        date: d.date.to_string(),
        received_from: receipt::timestamp(d.from),
        received_to: receipt::timestamp(d.to),
        count: d.count,
        sha256: d.sha256,
    }))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/v1/reconciliation/{date}", "GET").route(web::get().to(day)));
}

#[derive(OpenApi)]
#[openapi(paths(day), components(schemas(DayDigestView)))]
pub struct Doc;

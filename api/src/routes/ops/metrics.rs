//! `/metrics` (Prometheus text format), served on the operations listener only, never on a
//! listener that registration bodies reach; with `metrics_token` set it asks for that bearer
//! token.

use crate::problem::ApiError;
use crate::routes::resource::resource;
use crate::state::AppState;
use actix_web::web::{self, Data};
use actix_web::{HttpRequest, HttpResponse};
use utoipa::OpenApi;

/// Prometheus metrics in the text exposition format (operations listener).
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses(
        (status = 200, description = "Prometheus text format", body = String, content_type = "text/plain"),
        (status = 401, description = "DMS_METRICS_TOKEN is set and the request does not carry it as a bearer token", body = crate::problem::Problem, content_type = "application/problem+json"),
    ))]
pub async fn metrics(req: HttpRequest, state: Data<AppState>) -> Result<HttpResponse, ApiError> {
    if let Some(expected) = &state.metrics_token {
        let presented = req
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        let matches = presented.is_some_and(|p| {
            use sha2::Digest;
            // Compare digests, so the time taken says nothing about the token.
            sha2::Sha256::digest(p.as_bytes()) == sha2::Sha256::digest(expected.as_bytes())
        });
        if !matches {
            return Err(ApiError::Unauthenticated);
        }
    }
    // Feed gauges are best effort: without the database the HTTP metrics are still served.
    if let Ok(mut conn) = state.services.conn().await {
        if let Ok(rows) = dms_db::actions::feed_gauges(&mut conn).await {
            state.metrics.feed.reset();
            for r in rows {
                state
                    .metrics
                    .feed
                    .with_label_values(&[r.kind.as_str(), r.state.as_str()])
                    .set(r.value);
            }
        }
    }
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(state.metrics.render()))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/metrics", "GET").route(web::get().to(metrics)));
}

#[derive(OpenApi)]
#[openapi(paths(metrics))]
pub struct Doc;

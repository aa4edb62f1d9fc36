//! `/admin/v1/calendar-overrides`: supervisors declare a day a working day or a day off.

use crate::extract::{Json, StaffMember, Supervisors};
use crate::problem::{ApiError, Problem};
use crate::routes::resource::resource;
use crate::state::AppState;
use actix_web::web::{self, Data};
use actix_web::HttpResponse;
use serde::Deserialize;
use utoipa::{OpenApi, ToSchema};

#[derive(Debug, Deserialize, ToSchema)]
pub struct CalendarOverride {
    /// The day (YYYY-MM-DD).
    pub day: chrono::NaiveDate,
    /// true: a working day; false: a day off.
    pub working: bool,
    pub reason: String,
}

/// Declare a day a working day or a day off (supervisors); deadlines of requests received from
/// now on take it into account.
#[utoipa::path(post, path = "/admin/v1/calendar-overrides", tag = "staff",
    request_body = CalendarOverride,
    responses(
        (status = 204, description = "Recorded"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32))),
    ),
    security(("staff" = [])))]
pub async fn set_calendar_override(
    who: StaffMember<Supervisors>,
    body: Json<CalendarOverride>,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let o = body.value()?;
    dms_service::calendar::set_override(&state.services, &who.actor, o.day, o.working, &o.reason)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/admin/v1/calendar-overrides", "POST")
            .route(web::post().to(set_calendar_override)),
    );
}

#[derive(OpenApi)]
#[openapi(paths(set_calendar_override), components(schemas(CalendarOverride)))]
pub struct Doc;

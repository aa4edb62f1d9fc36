//! `/admin/v1/calendar-overrides`: supervisors declare a day a working day or a day off.

use crate::extract::{AllStaff, Json, StaffMember, Supervisors};
use crate::problem::{ApiError, Problem};
use crate::routes::resource::resource;
use crate::state::AppState;
use actix_web::web::{self, Data};
use actix_web::HttpResponse;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

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

/// A calendar override as listed.
#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarOverrideView {
    pub day: String,
    /// true: a working day; false: a day off.
    pub working: bool,
    pub reason: String,
    /// The supervisor who set it (none when set before staff were recorded).
    pub set_by: Option<uuid::Uuid>,
    pub set_by_name: Option<String>,
    pub set_at: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OverridesQuery {
    /// Days from this one (inclusive).
    pub from: Option<chrono::NaiveDate>,
    /// Days until this one (inclusive; not before `from`).
    pub to: Option<chrono::NaiveDate>,
}

/// The calendar's overrides, in day order (officers, supervisors and auditors): each day's
/// working flag, the reason, who set it and when; `from`/`to` narrow the days.
#[utoipa::path(get, path = "/admin/v1/calendar-overrides", tag = "staff",
    params(OverridesQuery),
    responses(
        (status = 200, body = [CalendarOverrideView]),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32))),
    ),
    security(("staff" = [])))]
pub async fn list_calendar_overrides(
    who: StaffMember<AllStaff>,
    query: web::Query<OverridesQuery>,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let listed =
        dms_service::calendar::overrides(&state.services, &who.actor, query.from, query.to).await?;
    let views: Vec<CalendarOverrideView> = listed
        .into_iter()
        .map(|o| CalendarOverrideView {
            day: o.day.to_string(),
            working: o.working,
            reason: o.reason,
            set_by: o.created_by,
            set_by_name: o.created_by_name,
            set_at: crate::routes::views::ts(o.created_at),
        })
        .collect();
    Ok(HttpResponse::Ok().json(views))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/admin/v1/calendar-overrides", "GET, POST")
            .route(web::post().to(set_calendar_override))
            .route(web::get().to(list_calendar_overrides)),
    );
}

#[derive(OpenApi)]
#[openapi(
    paths(set_calendar_override, list_calendar_overrides),
    components(schemas(CalendarOverride, CalendarOverrideView))
)]
pub struct Doc;

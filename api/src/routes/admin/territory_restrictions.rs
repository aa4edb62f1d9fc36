//! `/admin/v1/territory-restrictions`: bans on registration actions in a territory for a date
//! range (CMU 1450/2021).

use crate::extract::{Json, OfficersAndSupervisors, StaffMember, Supervisors};
use crate::problem::{ApiError, Problem};
use crate::routes::resource::resource;
use crate::state::AppState;
use actix_web::web::{self, Data};
use actix_web::HttpResponse;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};
use uuid::Uuid;

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewRestriction {
    /// КАТОТТГ of any level: everything inside it is banned.
    pub katottg: String,
    pub from: chrono::NaiveDate,
    /// Inclusive; absent = until lifted.
    pub to: Option<chrono::NaiveDate>,
    /// The military command's decision the ban rests on.
    pub legal_basis: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RestrictionView {
    pub id: Uuid,
    pub katottg: String,
    pub from: String,
    /// The ban's last day as it was set (inclusive); absent: until lifted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    pub legal_basis: String,
    /// The last day the ban is in force: `ended.last_day` when it was ended early, else `to`;
    /// absent: until lifted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effective_to: Option<String>,
    /// Present when the ban was ended early.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ended: Option<RestrictionEnded>,
}

/// How a ban was ended early.
#[derive(Debug, Serialize, ToSchema)]
pub struct RestrictionEnded {
    /// The last day the ban was in force (inclusive).
    pub last_day: String,
    pub reason: String,
    /// The supervisor who ended it.
    pub by: Option<Uuid>,
    pub at: Option<String>,
}

impl From<dms_db::restrictions::Restriction> for RestrictionView {
    fn from(r: dms_db::restrictions::Restriction) -> Self {
        RestrictionView {
            id: r.id,
            effective_to: r.effective_to().map(|d| d.to_string()),
            ended: r.ended_last_day.map(|d| RestrictionEnded {
                last_day: d.to_string(),
                reason: r.ended_reason.clone().unwrap_or_default(),
                by: r.ended_by,
                at: r.ended_at.map(crate::routes::views::ts),
            }),
            katottg: r.katottg,
            from: r.from_date.to_string(),
            to: r.to_date.map(|d| d.to_string()),
            legal_basis: r.legal_basis,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndRestriction {
    /// The last day the ban is in force (inclusive): within the ban (the day before its first
    /// day calls it off), and not before yesterday
    /// (Kyiv).
    pub last_day: chrono::NaiveDate,
    /// Why it ends early (e.g. the military command's decision).
    pub reason: String,
}

/// Ban registration actions in a territory for a date range (supervisors; CMU 1450/2021).
#[utoipa::path(post, path = "/admin/v1/territory-restrictions", tag = "staff",
    request_body = NewRestriction,
    responses(
        (status = 201, body = RestrictionView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32))),
    ),
    security(("staff" = [])))]
pub async fn add_restriction(
    who: StaffMember<Supervisors>,
    body: Json<NewRestriction>,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let r = body.value()?;
    let new = dms_service::restrictions::NewRestriction {
        katottg: r.katottg,
        from: r.from,
        to: r.to,
        legal_basis: r.legal_basis,
    };
    let stored = dms_service::restrictions::add(&state.services, &who.actor, &new).await?;
    Ok(HttpResponse::Created().json(RestrictionView::from(stored)))
}

/// Territorial bans (supervisors and officers), with their ends when ended early.
#[utoipa::path(get, path = "/admin/v1/territory-restrictions", tag = "staff",
    responses(
        (status = 200, body = [RestrictionView]),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32))),
    ),
    security(("staff" = [])))]
pub async fn list_restrictions(
    who: StaffMember<OfficersAndSupervisors>,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let all: Vec<RestrictionView> = dms_service::restrictions::list(&state.services, &who.actor)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    Ok(HttpResponse::Ok().json(all))
}

#[derive(Debug, Deserialize)]
pub struct IdPath {
    id: String,
}

/// End a ban early (supervisors): it stays in force until `last_day` (inclusive), which must
/// lie within the ban and not before yesterday (Kyiv: lifted from today at the earliest, no
/// retroactive change). A ban ends once;
/// a second end is `409 restriction_already_ended`. The intake and the listing use the new
/// last day at once.
#[utoipa::path(post, path = "/admin/v1/territory-restrictions/{id}/end", tag = "staff",
    params(("id" = Uuid, Path, description = "The ban's id")),
    request_body = EndRestriction,
    responses(
        (status = 200, description = "The ban as it now stands", body = RestrictionView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The ban was already ended (`restriction_already_ended`)", body = Problem, content_type = "application/problem+json"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32))),
    ),
    security(("staff" = [])))]
pub async fn end_restriction(
    who: StaffMember<Supervisors>,
    path: web::Path<IdPath>,
    body: Json<EndRestriction>,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = Uuid::parse_str(&path.id).map_err(|_| ApiError::NotFound)?;
    let b = body.value()?;
    let end = dms_service::restrictions::EndRestriction {
        last_day: b.last_day,
        reason: b.reason,
    };
    let ended = dms_service::restrictions::end(&state.services, &who.actor, id, &end).await?;
    Ok(HttpResponse::Ok().json(RestrictionView::from(ended)))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/admin/v1/territory-restrictions", "GET, POST")
            .route(web::post().to(add_restriction))
            .route(web::get().to(list_restrictions)),
    )
    .service(
        resource("/admin/v1/territory-restrictions/{id}/end", "POST")
            .route(web::post().to(end_restriction)),
    );
}

#[derive(OpenApi)]
#[openapi(
    paths(add_restriction, list_restrictions, end_restriction),
    components(schemas(NewRestriction, RestrictionView, RestrictionEnded, EndRestriction))
)]
pub struct Doc;

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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    pub legal_basis: String,
}

impl From<dms_db::restrictions::Restriction> for RestrictionView {
    fn from(r: dms_db::restrictions::Restriction) -> Self {
        RestrictionView {
            id: r.id,
            katottg: r.katottg,
            from: r.from_date.to_string(),
            to: r.to_date.map(|d| d.to_string()),
            legal_basis: r.legal_basis,
        }
    }
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

/// Territorial bans (supervisors and officers).
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

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/admin/v1/territory-restrictions", "GET, POST")
            .route(web::post().to(add_restriction))
            .route(web::get().to(list_restrictions)),
    );
}

#[derive(OpenApi)]
#[openapi(
    paths(add_restriction, list_restrictions),
    components(schemas(NewRestriction, RestrictionView))
)]
pub struct Doc;

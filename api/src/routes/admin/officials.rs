//! Officials of registration bodies on the web interface (the hosted community register):
//! supervisors add them (the answer carries the one-time set-up link), list them, reset them
//! (a new link; sessions end) and disable them. The same operations as `dms-api official …`.

use crate::extract::{Json, StaffMember, Supervisors};
use crate::problem::{ApiError, Problem};
use crate::routes::resource::resource;
use crate::state::AppState;
use actix_web::web::{self, Data};
use actix_web::HttpResponse;
use dms_service::officials::{self, Invited};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewOfficial {
    /// 3–64 lower-case Latin letters, digits, `.`, `_` or `-`, starting with a letter or digit.
    pub login: String,
    /// Full name, as the pages and the audit log show it.
    pub name: String,
}

/// An official with a new one-time set-up link: hand it to the official only (it works once).
#[derive(Debug, Serialize, ToSchema)]
pub struct SetupLink {
    pub login: String,
    pub name: String,
    /// Where the official sets a password and enrols a TOTP authenticator.
    pub setup_url: String,
    pub setup_expires_at: chrono::DateTime<chrono::Utc>,
}

/// An official as listed (no secrets).
#[derive(Debug, Serialize, ToSchema)]
pub struct OfficialView {
    pub login: String,
    pub name: String,
    /// `active`, `awaiting_setup`, `locked` or `disabled`.
    pub state: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

fn link(state: &AppState, invited: Invited) -> SetupLink {
    SetupLink {
        setup_url: format!("{}/setup/{}", state.web_base, invited.setup_secret),
        login: invited.official.login,
        name: invited.official.name,
        setup_expires_at: invited.setup_expires_at,
    }
}

#[derive(Debug, Deserialize)]
pub struct EdrpouPath {
    edrpou: String,
}

#[derive(Debug, Deserialize)]
pub struct LoginPath {
    login: String,
}

/// Add an official to a registration body (supervisors); the answer carries their one-time
/// set-up link (valid 72 hours).
#[utoipa::path(post, path = "/admin/v1/registration-bodies/{edrpou}/officials", tag = "staff",
    params(("edrpou" = String, Path)), request_body = NewOfficial,
    responses(
        (status = 201, body = SetupLink),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32))),
    ),
    security(("staff" = [])))]
pub async fn add_official(
    who: StaffMember<Supervisors>,
    path: web::Path<EdrpouPath>,
    body: Json<NewOfficial>,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let b = body.value()?;
    let invited =
        officials::add(&state.services, &who.actor, &path.edrpou, &b.login, &b.name).await?;
    Ok(HttpResponse::Created().json(link(&state, invited)))
}

/// The officials of a registration body (supervisors).
#[utoipa::path(get, path = "/admin/v1/registration-bodies/{edrpou}/officials", tag = "staff",
    params(("edrpou" = String, Path)),
    responses(
        (status = 200, body = [OfficialView]),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32))),
    ),
    security(("staff" = [])))]
pub async fn list_officials(
    who: StaffMember<Supervisors>,
    path: web::Path<EdrpouPath>,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let now = chrono::Utc::now();
    let list: Vec<OfficialView> = officials::of_body(&state.services, &who.actor, &path.edrpou)
        .await?
        .into_iter()
        .map(|o| OfficialView {
            state: if o.disabled_at.is_some() {
                "disabled"
            } else if !o.can_sign_in() {
                "awaiting_setup"
            } else if o.locked_until.is_some_and(|u| u > now) {
                "locked"
            } else {
                "active"
            }
            .into(),
            login: o.login,
            name: o.name,
            created_at: o.created_at,
        })
        .collect();
    Ok(HttpResponse::Ok().json(list))
}

/// Start an official over (supervisors): a new one-time link; password, authenticator, lock and
/// disabling cleared; every session ended.
#[utoipa::path(post, path = "/admin/v1/officials/{login}/reset", tag = "staff",
    params(("login" = String, Path)),
    responses(
        (status = 200, body = SetupLink),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32))),
    ),
    security(("staff" = [])))]
pub async fn reset_official(
    who: StaffMember<Supervisors>,
    path: web::Path<LoginPath>,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let invited = officials::reset(&state.services, &who.actor, &path.login).await?;
    Ok(HttpResponse::Ok().json(link(&state, invited)))
}

/// Disable an official (supervisors): no sign-in, every session ended at once.
#[utoipa::path(post, path = "/admin/v1/officials/{login}/disable", tag = "staff",
    params(("login" = String, Path)),
    responses(
        (status = 204, description = "Disabled"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32))),
    ),
    security(("staff" = [])))]
pub async fn disable_official(
    who: StaffMember<Supervisors>,
    path: web::Path<LoginPath>,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    officials::disable(&state.services, &who.actor, &path.login).await?;
    Ok(HttpResponse::NoContent().finish())
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource(
            "/admin/v1/registration-bodies/{edrpou}/officials",
            "GET, POST",
        )
        .route(web::post().to(add_official))
        .route(web::get().to(list_officials)),
    )
    .service(
        resource("/admin/v1/officials/{login}/reset", "POST").route(web::post().to(reset_official)),
    )
    .service(
        resource("/admin/v1/officials/{login}/disable", "POST")
            .route(web::post().to(disable_official)),
    );
}

#[derive(OpenApi)]
#[openapi(
    paths(add_official, list_officials, reset_official, disable_official),
    components(schemas(NewOfficial, SetupLink, OfficialView))
)]
pub struct Doc;

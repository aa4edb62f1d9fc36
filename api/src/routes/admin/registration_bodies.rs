//! `/admin/v1/registration-bodies`: supervisors register bodies, suspend and reactivate them,
//! and issue and revoke their credentials. Each operation is its own route.

use crate::extract::{Json, StaffMember, Supervisors};
use crate::problem::{ApiError, Problem};
use crate::routes::resource::resource;
use crate::state::AppState;
use actix_web::web::{self, Data};
use actix_web::HttpResponse;
use dms_db::enums::{BodyStatus, CredentialKind};
use dms_service::bodies;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};
use uuid::Uuid;

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewBody {
    pub edrpou: String,
    pub name: String,
    /// КАТОТТГ of the hromada (or special-status city).
    pub hromada: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BodyView {
    pub id: Uuid,
    pub edrpou: String,
    pub name: String,
    pub hromada: String,
    /// `active` or `suspended`.
    #[schema(value_type = String)]
    pub status: BodyStatus,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct Credential {
    /// A token to revoke, a Трембіта client id INSTANCE/CLASS/MEMBER/SUBSYSTEM, or a client
    /// certificate's SHA-256 fingerprint (64 hex digits, colons allowed) to add or revoke.
    pub value: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IssuedToken {
    /// The credential's id: list or revoke it by this.
    pub id: Uuid,
    /// Shown once; only its hash is stored.
    pub token: String,
}

/// One credential of a registration body; a token is never shown, only its hash prefix.
#[derive(Debug, Serialize, ToSchema)]
pub struct CredentialView {
    pub id: Uuid,
    /// `token`, `trembita`, …
    pub kind: String,
    /// A token's `sha256:` hash prefix (12 hex digits), or a Трембіта client id.
    pub value: String,
    pub label: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub revoked_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Create a registration body (supervisors); an existing ЄДРПОУ returns the existing body.
#[utoipa::path(post, path = "/admin/v1/registration-bodies", tag = "staff", request_body = NewBody,
    responses(
        (status = 201, body = BodyView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32))),
    ),
    security(("staff" = [])))]
pub async fn create_body(
    who: StaffMember<Supervisors>,
    body: Json<NewBody>,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let b = body.value()?;
    let new = bodies::NewBody {
        edrpou: b.edrpou,
        name: b.name,
        hromada: b.hromada,
    };
    let stored = bodies::register(&state.services, &who.actor, &new).await?;
    Ok(HttpResponse::Created().json(BodyView {
        id: stored.id,
        edrpou: stored.edrpou,
        name: stored.name,
        hromada: stored.hromada_katottg,
        status: stored.status,
    }))
}

#[derive(Debug, Deserialize)]
pub struct EdrpouPath {
    edrpou: String,
}

async fn set_status(
    who: StaffMember<Supervisors>,
    path: web::Path<EdrpouPath>,
    state: Data<AppState>,
    status: BodyStatus,
) -> Result<HttpResponse, ApiError> {
    let target = bodies::find(&state.services, &path.edrpou).await?;
    bodies::set_status(&state.services, &who.actor, &target, status).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Suspend a registration body (supervisors): its submissions are refused with 403 at once.
#[utoipa::path(post, path = "/admin/v1/registration-bodies/{edrpou}/suspend", tag = "staff",
    params(("edrpou" = String, Path)),
    responses(
        (status = 204, description = "Suspended"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32))),
    ),
    security(("staff" = [])))]
pub async fn suspend_body(
    who: StaffMember<Supervisors>,
    path: web::Path<EdrpouPath>,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    set_status(who, path, state, BodyStatus::Suspended).await
}

/// Reactivate a suspended registration body (supervisors).
#[utoipa::path(post, path = "/admin/v1/registration-bodies/{edrpou}/reactivate", tag = "staff",
    params(("edrpou" = String, Path)),
    responses(
        (status = 204, description = "Active again"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32))),
    ),
    security(("staff" = [])))]
pub async fn reactivate_body(
    who: StaffMember<Supervisors>,
    path: web::Path<EdrpouPath>,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    set_status(who, path, state, BodyStatus::Active).await
}

/// Issue a bearer token to the registration body (supervisors); shown once.
#[utoipa::path(post, path = "/admin/v1/registration-bodies/{edrpou}/tokens", tag = "staff",
    params(("edrpou" = String, Path)),
    responses(
        (status = 201, body = IssuedToken),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32))),
    ),
    security(("staff" = [])))]
pub async fn issue_token(
    who: StaffMember<Supervisors>,
    path: web::Path<EdrpouPath>,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let target = bodies::find(&state.services, &path.edrpou).await?;
    let issued = bodies::issue_token(&state.services, &who.actor, &target, None, "admin").await?;
    Ok(HttpResponse::Created().json(IssuedToken {
        id: issued.id,
        token: issued.token,
    }))
}

/// A registration body's credentials with their ids, revoked ones too (supervisors); a
/// token's value is never shown, only a prefix of its hash.
#[utoipa::path(get, path = "/admin/v1/registration-bodies/{edrpou}/credentials", tag = "staff",
    params(("edrpou" = String, Path)),
    responses(
        (status = 200, body = [CredentialView]),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32))),
    ),
    security(("staff" = [])))]
pub async fn list_credentials(
    who: StaffMember<Supervisors>,
    path: web::Path<EdrpouPath>,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let target = bodies::find(&state.services, &path.edrpou).await?;
    let listed = bodies::credentials(&state.services, &who.actor, &target).await?;
    let views: Vec<CredentialView> = listed
        .into_iter()
        .map(|c| CredentialView {
            id: c.id,
            kind: c.kind.as_str().to_owned(),
            value: c.shown,
            label: c.label,
            created_at: c.created_at,
            revoked_at: c.revoked_at,
        })
        .collect();
    Ok(HttpResponse::Ok().json(views))
}

#[derive(Debug, Deserialize)]
pub struct IdPath {
    id: String,
}

/// Revoke a registration body's credential by its id, whatever its kind (supervisors); an
/// unknown or already revoked id is 404.
#[utoipa::path(post, path = "/admin/v1/credentials/{id}/revoke", tag = "staff",
    params(("id" = String, Path)),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No live credential with this id", body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32))),
    ),
    security(("staff" = [])))]
pub async fn revoke_credential(
    who: StaffMember<Supervisors>,
    path: web::Path<IdPath>,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = Uuid::parse_str(&path.id).map_err(|_| ApiError::NotFound)?;
    if !bodies::revoke_credential_by_id(&state.services, &who.actor, id).await? {
        return Err(ApiError::NotFound);
    }
    Ok(HttpResponse::NoContent().finish())
}

/// Revoke one of the registration body's bearer tokens (supervisors).
#[utoipa::path(post, path = "/admin/v1/registration-bodies/{edrpou}/tokens-revoke", tag = "staff",
    params(("edrpou" = String, Path)),
    request_body = Credential,
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such registration body, or the value is not a live credential of it", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32))),
    ),
    security(("staff" = [])))]
pub async fn revoke_token(
    who: StaffMember<Supervisors>,
    path: web::Path<EdrpouPath>,
    body: Json<Credential>,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    revoke(who, path, body, state, CredentialKind::Token).await
}

/// Register a Трембіта client id of the registration body (supervisors).
#[utoipa::path(post, path = "/admin/v1/registration-bodies/{edrpou}/trembita-clients", tag = "staff",
    params(("edrpou" = String, Path)),
    request_body = Credential,
    responses(
        (status = 204, description = "Registered"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The client id was revoked; it is not added again", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32))),
    ),
    security(("staff" = [])))]
pub async fn add_trembita_client(
    who: StaffMember<Supervisors>,
    path: web::Path<EdrpouPath>,
    body: Json<Credential>,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let target = bodies::find(&state.services, &path.edrpou).await?;
    let client = body.value()?.value;
    bodies::add_trembita_client(&state.services, &who.actor, &target, &client).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Revoke a Трембіта client id of the registration body (supervisors).
#[utoipa::path(post, path = "/admin/v1/registration-bodies/{edrpou}/trembita-clients-revoke", tag = "staff",
    params(("edrpou" = String, Path)),
    request_body = Credential,
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such registration body, or the value is not a live credential of it", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32))),
    ),
    security(("staff" = [])))]
pub async fn revoke_trembita_client(
    who: StaffMember<Supervisors>,
    path: web::Path<EdrpouPath>,
    body: Json<Credential>,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    revoke(who, path, body, state, CredentialKind::Trembita).await
}

/// Register a client certificate of the registration body by its SHA-256 fingerprint, for the
/// direct channel in `mtls` mode (supervisors).
#[utoipa::path(post, path = "/admin/v1/registration-bodies/{edrpou}/client-certificates", tag = "staff",
    params(("edrpou" = String, Path)),
    request_body = Credential,
    responses(
        (status = 204, description = "Registered"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32))),
    ),
    security(("staff" = [])))]
pub async fn add_client_certificate(
    who: StaffMember<Supervisors>,
    path: web::Path<EdrpouPath>,
    body: Json<Credential>,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let target = bodies::find(&state.services, &path.edrpou).await?;
    let fingerprint = body.value()?.value;
    bodies::add_client_certificate(&state.services, &who.actor, &target, &fingerprint, "").await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Revoke a client certificate of the registration body, by its SHA-256 fingerprint
/// (supervisors).
#[utoipa::path(post, path = "/admin/v1/registration-bodies/{edrpou}/client-certificates-revoke", tag = "staff",
    params(("edrpou" = String, Path)),
    request_body = Credential,
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such registration body, or the value is not a live credential of it", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32))),
    ),
    security(("staff" = [])))]
pub async fn revoke_client_certificate(
    who: StaffMember<Supervisors>,
    path: web::Path<EdrpouPath>,
    body: Json<Credential>,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    revoke(who, path, body, state, CredentialKind::Certificate).await
}

async fn revoke(
    who: StaffMember<Supervisors>,
    path: web::Path<EdrpouPath>,
    body: Json<Credential>,
    state: Data<AppState>,
    kind: CredentialKind,
) -> Result<HttpResponse, ApiError> {
    let target = bodies::find(&state.services, &path.edrpou).await?;
    let value = body.value()?.value;
    let revoked =
        bodies::revoke_credential(&state.services, &who.actor, kind, &value, Some(&target)).await?;
    // A credential that is not a live one of this body is not silently "revoked".
    if !revoked {
        return Err(ApiError::NotFound);
    }
    Ok(HttpResponse::NoContent().finish())
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    const BODY: &str = "/admin/v1/registration-bodies/{edrpou}";
    cfg.service(
        resource("/admin/v1/registration-bodies", "GET, POST")
            .route(web::post().to(create_body))
            .route(web::get().to(super::registration_bodies_read::list_bodies)),
    )
    .service(resource(&format!("{BODY}/suspend"), "POST").route(web::post().to(suspend_body)))
    .service(resource(&format!("{BODY}/reactivate"), "POST").route(web::post().to(reactivate_body)))
    .service(resource(&format!("{BODY}/tokens"), "POST").route(web::post().to(issue_token)))
    .service(resource(&format!("{BODY}/credentials"), "GET").route(web::get().to(list_credentials)))
    .service(
        resource("/admin/v1/credentials/{id}/revoke", "POST")
            .route(web::post().to(revoke_credential)),
    )
    .service(resource(&format!("{BODY}/tokens-revoke"), "POST").route(web::post().to(revoke_token)))
    .service(
        resource(&format!("{BODY}/trembita-clients"), "POST")
            .route(web::post().to(add_trembita_client)),
    )
    .service(
        resource(&format!("{BODY}/trembita-clients-revoke"), "POST")
            .route(web::post().to(revoke_trembita_client)),
    )
    .service(
        resource(&format!("{BODY}/client-certificates"), "POST")
            .route(web::post().to(add_client_certificate)),
    )
    .service(
        resource(&format!("{BODY}/client-certificates-revoke"), "POST")
            .route(web::post().to(revoke_client_certificate)),
    );
}

#[derive(OpenApi)]
#[openapi(
    paths(
        create_body,
        suspend_body,
        reactivate_body,
        issue_token,
        list_credentials,
        revoke_credential,
        revoke_token,
        add_trembita_client,
        revoke_trembita_client,
        add_client_certificate,
        revoke_client_certificate
    ),
    components(schemas(NewBody, BodyView, Credential, IssuedToken, CredentialView))
)]
pub struct Doc;

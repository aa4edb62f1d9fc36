//! Reading `/admin/v1/registration-bodies` (supervisors and auditors): the bodies searched by
//! name or ЄДРПОУ, and one body with its credentials and officials. No secret is ever shown:
//! a token only by its id, label and dates. (The changes are in `registration_bodies.rs`,
//! which registers the listing beside the creation on the same path.)

use crate::extract::{StaffMember, SupervisorsAndAuditors};
use crate::problem::{ApiError, Problem};
use crate::routes::paging;
use crate::routes::resource::resource;
use crate::routes::views::ts;
use crate::state::AppState;
use actix_web::web::{self, Data};
use actix_web::HttpResponse;
use dms_db::enums::BodyStatus;
use dms_schemas::{FieldCode, FieldError};
use dms_service::bodies::{self, BodyDetail, BodyQuery, CredentialInfo, NamedCredential};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use uuid::Uuid;

/// A registration body in the listing.
#[derive(Debug, Serialize, ToSchema)]
pub struct BodySummary {
    pub id: Uuid,
    pub edrpou: String,
    pub name: String,
    /// КАТОТТГ of its hromada.
    pub hromada: String,
    /// `active` or `suspended`.
    #[schema(value_type = String)]
    pub status: BodyStatus,
    pub created_at: String,
}

impl From<&dms_db::bodies::RegistrationBody> for BodySummary {
    fn from(b: &dms_db::bodies::RegistrationBody) -> Self {
        BodySummary {
            id: b.id,
            edrpou: b.edrpou.clone(),
            name: b.name.clone(),
            hromada: b.hromada_katottg.clone(),
            status: b.status,
            created_at: ts(b.created_at),
        }
    }
}

/// A bearer token of a body: never its value or hash.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenInfo {
    /// Revoke it by this (`POST /admin/v1/credentials/{id}/revoke`).
    pub id: Uuid,
    pub label: String,
    pub created_at: String,
    /// After this it authenticates no one.
    pub expires_at: Option<String>,
    pub revoked_at: Option<String>,
}

/// A Трембіта client id of a body.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrembitaClientInfo {
    pub id: Uuid,
    /// INSTANCE/CLASS/MEMBER/SUBSYSTEM.
    pub client: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

/// A client certificate of a body (the direct channel in `mtls` mode).
#[derive(Debug, Serialize, ToSchema)]
pub struct CertificateInfo {
    pub id: Uuid,
    /// SHA-256 fingerprint of the certificate (64 lower-case hex digits).
    pub fingerprint: String,
    /// The label given when it was registered (e.g. the certificate's subject).
    pub label: String,
    /// Registered at; with `valid_until`, the period it is accepted in.
    pub created_at: String,
    /// Accepted until then, when registered with an expiry.
    pub valid_until: Option<String>,
    pub revoked_at: Option<String>,
}

/// An official of the body (no secrets).
#[derive(Debug, Serialize, ToSchema)]
pub struct BodyOfficial {
    pub login: String,
    pub name: String,
    /// `active`, `awaiting_setup`, `locked` or `disabled`.
    pub state: String,
    pub created_at: String,
}

/// One registration body with its credentials and officials.
#[derive(Debug, Serialize, ToSchema)]
pub struct BodyDetailView {
    #[serde(flatten)]
    pub body: BodySummary,
    pub tokens: Vec<TokenInfo>,
    pub trembita_clients: Vec<TrembitaClientInfo>,
    pub client_certificates: Vec<CertificateInfo>,
    pub officials: Vec<BodyOfficial>,
}

fn token(c: &CredentialInfo) -> TokenInfo {
    TokenInfo {
        id: c.id,
        label: c.label.clone(),
        created_at: ts(c.created_at),
        expires_at: c.expires_at.map(ts),
        revoked_at: c.revoked_at.map(ts),
    }
}

impl From<&BodyDetail> for BodyDetailView {
    fn from(d: &BodyDetail) -> Self {
        let trembita = |n: &NamedCredential| TrembitaClientInfo {
            id: n.info.id,
            client: n.value.clone(),
            created_at: ts(n.info.created_at),
            revoked_at: n.info.revoked_at.map(ts),
        };
        let certificate = |n: &NamedCredential| CertificateInfo {
            id: n.info.id,
            fingerprint: n.value.clone(),
            label: n.info.label.clone(),
            created_at: ts(n.info.created_at),
            valid_until: n.info.expires_at.map(ts),
            revoked_at: n.info.revoked_at.map(ts),
        };
        BodyDetailView {
            body: (&d.body).into(),
            tokens: d.tokens.iter().map(token).collect(),
            trembita_clients: d.trembita_clients.iter().map(trembita).collect(),
            client_certificates: d.client_certificates.iter().map(certificate).collect(),
            officials: d
                .officials
                .iter()
                .map(|o| BodyOfficial {
                    login: o.login.clone(),
                    name: o.name.clone(),
                    state: o.state.to_owned(),
                    created_at: ts(o.created_at),
                })
                .collect(),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BodiesQuery {
    /// A piece of the name (any case) or of the ЄДРПОУ.
    #[param(min_length = 1, max_length = 200)]
    pub q: Option<String>,
    /// `active` or `suspended`.
    pub status: Option<String>,
    /// Bodies after this ЄДРПОУ, as a number (the last one of the previous page; default 0:
    /// from the first).
    #[param(minimum = 0)]
    pub after: Option<i64>,
    /// At most this many (1–500, default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

impl BodiesQuery {
    fn check(&self) -> Result<BodyQuery, ApiError> {
        let mut errors = match paging::checked(self.after, self.limit, 100, 500) {
            Err(ApiError::SchemaViolation(e)) => e,
            _ => Vec::new(),
        };
        if let Some(q) = &self.q {
            if q.is_empty() || q.chars().count() > 200 || q.chars().any(char::is_control) {
                errors.push(FieldError::new(
                    "/q",
                    FieldCode::Invalid,
                    "must be 1–200 characters without control characters",
                ));
            }
        }
        let status = match self.status.as_deref().map(BodyStatus::parse) {
            Some(None) => {
                errors.push(FieldError::new(
                    "/status",
                    FieldCode::Enum,
                    "must be active or suspended",
                ));
                None
            }
            Some(Some(s)) => Some(s),
            None => None,
        };
        if !errors.is_empty() {
            return Err(ApiError::SchemaViolation(errors));
        }
        let (after, limit) = paging::checked(self.after, self.limit, 100, 500)?;
        Ok(BodyQuery {
            q: self.q.clone(),
            status,
            after: (after > 0).then(|| format!("{after:08}")),
            limit,
        })
    }
}

/// Registration bodies in ЄДРПОУ order (supervisors and auditors), searched by a piece of the
/// name or ЄДРПОУ (`q`), by `status`; a full page has `Link: rel="next"`.
#[utoipa::path(get, path = "/admin/v1/registration-bodies", tag = "staff",
    params(BodiesQuery),
    responses(
        (status = 200, description = "The bodies", body = [BodySummary],
            headers(("Link" = String, description = "`<…?after=…>; rel=\"next\"` when the page is full"))),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32))),
    ),
    security(("staff" = [])))]
pub async fn list_bodies(
    who: StaffMember<SupervisorsAndAuditors>,
    query: web::Query<BodiesQuery>,
    req: actix_web::HttpRequest,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let query = query.check()?;
    let rows = bodies::list(&state.services, &who.actor, &query).await?;
    let mut res = HttpResponse::Ok();
    let last = rows.last().map(|b| b.edrpou.clone());
    paging::link_next(&mut res, &req, rows.len(), query.limit, last);
    Ok(res.json(rows.iter().map(BodySummary::from).collect::<Vec<_>>()))
}

#[derive(Debug, Deserialize)]
pub struct EdrpouPath {
    edrpou: String,
}

/// One registration body (supervisors and auditors) with its credentials, revoked ones too:
/// tokens (id, label, dates; never a secret), Трембіта client ids, client certificates by
/// fingerprint, and its officials.
#[utoipa::path(get, path = "/admin/v1/registration-bodies/{edrpou}", tag = "staff",
    params(("edrpou" = String, Path)),
    responses(
        (status = 200, body = BodyDetailView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32))),
    ),
    security(("staff" = [])))]
pub async fn body_detail(
    who: StaffMember<SupervisorsAndAuditors>,
    path: web::Path<EdrpouPath>,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let detail = bodies::detail(&state.services, &who.actor, &path.edrpou).await?;
    Ok(HttpResponse::Ok().json(BodyDetailView::from(&detail)))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/admin/v1/registration-bodies/{edrpou}", "GET").route(web::get().to(body_detail)),
    );
}

#[derive(OpenApi)]
#[openapi(
    paths(list_bodies, body_detail),
    components(schemas(
        BodySummary,
        TokenInfo,
        TrembitaClientInfo,
        CertificateInfo,
        BodyOfficial,
        BodyDetailView
    ))
)]
pub struct Doc;

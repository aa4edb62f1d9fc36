//! `/v1/katottg`: the territorial codifier for register vendors — objects by the beginning of
//! their name and by parent, and the edition in use — so that a register sends the very codes
//! the intake checks addresses against.

use crate::extract::Caller;
use crate::problem::{ApiError, Problem};
use crate::routes::resource::resource;
use crate::state::AppState;
use actix_web::web::{self, Data};
use actix_web::HttpResponse;
use dms_service::receipt;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

#[derive(Debug, Deserialize, IntoParams)]
pub struct LookupQuery {
    /// The beginning of the name, any case (e.g. `Хмельн`).
    pub q: Option<String>,
    /// Only the children of this object (a КАТОТТГ code): a hromada's settlements, a city's
    /// districts.
    pub parent: Option<String>,
    /// At most this many (1–200, default 50).
    pub limit: Option<i64>,
}

/// The codifier edition in use.
#[derive(Debug, Serialize, ToSchema)]
pub struct EditionView {
    pub imported_at: String,
    /// The file's name as imported.
    pub source: String,
    /// Hex SHA-256 of that file.
    pub sha256: String,
    pub entries: i32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CodifierObject {
    pub code: String,
    /// `O` oblast, `K` special-status city, `P` raion, `H` hromada, `M` city, `T` urban-type
    /// settlement, `X` settlement, `C` village, `B` city district. An address names `K`, `M`,
    /// `T`, `X`, `C` or `B` inside the registration body's hromada.
    pub category: String,
    pub name: String,
    pub parent: Option<String>,
    /// The hromada the object lies in, when it lies in one.
    pub hromada: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LookupAnswer {
    /// The edition the objects come from (null before the codifier was imported with it named).
    pub edition: Option<EditionView>,
    pub objects: Vec<CodifierObject>,
}

/// Look up the territorial codifier by the beginning of a name, a parent, or both.
#[utoipa::path(get, path = "/v1/katottg", tag = "registration actions",
    params(LookupQuery),
    responses(
        (status = 200, body = LookupAnswer),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32))),
    ),
    security(("bearer" = []), ("trembita" = [])))]
pub async fn lookup(
    Caller(actor): Caller,
    query: web::Query<LookupQuery>,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let (edition, objects) = dms_service::codifier::lookup(
        &state.services,
        &actor,
        q.q.as_deref(),
        q.parent.as_deref(),
        q.limit,
    )
    .await?;
    Ok(HttpResponse::Ok().json(LookupAnswer {
        edition: edition.map(|e| EditionView {
            imported_at: receipt::timestamp(e.imported_at),
            source: e.source,
            sha256: e.sha256,
            entries: e.entries,
        }),
        objects: objects
            .into_iter()
            .map(|o| CodifierObject {
                code: o.code,
                category: o.category,
                name: o.name,
                parent: o.parent,
                hromada: o.hromada,
            })
            .collect(),
    }))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/v1/katottg", "GET").route(web::get().to(lookup)));
}

#[derive(OpenApi)]
#[openapi(
    paths(lookup),
    components(schemas(LookupAnswer, EditionView, CodifierObject))
)]
pub struct Doc;

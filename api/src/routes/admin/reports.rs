//! `/admin/v1/reports/{kind}`: late submissions, daily volumes, overdue answers; JSON or CSV.

use crate::extract::{StaffMember, SupervisorsAndAuditors};
use crate::problem::{ApiError, Problem};
use crate::routes::resource::resource;
use crate::state::AppState;
use actix_web::web::{self, Data};
use actix_web::HttpResponse;
use dms_db::enums::ReportKind;
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi};

#[derive(Debug, Deserialize, IntoParams)]
pub struct ReportQuery {
    pub from: chrono::NaiveDate,
    pub to: chrono::NaiveDate,
    /// `json` (default) or `csv`.
    pub format: Option<String>,
}

/// Reports (supervisors and auditors): `late` submissions per registration body and Kyiv day,
/// daily `volumes` by action type, `overdue` answers per registration body.
#[utoipa::path(get, path = "/admin/v1/reports/{kind}", tag = "staff",
    params(("kind" = String, Path, description = "late | volumes | overdue"), ReportQuery),
    responses(
        (status = 200, description = "JSON rows, or CSV with a header line", body = Object),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32))),
    ),
    security(("staff" = [])))]
pub async fn report(
    who: StaffMember<SupervisorsAndAuditors>,
    kind: web::Path<String>,
    query: web::Query<ReportQuery>,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let kind = ReportKind::parse(&kind).ok_or(ApiError::NotFound)?;
    let csv = match query.format.as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some(_) => {
            return Err(ApiError::SchemaViolation(vec![
                dms_schemas::FieldError::new(
                    "/format",
                    dms_schemas::FieldCode::Enum,
                    "must be json or csv",
                ),
            ]))
        }
    };
    let rows =
        dms_service::reports::report(&state.services, &who.actor, kind, query.from, query.to)
            .await?;
    if !csv {
        return Ok(HttpResponse::Ok().json(rows));
    }
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .body(dms_service::reports::csv(&rows)))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/admin/v1/reports/{kind}", "GET").route(web::get().to(report)));
}

#[derive(OpenApi)]
#[openapi(paths(report))]
pub struct Doc;

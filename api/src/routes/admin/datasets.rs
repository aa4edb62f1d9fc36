//! `/admin/v1/datasets`: the data sets built for ЄДДР, as supervisors and auditors follow them
//! (newest first, with ЄДДР's verdict counts), and the supervisors' re-delivery of one the
//! feeder gave up on.

use crate::extract::{StaffMember, Supervisors, SupervisorsAndAuditors};
use crate::problem::{ApiError, Problem};
use crate::routes::paging;
use crate::routes::resource::resource;
use crate::routes::views::ts;
use crate::state::AppState;
use actix_web::web::{self, Data};
use actix_web::HttpResponse;
use dms_db::datasets::DatasetRow;
use dms_db::enums::DatasetState;
use dms_schemas::{FieldCode, FieldError};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use uuid::Uuid;

/// A data set in the listing.
#[derive(Debug, Serialize, ToSchema)]
pub struct DatasetView {
    /// The sequence number (page with `after`).
    pub seq: i64,
    /// `building`, `sealed`, `delivered`, `acknowledged` or `failed`.
    #[schema(value_type = String)]
    pub state: DatasetState,
    pub record_count: i32,
    pub created_at: String,
    pub sealed_at: Option<String>,
    pub delivered_at: Option<String>,
    pub acknowledged_at: Option<String>,
    /// Delivery attempts since it was sealed (or last re-delivered).
    pub attempts: i32,
    /// When the feeder tries again (a data set that is sealed and not yet delivered).
    pub next_attempt_at: Option<String>,
    pub last_error: Option<String>,
    /// Records ЄДДР accepted.
    pub accepted: i64,
    /// Records ЄДДР rejected.
    pub rejected: i64,
}

/// One data set in detail.
#[derive(Debug, Serialize, ToSchema)]
pub struct DatasetDetail {
    #[serde(flatten)]
    pub summary: DatasetView,
    /// Records with no verdict from ЄДДР yet.
    pub awaiting: i64,
    pub first_action_id: Option<Uuid>,
    pub last_action_id: Option<Uuid>,
    /// SHA-256 (hex) of `records.jsonl`.
    pub records_sha256: Option<String>,
    /// SHA-256 (hex) of `manifest.json`.
    pub manifest_sha256: Option<String>,
    /// The previous data set's manifest hash (the chain).
    pub previous_manifest_sha256: Option<String>,
    /// The audit chain's head fixed in the manifest (none while the chain was empty).
    pub audit_head_seq: Option<i64>,
    pub audit_head_hash: Option<String>,
}

impl From<&DatasetRow> for DatasetView {
    fn from(d: &DatasetRow) -> Self {
        DatasetView {
            seq: d.seq,
            state: d.state,
            record_count: d.record_count,
            created_at: ts(d.created_at),
            sealed_at: d.sealed_at.map(ts),
            delivered_at: d.delivered_at.map(ts),
            acknowledged_at: d.acknowledged_at.map(ts),
            attempts: d.attempts,
            next_attempt_at: d.next_attempt_at.map(ts),
            last_error: d.last_error.clone(),
            accepted: d.accepted,
            rejected: d.rejected,
        }
    }
}

impl From<&DatasetRow> for DatasetDetail {
    fn from(d: &DatasetRow) -> Self {
        DatasetDetail {
            summary: d.into(),
            awaiting: d.awaiting,
            first_action_id: d.first_action_id,
            last_action_id: d.last_action_id,
            records_sha256: d.records_sha256.clone(),
            manifest_sha256: d.manifest_sha256.clone(),
            previous_manifest_sha256: d.previous_manifest_sha256.clone(),
            audit_head_seq: d.audit_head_seq,
            audit_head_hash: d.audit_head_hash.clone(),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DatasetsQuery {
    /// Only data sets in this state.
    pub state: Option<String>,
    /// Data sets older than this sequence number (the last one of the previous page; default
    /// 0: from the newest).
    #[param(minimum = 0)]
    pub after: Option<i64>,
    /// At most this many (1–500, default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// Data sets built for ЄДДР, newest first (supervisors and auditors): state, counts, times,
/// attempts and ЄДДР's verdicts; `?state=failed` lists those the feeder gave up on. A full page
/// has `Link: rel="next"`.
#[utoipa::path(get, path = "/admin/v1/datasets", tag = "staff",
    params(DatasetsQuery),
    responses(
        (status = 200, description = "The data sets", body = [DatasetView],
            headers(("Link" = String, description = "`<…?after=…>; rel=\"next\"` when the page is full"))),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32))),
    ),
    security(("staff" = [])))]
pub async fn list(
    who: StaffMember<SupervisorsAndAuditors>,
    query: web::Query<DatasetsQuery>,
    req: actix_web::HttpRequest,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let checked = paging::checked(query.after, query.limit, 100, 500);
    let wanted = match query.state.as_deref().map(DatasetState::parse) {
        None => Ok(None),
        Some(Some(s)) => Ok(Some(s)),
        Some(None) => Err(FieldError::new(
            "/state",
            FieldCode::Enum,
            "must be building, sealed, delivered, acknowledged or failed",
        )),
    };
    let ((after, limit), wanted) = match (checked, wanted) {
        (Ok(p), Ok(w)) => (p, w),
        (Err(ApiError::SchemaViolation(mut e)), w) => {
            e.extend(w.err());
            return Err(ApiError::SchemaViolation(e));
        }
        (Err(e), _) => return Err(e),
        (Ok(_), Err(e)) => return Err(ApiError::SchemaViolation(vec![e])),
    };
    let before = (after > 0).then_some(after);
    let rows =
        dms_service::datasets::list(&state.services, &who.actor, wanted, before, limit).await?;
    let mut res = HttpResponse::Ok();
    let last = rows.last().map(|r| r.seq.to_string());
    paging::link_next(&mut res, &req, rows.len(), limit, last);
    Ok(res.json(rows.iter().map(DatasetView::from).collect::<Vec<_>>()))
}

#[derive(Debug, Deserialize)]
pub struct SeqPath {
    seq: String,
}

/// A sequence number as a path names it; anything else names no data set.
fn seq_of(path: &SeqPath) -> Result<i64, ApiError> {
    path.seq
        .parse::<i64>()
        .ok()
        .filter(|s| *s > 0)
        .ok_or(ApiError::NotFound)
}

/// One data set (supervisors and auditors): its hashes, the audit head in its manifest, and
/// ЄДДР's verdicts counted (accepted, rejected, awaiting).
#[utoipa::path(get, path = "/admin/v1/datasets/{seq}", tag = "staff",
    params(("seq" = i64, Path, minimum = 1, description = "The data set's sequence number")),
    responses(
        (status = 200, body = DatasetDetail),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32))),
    ),
    security(("staff" = [])))]
pub async fn detail(
    who: StaffMember<SupervisorsAndAuditors>,
    path: web::Path<SeqPath>,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let seq = seq_of(&path)?;
    let row = dms_service::datasets::detail(&state.services, &who.actor, seq).await?;
    Ok(HttpResponse::Ok().json(DatasetDetail::from(&row)))
}

/// Deliver a failed data set again (supervisors): it goes back to `sealed` with its attempts
/// reset and due now, so the feeder's next run delivers it (ЄДДР takes a data set once by its
/// sequence number). Only a `failed` data set: any other is `409 dataset_not_failed`.
#[utoipa::path(post, path = "/admin/v1/datasets/{seq}/redeliver", tag = "staff",
    params(("seq" = i64, Path, minimum = 1, description = "The data set's sequence number")),
    responses(
        (status = 200, description = "Sealed again and due now", body = DatasetDetail),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The data set is not failed (`dataset_not_failed`)", body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32))),
    ),
    security(("staff" = [])))]
pub async fn redeliver(
    who: StaffMember<Supervisors>,
    path: web::Path<SeqPath>,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let seq = seq_of(&path)?;
    let row = dms_service::datasets::redeliver(&state.services, &who.actor, seq).await?;
    Ok(HttpResponse::Ok().json(DatasetDetail::from(&row)))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/admin/v1/datasets", "GET").route(web::get().to(list)))
        .service(resource("/admin/v1/datasets/{seq}", "GET").route(web::get().to(detail)))
        .service(
            resource("/admin/v1/datasets/{seq}/redeliver", "POST").route(web::post().to(redeliver)),
        );
}

#[derive(OpenApi)]
#[openapi(
    paths(list, detail, redeliver),
    components(schemas(DatasetView, DatasetDetail))
)]
pub struct Doc;

//! `/v1/bulk-loads`: a register hands over the data it already holds (п.22 of CMU 207) as one
//! NDJSON file, one registration action per line, and follows the load's progress and each
//! line's outcome: the receipt the single endpoint would have given, or its problem.

use crate::extract::Caller;
use crate::problem::{ApiError, Problem};
use crate::routes::paging;
use crate::routes::resource::resource;
use crate::state::AppState;
use actix_web::http::{header, StatusCode};
use actix_web::web::{self, Data};
use actix_web::{HttpRequest, HttpResponse};
use dms_db::bulk::{Load, Received};
use dms_service::bulk::{BulkError, LineOutcome, Upload};
use dms_service::receipt;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use uuid::Uuid;

/// A bulk load and how far it has come.
#[derive(Debug, Serialize, ToSchema)]
pub struct BulkLoadView {
    pub load_id: Uuid,
    /// `queued` (received, not started), `running` or `done`.
    pub state: String,
    /// The client's `Idempotency-Key`, when it sent one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub load_key: Option<String>,
    /// Hex SHA-256 of the file as received (after gzip is undone): the same file again is this load.
    pub file_sha256: String,
    pub file_bytes: i64,
    /// Lines received (blank lines are not counted).
    pub lines_received: i32,
    /// Lines stored as new actions.
    pub lines_stored: i32,
    /// Lines whose `external_id` the body had already used for the same document (an earlier
    /// load, the single endpoint, or the same line twice): the stored action stands.
    pub lines_replayed: i32,
    pub lines_refused: i32,
    /// Lines not yet applied.
    pub lines_pending: i32,
    pub received_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<String>,
    /// Where each line's outcome is listed.
    pub results: String,
}

impl From<&Load> for BulkLoadView {
    fn from(l: &Load) -> Self {
        BulkLoadView {
            load_id: l.id,
            state: l.state.clone(),
            load_key: l.load_key.clone(),
            file_sha256: hex::encode(&l.file_sha256),
            file_bytes: l.file_bytes,
            lines_received: l.lines_received,
            lines_stored: l.lines_stored,
            lines_replayed: l.lines_replayed,
            lines_refused: l.lines_refused,
            lines_pending: l.lines_received - l.lines_done(),
            received_at: receipt::timestamp(l.received_at),
            started_at: l.started_at.map(receipt::timestamp),
            finished_at: l.finished_at.map(receipt::timestamp),
            results: format!("/v1/bulk-loads/{}/results", l.id),
        }
    }
}

/// Uploads received at once by this process (each holds a connection and a transaction).
static UPLOADS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(4);

fn load_response(status: StatusCode, load: &Load) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::LOCATION, format!("/v1/bulk-loads/{}", load.id)))
        .json(BulkLoadView::from(load))
}

fn load_key(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(v) = req.headers().get("idempotency-key") else {
        return Ok(None);
    };
    let key = v
        .to_str()
        .map_err(|_| ApiError::InvalidHeader("Idempotency-Key"))?;
    let ok = !key.is_empty()
        && key.len() <= 128
        && key.as_bytes()[0].is_ascii_alphanumeric()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._:/-".contains(&b));
    if ok {
        Ok(Some(key.to_owned()))
    } else {
        Err(ApiError::InvalidHeader("Idempotency-Key"))
    }
}

fn is_ndjson(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|m| {
            let m = m.trim();
            m.eq_ignore_ascii_case("application/x-ndjson")
                || m.eq_ignore_ascii_case("application/jsonl")
        })
        .unwrap_or(false)
}

/// `Content-Encoding`: none or `gzip`.
fn gzip(req: &HttpRequest) -> Result<bool, ApiError> {
    match req
        .headers()
        .get(header::CONTENT_ENCODING)
        .map(|v| v.to_str().map(|s| s.trim().to_ascii_lowercase()))
    {
        None => Ok(false),
        Some(Ok(e)) if e == "identity" => Ok(false),
        Some(Ok(e)) if e == "gzip" || e == "x-gzip" => Ok(true),
        Some(_) => Err(ApiError::InvalidHeader("Content-Encoding")),
    }
}

/// Upload a register's existing data: NDJSON, one registration-action document per line
/// (gzip allowed). The load is applied in the background; follow it at `Location`.
#[utoipa::path(
    post,
    path = "/v1/bulk-loads",
    tag = "bulk loads",
    request_body(content = String, content_type = "application/x-ndjson",
        description = "One registration-action.v1 document per line (LF or CRLF); blank lines are skipped but counted, so results name the file's own line numbers. `Content-Encoding: gzip` allowed."),
    params(("Idempotency-Key" = Option<String>, Header, pattern = r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$", description = "Optional key of this load (1–128 characters: letters, digits and . _ : / -): the same key with the same file answers with the load it named; with another file, 422 load_key_reused; either way nothing is stored. Without it, the same file again (by SHA-256) is the same load.")),
    responses(
        (status = 202, description = "Received whole and queued", body = BulkLoadView,
            headers(("Location" = String, description = "The load's URL"))),
        (status = 200, description = "The same file or key was loaded before: that load; nothing new stored", body = BulkLoadView,
            headers(("Location" = String, description = "The load's URL"))),
        (status = 400, description = "A bad Idempotency-Key or Content-Encoding, or a body that broke off, stalled longer than the body timeout or is not gzip", body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Over the configured size or line count; nothing stored", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not application/x-ndjson", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No lines, or an Idempotency-Key already used for another file", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable, or four loads are being received already; nothing stored", body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32))),
    ),
    security(("bearer" = []), ("trembita" = []))
)]
pub async fn create(
    Caller(actor): Caller,
    req: HttpRequest,
    payload: web::Payload,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    if !is_ndjson(&req) {
        return Err(ApiError::UnsupportedMediaType("application/x-ndjson"));
    }
    let upload = Upload {
        load_key: load_key(&req)?,
        gzip: gzip(&req)?,
        idle: state.body_timeout,
    };
    // Each upload holds a database connection of its own for as long as it lasts: a few at once.
    let Ok(_slot) = UPLOADS.try_acquire() else {
        return Err(ApiError::Unavailable(
            "as many bulk loads as the service takes at once are being received",
        ));
    };
    let received =
        dms_service::bulk::upload(&state.services, &actor, upload, payload, state.bulk_limits)
            .await
            .map_err(|e| match e {
                BulkError::Service(e) => e.into(),
                BulkError::TooLarge(what) => ApiError::UploadTooLarge(what),
                BulkError::Empty => ApiError::EmptyUpload,
                BulkError::Unreadable(why) => ApiError::MalformedUpload(why),
                BulkError::KeyReused => ApiError::LoadKeyReused,
            })?;
    match received {
        Received::Created(load) => {
            state.bulk_wake.notify_one();
            Ok(load_response(StatusCode::ACCEPTED, &load))
        }
        Received::Existing(load) => Ok(load_response(StatusCode::OK, &load)),
    }
}

/// One of the caller's bulk loads: its state and counts.
#[utoipa::path(get, path = "/v1/bulk-loads/{id}", tag = "bulk loads",
    params(("id" = String, Path, description = "The load id")),
    responses(
        (status = 200, body = BulkLoadView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32))),
    ),
    security(("bearer" = []), ("trembita" = [])))]
pub async fn get_load(
    Caller(actor): Caller,
    path: web::Path<String>,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = Uuid::parse_str(&path.into_inner()).map_err(|_| ApiError::NotFound)?;
    let load = dms_service::bulk::status(&state.services, &actor, id).await?;
    Ok(HttpResponse::Ok().json(BulkLoadView::from(&load)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ResultsQuery {
    /// Lines after this line number (default 0: from the first).
    #[param(minimum = 0)]
    pub after: Option<i32>,
    /// At most this many lines (1–10000, default 1000).
    #[param(minimum = 1, maximum = 10000)]
    pub limit: Option<i64>,
}

/// One line of the results (NDJSON).
#[derive(Debug, Serialize, ToSchema)]
pub struct ResultLineView {
    /// The line number in the uploaded file.
    pub line: i32,
    /// `stored` (a receipt: the action is complete), `refused` (a problem) or `pending`.
    pub state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action_id: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dms_number: Option<String>,
    /// The same compact JWS the single endpoint returns, with `historical: true` and
    /// `bulk_load_id` (a line whose action was stored earlier carries that action's receipt).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt: Option<String>,
    /// The problem the single endpoint would have answered for this line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<Problem>,
}

/// Each line's outcome, in line order, as NDJSON; a full page has a `Link: rel="next"`.
#[utoipa::path(get, path = "/v1/bulk-loads/{id}/results", tag = "bulk loads",
    params(("id" = String, Path, description = "The load id"), ResultsQuery),
    responses(
        (status = 200, description = "One ResultLineView per line, as NDJSON (described here as the sequence of its lines)", body = [ResultLineView], content_type = "application/x-ndjson"),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`limit` out of range", body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32))),
    ),
    security(("bearer" = []), ("trembita" = [])))]
pub async fn results(
    Caller(actor): Caller,
    path: web::Path<String>,
    query: web::Query<ResultsQuery>,
    req: HttpRequest,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = Uuid::parse_str(&path.into_inner()).map_err(|_| ApiError::NotFound)?;
    let q = query.into_inner();
    let (after, limit) = paging::checked(q.after.map(i64::from), q.limit, 1000, 10_000)?;
    let after = i32::try_from(after).unwrap_or(i32::MAX);
    let (_, lines) = dms_service::bulk::results(&state.services, &actor, id, after, limit).await?;
    let mut body = Vec::new();
    for (line, outcome) in &lines {
        let view = match outcome {
            LineOutcome::Stored {
                action_id,
                dms_number,
                receipt,
            } => ResultLineView {
                line: *line,
                state: "stored",
                action_id: Some(*action_id),
                dms_number: Some(dms_number.clone()),
                receipt: Some(receipt.clone()),
                problem: None,
            },
            LineOutcome::Refused(r) => ResultLineView {
                line: *line,
                state: "refused",
                action_id: None,
                dms_number: None,
                receipt: None,
                problem: Some(ApiError::from(r.to_error()).problem()),
            },
            LineOutcome::Pending => ResultLineView {
                line: *line,
                state: "pending",
                action_id: None,
                dms_number: None,
                receipt: None,
                problem: None,
            },
        };
        serde_json::to_writer(&mut body, &view).map_err(|_| ApiError::Internal)?;
        body.push(b'\n');
    }
    let mut res = HttpResponse::Ok();
    res.content_type("application/x-ndjson");
    let last = lines.last().map(|(line, _)| line.to_string());
    paging::link_next(&mut res, &req, lines.len(), limit, last);
    Ok(res.body(body))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/v1/bulk-loads", "POST").route(web::post().to(create)))
        .service(resource("/v1/bulk-loads/{id}", "GET").route(web::get().to(get_load)))
        .service(resource("/v1/bulk-loads/{id}/results", "GET").route(web::get().to(results)));
}

#[derive(OpenApi)]
#[openapi(
    paths(create, get_load, results),
    components(schemas(BulkLoadView, ResultLineView))
)]
pub struct Doc;

//! HTTP handlers: thin — authenticate, validate into a typed value, one storage call, a DTO.

use crate::auth::{self, ChannelMode};
use crate::problem::{ApiError, Problem};
use crate::receipt::{self, RECEIPT_TYP};
use crate::state::AppState;
use crate::{canonical, request_id};
use actix_web::http::header;
use actix_web::web::{self, Data};
use actix_web::{HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use dms_db::actions::{self, CancelProblem, CancelRef, NewAction, Recorded, SignedReceipt, Stored};
use dms_db::audit::AuditEvent;
use dms_db::codifier::AddressProblem;
use dms_schemas::{time::kyiv_date, CancelTarget, FieldCode, FieldError, Subject};
use futures_util::StreamExt;
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use uuid::Uuid;

/// Request bodies above this size are refused with `413`.
pub const BODY_LIMIT: usize = 256 * 1024;

/// The answer to a submission: the action is legally complete once this is received.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReceiptResponse {
    pub action_id: Uuid,
    /// DMS registration number: `DMS-<year>-<sequence>`, gap-free per year.
    pub dms_number: String,
    pub received_at: String,
    /// Received on a later Kyiv calendar day than `/action/date`.
    pub late: bool,
    /// Always `confirmed`.
    pub state: String,
    /// Compact JWS (EdDSA) over canonical JSON; verify it against `/.well-known/jwks.json`.
    pub receipt: String,
}

impl From<&Stored> for ReceiptResponse {
    fn from(s: &Stored) -> Self {
        ReceiptResponse {
            action_id: s.id,
            dms_number: s.dms_number.clone(),
            received_at: receipt::timestamp(s.received_at),
            late: s.late,
            state: "confirmed".into(),
            receipt: s.receipt.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ActionRef {
    pub action_id: Uuid,
    pub dms_number: String,
}

/// Where the action is on its way to ЄДДР.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeedState {
    /// `pending`, `held` (person not yet in ЄДДР), `in_dataset`, `accepted` or `rejected`.
    pub state: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dataset: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ActionStateResponse {
    pub action_id: Uuid,
    pub dms_number: String,
    pub external_id: String,
    pub action_type: String,
    pub action_date: String,
    pub received_at: String,
    pub late: bool,
    /// `confirmed`, or `cancelled` once a cancellation of it was confirmed.
    pub state: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancelled_by: Option<ActionRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancels: Option<ActionRef>,
    pub feed: FeedState,
    pub receipt: String,
}

fn is_json(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|m| m.trim().eq_ignore_ascii_case("application/json"))
        .unwrap_or(false)
}

/// The request body, at most [`BODY_LIMIT`] bytes, sent within `state.body_timeout` (a client
/// that trickles or stops half-way gets `408` instead of holding a connection forever).
pub(crate) async fn read_body(
    req: &HttpRequest,
    payload: web::Payload,
    state: &AppState,
) -> Result<Vec<u8>, ApiError> {
    tokio::time::timeout(state.body_timeout, read_body_untimed(req, payload))
        .await
        .map_err(|_| ApiError::RequestTimeout)?
}

async fn read_body_untimed(
    req: &HttpRequest,
    mut payload: web::Payload,
) -> Result<Vec<u8>, ApiError> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > BODY_LIMIT) {
        return Err(ApiError::PayloadTooLarge(BODY_LIMIT));
    }
    let mut body = Vec::with_capacity(declared.unwrap_or(4096).min(BODY_LIMIT));
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| {
            ApiError::MalformedJson("the request body could not be read completely".into())
        })?;
        if body.len() + chunk.len() > BODY_LIMIT {
            return Err(ApiError::PayloadTooLarge(BODY_LIMIT));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn now_micros() -> DateTime<Utc> {
    let now = Utc::now();
    DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now)
}

fn address_error(p: AddressProblem) -> FieldError {
    let (code, message) = match p {
        AddressProblem::Unknown => (
            FieldCode::KatottgUnknown,
            "is not in the territorial codifier",
        ),
        AddressProblem::NotASettlement => (
            FieldCode::KatottgNotSettlement,
            "must name a settlement or a city district, not a larger unit",
        ),
        AddressProblem::OutsideHromada => (
            FieldCode::AddressOutsideHromada,
            "lies outside the territorial community of the registration body",
        ),
    };
    FieldError::new("/address/katottg", code, message)
}

fn cancel_error(p: CancelProblem, target: &CancelTarget) -> FieldError {
    let pointer = match target {
        CancelTarget::DmsNumber(_) => "/cancels/dms_number",
        CancelTarget::ActionId(_) => "/cancels/action_id",
    };
    let (code, message) = match p {
        CancelProblem::NotFound => (
            FieldCode::TargetNotFound,
            "names no action of this registration body",
        ),
        CancelProblem::IsCancellation => (
            FieldCode::TargetIsCancellation,
            "names a cancellation, which cannot be cancelled",
        ),
        CancelProblem::AlreadyCancelled => (
            FieldCode::TargetAlreadyCancelled,
            "names an action that is already cancelled",
        ),
    };
    FieldError::new(pointer, code, message)
}

fn receipt_response(status: actix_web::http::StatusCode, stored: &Stored) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((
            header::LOCATION,
            format!("/v1/registration-actions/{}", stored.id),
        ))
        .json(ReceiptResponse::from(stored))
}

/// Submit a registration action and receive its signed confirmation.
#[utoipa::path(
    post,
    path = "/v1/registration-actions",
    tag = "registration actions",
    request_body(content = Object, content_type = "application/json",
        description = "A document valid against registration-action.v1"),
    responses(
        (status = 201, description = "Stored and confirmed: the action is complete", body = ReceiptResponse,
            headers(("Location" = String, description = "The action's URL"))),
        (status = 200, description = "A retry of an action already confirmed: the same receipt, byte for byte", body = ReceiptResponse,
            headers(("Location" = String, description = "The action's URL"))),
        (status = 400, description = "Not well-formed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or unknown credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The registration body is suspended", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body over 256 KiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Schema or semantic errors, an external_id reused for another document, or a territory where registration actions are banned on that date", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Nothing was stored; retry after Retry-After seconds", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u32, description = "Seconds to wait"))),
    ),
    security(("bearer" = []), ("trembita" = []))
)]
pub async fn submit(
    req: HttpRequest,
    payload: web::Payload,
    state: Data<AppState>,
    mode: Data<ChannelMode>,
) -> Result<HttpResponse, ApiError> {
    let caller = auth::authenticate(&req, &state, *mode.get_ref()).await?;
    if !is_json(&req) {
        return Err(ApiError::UnsupportedMediaType);
    }
    let bytes = read_body(&req, payload, &state).await?;
    let received_at = now_micros();
    let today = kyiv_date(received_at);
    let (document, action) = crate::intake::check_document(&state.contract, &bytes, today)?;
    let (person, katottg, cancels, target, territory_path) = match &action.subject {
        Subject::Person { person, katottg } => {
            let codifier = state.codifier().await?;
            codifier
                .check_address(katottg, &caller.body.hromada_katottg)
                .map_err(|p| ApiError::ValidationFailed(vec![address_error(p)]))?;
            let key = (
                person.person_key(),
                person.unzr.as_ref().map(|u| u.as_str().to_owned()),
            );
            let path = codifier.ancestors(katottg.as_str());
            (
                Some(key),
                Some(katottg.as_str().to_owned()),
                None,
                None,
                path,
            )
        }
        Subject::Cancellation(t) => {
            let r = match t {
                CancelTarget::DmsNumber(n) => CancelRef::DmsNumber(n.clone()),
                CancelTarget::ActionId(id) => CancelRef::ActionId(*id),
            };
            (None, None, Some(r), Some(t.clone()), Vec::new())
        }
    };
    let signer = state
        .keys
        .signer()
        .ok_or(ApiError::Unavailable("no signing key is configured"))?;
    let new = NewAction {
        id: Uuid::now_v7(),
        registration_body_id: caller.body.id,
        external_id: action.external_id.clone(),
        action_type: action.action_type.as_str().to_owned(),
        action_date: action.action_date,
        person,
        katottg,
        territory_path,
        cancels,
        body: document,
        body_sha256: Sha256::digest(&bytes).into(),
        schema_version: dms_schemas::REGISTRATION_ACTION_V1_NAME.to_owned(),
        received_at,
        number_year: chrono::Datelike::year(&today),
        late: today > action.action_date,
        transport: caller.transport.clone(),
        request_id: request_id(&req),
    };
    let edrpou = caller.body.edrpou.clone();
    let sign = move |a: &actions::Assigned<'_>| {
        let claims = receipt::claims(a, &edrpou, now_micros());
        let (kid, jws) = signer.sign(RECEIPT_TYP, &canonical::to_vec(&claims));
        SignedReceipt { kid, jws }
    };
    let mut conn = dms_db::pool::get(&state.pool).await?;
    match actions::record(&mut conn, &new, &sign).await? {
        Recorded::Created(stored) => {
            state
                .metrics
                .actions_stored
                .with_label_values(&[new.action_type.as_str()])
                .inc();
            tracing::info!(action.id = %stored.id, action.type = %new.action_type, action.late = stored.late, "registration action confirmed");
            Ok(receipt_response(
                actix_web::http::StatusCode::CREATED,
                &stored,
            ))
        }
        Recorded::Replayed(stored) => {
            tracing::info!(action.id = %stored.id, "receipt replayed for a retry");
            Ok(receipt_response(actix_web::http::StatusCode::OK, &stored))
        }
        Recorded::KeyReused => Err(ApiError::IdempotencyKeyReused),
        Recorded::Restricted { legal_basis } => Err(ApiError::TerritoryRestricted(legal_basis)),
        Recorded::Cancel(p) => match target {
            Some(t) => Err(ApiError::ValidationFailed(vec![cancel_error(p, &t)])),
            None => Err(ApiError::Internal),
        },
    }
}

/// The state of one of the caller's own actions, including where it is in the feed to ЄДДР.
#[utoipa::path(
    get,
    path = "/v1/registration-actions/{id}",
    tag = "registration actions",
    params(("id" = String, Path, description = "The action id from the receipt")),
    responses(
        (status = 200, body = ActionStateResponse),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such action of this registration body", body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32))),
    ),
    security(("bearer" = []), ("trembita" = []))
)]
pub async fn get_action(
    req: HttpRequest,
    path: web::Path<String>,
    state: Data<AppState>,
    mode: Data<ChannelMode>,
) -> Result<HttpResponse, ApiError> {
    let caller = auth::authenticate(&req, &state, *mode.get_ref()).await?;
    let id = Uuid::parse_str(&path.into_inner()).map_err(|_| ApiError::NotFound)?;
    let mut conn = dms_db::pool::get(&state.pool).await?;
    let view = actions::view_for_body(&mut conn, id, caller.body.id)
        .await?
        .ok_or(ApiError::NotFound)?;
    dms_db::audit::record(
        &mut conn,
        &AuditEvent {
            actor_kind: "registration_body".into(),
            actor_id: Some(caller.body.id.to_string()),
            channel: caller.transport.channel.clone(),
            event: "registration_action.read".into(),
            target: Some(view.id.to_string()),
            request_id: Some(request_id(&req)),
            details: serde_json::json!({}),
        },
    )
    .await?;
    let cancelled_by =
        view.cancelled_by_id
            .zip(view.cancelled_by_number)
            .map(|(action_id, dms_number)| ActionRef {
                action_id,
                dms_number,
            });
    Ok(HttpResponse::Ok().json(ActionStateResponse {
        action_id: view.id,
        dms_number: view.dms_number,
        external_id: view.external_id,
        action_type: view.action_type,
        action_date: view.action_date.to_string(),
        received_at: receipt::timestamp(view.received_at),
        late: view.late,
        state: if cancelled_by.is_some() {
            "cancelled"
        } else {
            "confirmed"
        }
        .into(),
        cancelled_by,
        cancels: view
            .cancels_id
            .zip(view.cancels_number)
            .map(|(action_id, dms_number)| ActionRef {
                action_id,
                dms_number,
            }),
        feed: FeedState {
            state: view.feed_state.unwrap_or_else(|| "pending".into()),
            dataset: view.dataset_seq,
            reason: view.feed_reason,
        },
        receipt: view.receipt,
    }))
}

/// The public keys that verify receipts (and, later, data-set manifests).
#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "keys",
    responses((status = 200, description = "JSON Web Key Set (RFC 7517, OKP/Ed25519 keys)", body = Object)))]
pub async fn jwks(state: Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .json(state.keys.jwks())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checks: Option<serde_json::Map<String, serde_json::Value>>,
}

/// Liveness: the process answers.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, body = Health)))]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health {
        status: "ok".into(),
        checks: None,
    })
}

/// Readiness: the database is reachable, its migrations are current, the codifier is loaded and
/// a signing key is present.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses((status = 200, body = Health), (status = 503, body = Health, headers(("Retry-After" = u32)))))]
pub async fn readyz(state: Data<AppState>) -> HttpResponse {
    let mut checks = serde_json::Map::new();
    let database = match dms_db::pool::get(&state.pool).await {
        Ok(mut conn) => dms_db::migrations::is_current(&mut conn).await,
        Err(e) => Err(e),
    };
    let (db_ok, migrations_ok) = match database {
        Ok(current) => (true, current),
        Err(_) => (false, false),
    };
    checks.insert("database".into(), db_ok.into());
    checks.insert("migrations_current".into(), migrations_ok.into());
    let codifier_ok = db_ok && migrations_ok && state.codifier().await.is_ok();
    checks.insert("codifier".into(), codifier_ok.into());
    checks.insert("signing_key".into(), state.keys.can_sign().into());
    let ready = checks.values().all(|v| v == &serde_json::Value::Bool(true));
    let body = Health {
        status: if ready { "ready" } else { "not_ready" }.into(),
        checks: Some(checks),
    };
    if ready {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable()
            .insert_header((
                header::RETRY_AFTER,
                crate::problem::RETRY_AFTER_SECS.to_string(),
            ))
            .json(body)
    }
}

/// Prometheus metrics in the text exposition format.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus text format", body = String, content_type = "text/plain")))]
pub async fn metrics(state: Data<AppState>) -> HttpResponse {
    // Feed gauges are best effort: without the database the HTTP metrics are still served.
    if let Ok(mut conn) = dms_db::pool::get(&state.pool).await {
        if let Ok(rows) = actions::feed_gauges(&mut conn).await {
            state.metrics.feed.reset();
            for r in rows {
                state
                    .metrics
                    .feed
                    .with_label_values(&[r.kind.as_str(), r.state.as_str()])
                    .set(r.value);
            }
        }
    }
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(state.metrics.render())
}

/// This API's OpenAPI 3.1 description.
#[utoipa::path(get, path = "/openapi.json", tag = "operations",
    responses((status = 200, description = "OpenAPI 3.1 document", body = Object)))]
pub async fn openapi() -> HttpResponse {
    HttpResponse::Ok().json(crate::openapi::document())
}

/// Every unmatched route: a problem+json `404`.
pub async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::NotFound)
}

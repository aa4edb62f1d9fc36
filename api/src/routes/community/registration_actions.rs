//! `/v1/registration-actions`: a registration body submits an action and receives its signed
//! confirmation; it reads the state of its own actions.

use crate::extract::{Caller, JsonBytes};
use crate::problem::{ApiError, Problem};
use crate::routes::resource::resource;
use crate::state::AppState;
use actix_web::http::{header, StatusCode};
use actix_web::web::{self, Data};
use actix_web::HttpResponse;
use dms_db::actions::Stored;
use dms_db::enums::FeedItemState;
use dms_service::actions::Submitted;
use dms_service::receipt;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use uuid::Uuid;

/// The answer to a submission: the action is legally complete once this is received.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReceiptResponse {
    pub action_id: Uuid,
    /// DMS registration number: `DMS-<year>-<sequence>`, unique per year and increasing; it may
    /// have gaps (a number taken by a transaction that then failed is not reused).
    pub dms_number: String,
    pub received_at: String,
    /// Received on a later Kyiv calendar day than `/action/date`.
    pub late: bool,
    /// `confirmed`, as of the first answer: a retry's answer repeats the stored receipt and this
    /// value even if the action was cancelled since; `GET /v1/registration-actions/{id}` says
    /// what it is now.
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
    #[schema(value_type = String)]
    pub state: FeedItemState,
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

fn receipt_response(status: StatusCode, stored: &Stored) -> HttpResponse {
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
    Caller(actor): Caller,
    body: JsonBytes,
    req: actix_web::HttpRequest,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let bytes = body.bytes()?;
    if state.sandbox {
        sandbox_switch(&req).await?;
    }
    match dms_service::actions::submit(&state.services, &actor, &bytes).await? {
        Submitted::Created {
            stored,
            action_type,
        } => {
            state
                .metrics
                .actions_stored
                .with_label_values(&[action_type])
                .inc();
            Ok(receipt_response(StatusCode::CREATED, &stored))
        }
        Submitted::Replayed(stored) => Ok(receipt_response(StatusCode::OK, &stored)),
    }
}

/// The sandbox's switches (`api.sandbox` only): `Dms-Sandbox-Next: unavailable` answers `503`,
/// `territory_restricted` the ban's `422`, both storing nothing; `slow` answers after 5 s.
async fn sandbox_switch(req: &actix_web::HttpRequest) -> Result<(), ApiError> {
    let switch = req
        .headers()
        .get("dms-sandbox-next")
        .and_then(|v| v.to_str().ok())
        .map(str::trim);
    match switch {
        Some("unavailable") => Err(ApiError::Unavailable("sandbox: unavailable as asked")),
        Some("territory_restricted") => Err(ApiError::TerritoryRestricted(
            "sandbox: a territorial ban as asked".into(),
        )),
        Some("slow") => {
            tokio::time::sleep(std::time::Duration::from_secs(5)).await;
            Ok(())
        }
        _ => Ok(()),
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
    Caller(actor): Caller,
    path: web::Path<String>,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = Uuid::parse_str(&path.into_inner()).map_err(|_| ApiError::NotFound)?;
    let view = dms_service::actions::read_own(&state.services, &actor, id).await?;
    let pair = |id: Option<Uuid>, number: Option<String>| {
        id.zip(number).map(|(action_id, dms_number)| ActionRef {
            action_id,
            dms_number,
        })
    };
    let cancelled_by = pair(view.cancelled_by_id, view.cancelled_by_number);
    Ok(HttpResponse::Ok().json(ActionStateResponse {
        action_id: view.id,
        dms_number: view.dms_number,
        external_id: view.external_id,
        action_type: view.action_type.to_string(),
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
        cancels: pair(view.cancels_id, view.cancels_number),
        feed: FeedState {
            state: view.feed_state.unwrap_or(FeedItemState::Pending),
            dataset: view.dataset_seq,
            reason: view.feed_reason,
        },
        receipt: view.receipt,
    }))
}

/// The query of the listing of one's own actions.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ListQuery {
    /// Only actions received at or after this instant (RFC 3339).
    pub received_from: Option<String>,
    /// Only actions received before this instant (RFC 3339).
    pub received_to: Option<String>,
    /// Only the action with this `external_id` (at most one).
    pub external_id: Option<String>,
    /// Continue after this action (the last `action_id` of the previous page; a full page has a
    /// `Link: <…>; rel="next"` header).
    pub after: Option<String>,
    /// At most this many (1–1000, default 100).
    pub limit: Option<i64>,
}

/// One of the caller's own actions, as the listing shows it (no personal data).
#[derive(Debug, Serialize, ToSchema)]
pub struct OwnActionView {
    pub action_id: Uuid,
    pub external_id: String,
    pub dms_number: String,
    pub action_type: String,
    pub action_date: String,
    /// `confirmed`, or `cancelled` once a cancellation of it was confirmed.
    pub state: String,
    /// Hex SHA-256 of the exact bytes the body sent (as in the receipt).
    pub body_sha256: String,
    pub received_at: String,
}

/// The caller's own actions in the order DMS received them, cursor-paged: by a period of
/// receipt (`received_from`, `received_to`), or one by its `external_id`. For reconciling a
/// register with what DMS holds (see also `/v1/reconciliation/{date}`).
#[utoipa::path(
    get,
    path = "/v1/registration-actions",
    tag = "registration actions",
    params(ListQuery),
    responses(
        (status = 200, body = [OwnActionView],
            headers(("Link" = String, description = "`<…?after=…>; rel=\"next\"` when the page is full"))),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32))),
    ),
    security(("bearer" = []), ("trembita" = []))
)]
pub async fn list_actions(
    Caller(actor): Caller,
    query: web::Query<ListQuery>,
    req: actix_web::HttpRequest,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    use dms_service::reconciliation;
    let q = query.into_inner();
    let (filter, limit) = reconciliation::ListQuery {
        received_from: q.received_from.as_deref(),
        received_to: q.received_to.as_deref(),
        external_id: q.external_id.as_deref(),
        after: q.after.as_deref(),
        limit: q.limit,
    }
    .check()?;
    let rows = reconciliation::list(&state.services, &actor, &filter, limit).await?;
    let views: Vec<OwnActionView> = rows
        .iter()
        .map(|a| OwnActionView {
            action_id: a.id,
            external_id: a.external_id.clone(),
            dms_number: a.dms_number.clone(),
            action_type: a.action_type.to_string(),
            action_date: a.action_date.to_string(),
            state: if a.cancelled {
                "cancelled"
            } else {
                "confirmed"
            }
            .into(),
            body_sha256: hex::encode(&a.body_sha256),
            received_at: receipt::timestamp(a.received_at),
        })
        .collect();
    let mut res = HttpResponse::Ok();
    let last = views.last().map(|v| v.action_id.to_string());
    crate::routes::paging::link_next(&mut res, &req, views.len(), limit, last);
    Ok(res.json(views))
}

/// The answer of a validation: every check passed; nothing was stored and no number taken.
#[derive(Debug, Serialize, ToSchema)]
pub struct Validated {
    /// Always `true` (a document that fails a check gets the problem the submission would).
    pub valid: bool,
    pub action_type: String,
}

/// Check a registration action as a submission would — the contract, identifiers,
/// cross-checks, the address against the codifier — and store nothing: no action, no DMS
/// number, no receipt. The checks made only inside the submission's transaction (an
/// `external_id` already used, the target of a cancellation, a territorial ban) are not made.
#[utoipa::path(
    post,
    path = "/v1/registration-actions/validate",
    tag = "registration actions",
    request_body(content = Object, content_type = "application/json",
        description = "A document valid against registration-action.v1"),
    responses(
        (status = 200, description = "Every check passed; nothing stored", body = Validated),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32))),
    ),
    security(("bearer" = []), ("trembita" = []))
)]
pub async fn validate(
    Caller(actor): Caller,
    body: JsonBytes,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let bytes = body.bytes()?;
    let action_type = dms_service::actions::check(&state.services, &actor, &bytes).await?;
    Ok(HttpResponse::Ok().json(Validated {
        valid: true,
        action_type: action_type.to_owned(),
    }))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/v1/registration-actions", "GET, POST")
            .route(web::post().to(submit))
            .route(web::get().to(list_actions)),
    )
    .service(resource("/v1/registration-actions/validate", "POST").route(web::post().to(validate)))
    .service(resource("/v1/registration-actions/{id}", "GET").route(web::get().to(get_action)));
}

#[derive(OpenApi)]
#[openapi(
    paths(submit, list_actions, validate, get_action),
    components(schemas(
        ReceiptResponse,
        ActionStateResponse,
        ActionRef,
        FeedState,
        OwnActionView,
        Validated
    ))
)]
pub struct Doc;

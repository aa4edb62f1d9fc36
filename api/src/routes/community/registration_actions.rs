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
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};
use uuid::Uuid;

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
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let bytes = body.bytes()?;
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

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/v1/registration-actions", "POST").route(web::post().to(submit)))
        .service(resource("/v1/registration-actions/{id}", "GET").route(web::get().to(get_action)));
}

#[derive(OpenApi)]
#[openapi(
    paths(submit, get_action),
    components(schemas(ReceiptResponse, ActionStateResponse, ActionRef, FeedState))
)]
pub struct Doc;

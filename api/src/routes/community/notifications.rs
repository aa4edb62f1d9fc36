//! `/v1/notifications`: notices for the registration body (a resident registered elsewhere, a
//! move cancelled), cursor-paged.

use crate::extract::Caller;
use crate::problem::{ApiError, Problem};
use crate::routes::resource::resource;
use crate::state::AppState;
use actix_web::web::{self, Data};
use actix_web::HttpResponse;
use dms_db::enums::NoticeKind;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use uuid::Uuid;

#[derive(Debug, Deserialize, IntoParams)]
pub struct Cursor {
    /// Return notices after this cursor (default 0); asking acknowledges everything up to it.
    pub after: Option<i64>,
    /// At most this many (1–500, default 100).
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NoticeView {
    /// The notice's cursor.
    pub id: i64,
    /// `resident_registered_elsewhere` (your registration of residence ended on `effective_date`)
    /// or `move_cancelled` (that registration elsewhere was cancelled: yours is current again).
    #[schema(value_type = String)]
    pub kind: NoticeKind,
    pub effective_date: String,
    /// The other community's action.
    pub action_id: Uuid,
    pub dms_number: String,
    pub action_type: String,
    /// Who left, and no more: `unzr` (when the action had one), `surname`, `given_name`,
    /// `patronymic` (when given), `birth_date`. Never the document, the new address or the
    /// other community.
    pub person: NoticePerson,
    /// Your action that was ended (or restored).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_action_id: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_dms_number: Option<String>,
}

/// The person a notice names: enough to find them in your register.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoticePerson {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unzr: Option<String>,
    pub surname: String,
    pub given_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patronymic: Option<String>,
    pub birth_date: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NoticePage {
    pub items: Vec<NoticeView>,
    /// Pass this as `after` next time.
    pub next_cursor: i64,
}

/// Notices for the registration body, cursor-paged.
#[utoipa::path(get, path = "/v1/notifications", tag = "notifications",
    params(Cursor),
    responses(
        (status = 200, body = NoticePage),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32))),
    ),
    security(("bearer" = []), ("trembita" = [])))]
pub async fn notifications(
    Caller(actor): Caller,
    cursor: web::Query<Cursor>,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let after = cursor.after.unwrap_or(0);
    let limit = cursor.limit.unwrap_or(100);
    let notices = dms_service::notices::read(&state.services, &actor, after, limit).await?;
    let next_cursor = notices.last().map_or(after, |n| n.id);
    let items = notices
        .into_iter()
        .map(|n| {
            Ok(NoticeView {
                id: n.id,
                kind: n.kind,
                effective_date: n.effective_date.to_string(),
                action_id: n.action_id,
                dms_number: n.dms_number,
                action_type: n.action_type.to_string(),
                person: n
                    .person
                    .and_then(|p| serde_json::from_value(p).ok())
                    .ok_or(ApiError::Internal)?,
                previous_action_id: n.previous_action_id,
                previous_dms_number: n.previous_dms_number,
            })
        })
        .collect::<Result<_, ApiError>>()?;
    Ok(HttpResponse::Ok().json(NoticePage { items, next_cursor }))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/v1/notifications", "GET").route(web::get().to(notifications)));
}

#[derive(OpenApi)]
#[openapi(
    paths(notifications),
    components(schemas(NoticeView, NoticePerson, NoticePage))
)]
pub struct Doc;

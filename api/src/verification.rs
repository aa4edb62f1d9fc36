//! Verification requests (rule 5): DMS units ask registration bodies to check or clarify a
//! person's residence; the answer is due by the end of the third working day after receipt.
//! Receipt is the first time the community register lists (or answers) the request.

use crate::auth::{self, ChannelMode};
use crate::problem::{ApiError, Problem};
use crate::staff::{self, Role};
use crate::state::AppState;
use actix_web::web::{self, Data};
use actix_web::{HttpRequest, HttpResponse};
use dms_db::staff::{AnswerOutcome, Request};
use dms_schemas::time::kyiv_date;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Debug, Serialize, ToSchema)]
pub struct VerificationRequestView {
    pub id: Uuid,
    pub registration_body_edrpou: String,
    /// The DMS unit that asks.
    pub unit: String,
    /// Who the request is about (as the DMS unit named the person).
    #[schema(value_type = Object)]
    pub person: serde_json::Value,
    /// `confirm_current_address`, `clarify_address` or `report_deregistration`.
    pub question: String,
    pub details: String,
    pub created_at: String,
    /// When the registration body first received it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub received_at: Option<String>,
    /// End of this Kyiv day: the third working day after receipt.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_date: Option<String>,
    /// `open`, `overdue` or `answered`.
    pub state: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub answer: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answered_at: Option<String>,
}

fn ts(t: chrono::DateTime<chrono::Utc>) -> String {
    crate::receipt::timestamp(t)
}

impl VerificationRequestView {
    fn of(r: &Request, today: chrono::NaiveDate) -> Self {
        VerificationRequestView {
            id: r.id,
            registration_body_edrpou: r.registration_body_edrpou.clone(),
            unit: r.unit.clone(),
            person: r.person.clone(),
            question: r.question.clone(),
            details: r.details.clone(),
            created_at: ts(r.created_at),
            received_at: r.delivered_at.map(ts),
            due_date: r.due_date.map(|d| d.to_string()),
            state: r.state(today).into(),
            answer: r.answer.clone(),
            answered_at: r.answered_at.map(ts),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct StateFilter {
    /// `open` (default: open and overdue), `overdue`, `answered` or `all`.
    pub state: Option<String>,
    /// Only requests to this registration body (staff only).
    pub registration_body: Option<String>,
}

fn keep(state_filter: Option<&str>, state: &str) -> bool {
    match state_filter.unwrap_or("open") {
        "open" => state == "open" || state == "overdue",
        "all" => true,
        other => other == state,
    }
}

fn check_filter(f: &StateFilter) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    if !matches!(
        f.state.as_deref(),
        None | Some("open" | "overdue" | "answered" | "all")
    ) {
        errors.push(dms_schemas::FieldError::new(
            "/state",
            dms_schemas::FieldCode::Enum,
            "must be one of open, overdue, answered, all",
        ));
    }
    if let Some(Err(e)) = f
        .registration_body
        .as_deref()
        .map(dms_schemas::Edrpou::parse)
    {
        errors.push(dms_schemas::FieldError::new(
            "/registration_body",
            e.field_code(),
            format!("ЄДРПОУ: {e}"),
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::SchemaViolation(errors))
    }
}

async fn due_if_received_now(
    state: &AppState,
) -> Result<(chrono::NaiveDate, chrono::NaiveDate), ApiError> {
    let mut conn = dms_db::pool::get(&state.pool).await?;
    let calendar = dms_db::staff::calendar(&mut conn).await?;
    let today = kyiv_date(chrono::Utc::now());
    Ok((today, calendar.answer_due(today)))
}

fn parse_body(state: &AppState, bytes: &[u8], answer: bool) -> Result<serde_json::Value, ApiError> {
    let (doc, mut faults) = crate::intake::parse_json(bytes)?;
    let contract = if answer {
        &state.answer_contract
    } else {
        &state.request_contract
    };
    faults.extend(contract.validate(&doc));
    crate::intake::schema_faults(faults)?;
    Ok(doc)
}

/// The registration body's verification requests. Listing them is their receipt: the due date
/// of each newly received request is fixed now.
#[utoipa::path(get, path = "/v1/verification-requests", tag = "verification requests",
    params(StateFilter),
    responses(
        (status = 200, body = [VerificationRequestView]),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32))),
    ),
    security(("bearer" = []), ("trembita" = [])))]
pub async fn list_for_body(
    req: HttpRequest,
    filter: web::Query<StateFilter>,
    state: Data<AppState>,
    mode: Data<ChannelMode>,
) -> Result<HttpResponse, ApiError> {
    let caller = auth::authenticate(&req, &state, *mode.get_ref()).await?;
    check_filter(&filter)?;
    let (today, due) = due_if_received_now(&state).await?;
    let mut conn = dms_db::pool::get(&state.pool).await?;
    let all = dms_db::staff::deliver_and_list(&mut conn, caller.body.id, due).await?;
    let views: Vec<VerificationRequestView> = all
        .iter()
        .map(|r| VerificationRequestView::of(r, today))
        .filter(|v| keep(filter.state.as_deref(), &v.state))
        .collect();
    Ok(HttpResponse::Ok().json(views))
}

#[derive(Debug, Deserialize)]
pub struct IdPath {
    id: String,
}

/// Answer a verification request (final: a second answer is refused with 409).
#[utoipa::path(post, path = "/v1/verification-requests/{id}/answer", tag = "verification requests",
    params(("id" = String, Path)),
    request_body(content = Object, content_type = "application/json", description = "A document valid against verification-answer.v1"),
    responses(
        (status = 200, body = VerificationRequestView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32))),
    ),
    security(("bearer" = []), ("trembita" = [])))]
pub async fn answer(
    req: HttpRequest,
    path: web::Path<IdPath>,
    payload: web::Payload,
    state: Data<AppState>,
    mode: Data<ChannelMode>,
) -> Result<HttpResponse, ApiError> {
    let caller = auth::authenticate(&req, &state, *mode.get_ref()).await?;
    let body = crate::routes::read_body(&req, payload, &state).await?;
    let id = Uuid::parse_str(&path.id).map_err(|_| ApiError::NotFound)?;
    let doc = parse_body(&state, &body, true)?;
    let (today, due) = due_if_received_now(&state).await?;
    let mut conn = dms_db::pool::get(&state.pool).await?;
    match dms_db::staff::answer(&mut conn, id, caller.body.id, &doc, due).await? {
        AnswerOutcome::Answered => {}
        AnswerOutcome::AlreadyAnswered => return Err(ApiError::AlreadyAnswered),
        AnswerOutcome::NotFound => return Err(ApiError::NotFound),
    }
    let r = dms_db::staff::request(&mut conn, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(HttpResponse::Ok().json(VerificationRequestView::of(&r, today)))
}

/// Create a verification request to a registration body (officers, within their territory).
#[utoipa::path(post, path = "/admin/v1/verification-requests", tag = "staff",
    request_body(content = Object, content_type = "application/json", description = "A document valid against verification-request.v1"),
    responses(
        (status = 201, body = VerificationRequestView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32))),
    ),
    security(("staff" = [])))]
pub async fn create(
    req: HttpRequest,
    payload: web::Payload,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let who = staff::authenticate(&req, &state, &[Role::Officer]).await?;
    let body = crate::routes::read_body(&req, payload, &state).await?;
    let doc = parse_body(&state, &body, false)?;
    let edrpou = doc["registration_body_edrpou"].as_str().unwrap_or_default();
    let mut conn = dms_db::pool::get(&state.pool).await?;
    let target = dms_db::bodies::body_by_edrpou(&mut conn, edrpou)
        .await?
        .ok_or_else(|| {
            ApiError::ValidationFailed(vec![dms_schemas::FieldError::new(
                "/registration_body_edrpou",
                dms_schemas::FieldCode::UnknownRegistrationBody,
                "names no registration body",
            )])
        })?;
    let codifier = state.codifier().await?;
    if !who
        .territory
        .as_deref()
        .is_some_and(|t| codifier.lies_within(&target.hromada_katottg, t))
    {
        staff::audit(
            &state,
            &req,
            &who,
            "verification_request.refused_territory",
            None,
            serde_json::json!({"registration_body": edrpou}),
        )
        .await?;
        return Err(ApiError::Forbidden);
    }
    let r = dms_db::staff::create_request(
        &mut conn,
        target.id,
        &who,
        &doc["person"],
        doc["question"].as_str().unwrap_or_default(),
        doc["details"].as_str().unwrap_or_default(),
    )
    .await?;
    staff::audit(
        &state,
        &req,
        &who,
        "verification_request.create",
        Some(r.id.to_string()),
        serde_json::json!({"registration_body": edrpou}),
    )
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            "location",
            format!("/admin/v1/verification-requests/{}", r.id),
        ))
        .json(VerificationRequestView::of(
            &r,
            kyiv_date(chrono::Utc::now()),
        )))
}

/// Verification requests as staff see them: officers only those to registration bodies inside
/// their territory; `?state=overdue` lists the overdue ones.
#[utoipa::path(get, path = "/admin/v1/verification-requests", tag = "staff",
    params(StateFilter),
    responses(
        (status = 200, body = [VerificationRequestView]),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32))),
    ),
    security(("staff" = [])))]
pub async fn list_for_staff(
    req: HttpRequest,
    filter: web::Query<StateFilter>,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let who = staff::authenticate(&req, &state, &[Role::Officer, Role::Supervisor]).await?;
    check_filter(&filter)?;
    let today = kyiv_date(chrono::Utc::now());
    let codifier = state.codifier().await?;
    let mut conn = dms_db::pool::get(&state.pool).await?;
    let all = dms_db::staff::all_requests(&mut conn, filter.registration_body.as_deref()).await?;
    let views: Vec<VerificationRequestView> = all
        .iter()
        .filter(
            |r| match (Role::parse(&who.role), who.territory.as_deref()) {
                (Some(Role::Officer), Some(t)) => {
                    codifier.lies_within(&r.registration_body_hromada, t)
                }
                (Some(Role::Supervisor), _) => true,
                _ => false,
            },
        )
        .map(|r| VerificationRequestView::of(r, today))
        .filter(|v| keep(filter.state.as_deref(), &v.state))
        .collect();
    let ids: Vec<String> = views.iter().map(|v| v.id.to_string()).collect();
    staff::audit(
        &state,
        &req,
        &who,
        "verification_request.list",
        None,
        serde_json::json!({"returned": ids}),
    )
    .await?;
    Ok(HttpResponse::Ok().json(views))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CalendarOverride {
    /// The day (YYYY-MM-DD).
    pub day: chrono::NaiveDate,
    /// true: a working day; false: a day off.
    pub working: bool,
    pub reason: String,
}

/// Free text that must say something.
fn require_text(errors: &mut Vec<dms_schemas::FieldError>, pointer: &str, value: &str) {
    if value.trim().is_empty() {
        errors.push(dms_schemas::FieldError::new(
            pointer,
            dms_schemas::FieldCode::MinLength,
            "must not be empty",
        ));
    }
}

/// The request body as a `T` (see [`typed`]).
async fn read_typed<T: serde::de::DeserializeOwned>(
    req: &HttpRequest,
    payload: web::Payload,
    state: &AppState,
) -> Result<T, ApiError> {
    typed(&crate::routes::read_body(req, payload, state).await?)
}

fn typed<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let (value, mut faults) = crate::intake::parse_json(bytes)?;
    faults.extend(dms_schemas::contract::control_characters(&value));
    crate::intake::schema_faults(faults)?;
    serde_json::from_value(value).map_err(|e| {
        // serde's messages can quote the value; say only which rule was broken.
        let text = e.to_string();
        let message = match text.split_once("missing field `") {
            Some((_, rest)) => format!("missing member {}", rest.split('`').next().unwrap_or("")),
            None => "does not match the documented request body (a member of the wrong type or an unknown value)".to_owned(),
        };
        ApiError::SchemaViolation(vec![dms_schemas::FieldError::new(
            "",
            dms_schemas::FieldCode::Schema,
            message,
        )])
    })
}

/// Declare a day a working day or a day off (supervisors); deadlines of requests received from
/// now on take it into account.
#[utoipa::path(post, path = "/admin/v1/calendar-overrides", tag = "staff",
    request_body = CalendarOverride,
    responses(
        (status = 204, description = "Recorded"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32))),
    ),
    security(("staff" = [])))]
pub async fn set_calendar_override(
    req: HttpRequest,
    payload: web::Payload,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let who = staff::authenticate(&req, &state, &[Role::Supervisor]).await?;
    let o: CalendarOverride = read_typed(&req, payload, &state).await?;
    let mut errors = Vec::new();
    require_text(&mut errors, "/reason", &o.reason);
    if !errors.is_empty() {
        return Err(ApiError::SchemaViolation(errors));
    }
    let mut conn = dms_db::pool::get(&state.pool).await?;
    dms_db::staff::set_override(&mut conn, o.day, o.working, &o.reason, who.id).await?;
    staff::audit(
        &state,
        &req,
        &who,
        "calendar.override",
        Some(o.day.to_string()),
        serde_json::json!({"working": o.working}),
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewRestriction {
    /// КАТОТТГ of any level: everything inside it is banned.
    pub katottg: String,
    pub from: chrono::NaiveDate,
    /// Inclusive; absent = until lifted.
    pub to: Option<chrono::NaiveDate>,
    /// The military command's decision the ban rests on.
    pub legal_basis: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RestrictionView {
    pub id: Uuid,
    pub katottg: String,
    pub from: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    pub legal_basis: String,
}

impl From<dms_db::staff::Restriction> for RestrictionView {
    fn from(r: dms_db::staff::Restriction) -> Self {
        RestrictionView {
            id: r.id,
            katottg: r.katottg,
            from: r.from_date.to_string(),
            to: r.to_date.map(|d| d.to_string()),
            legal_basis: r.legal_basis,
        }
    }
}

/// Ban registration actions in a territory for a date range (supervisors; CMU 1450/2021).
#[utoipa::path(post, path = "/admin/v1/territory-restrictions", tag = "staff",
    request_body = NewRestriction,
    responses(
        (status = 201, body = RestrictionView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32))),
    ),
    security(("staff" = [])))]
pub async fn add_restriction(
    req: HttpRequest,
    payload: web::Payload,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let who = staff::authenticate(&req, &state, &[Role::Supervisor]).await?;
    let r: NewRestriction = read_typed(&req, payload, &state).await?;
    let mut errors = Vec::new();
    if state.codifier().await?.category(&r.katottg).is_none() {
        errors.push(dms_schemas::FieldError::new(
            "/katottg",
            dms_schemas::FieldCode::KatottgUnknown,
            "is not in the territorial codifier",
        ));
    }
    if r.to.is_some_and(|t| t < r.from) {
        errors.push(dms_schemas::FieldError::new(
            "/to",
            dms_schemas::FieldCode::BeforeFrom,
            "is earlier than /from",
        ));
    }
    require_text(&mut errors, "/legal_basis", &r.legal_basis);
    if !errors.is_empty() {
        return Err(ApiError::ValidationFailed(errors));
    }
    let mut conn = dms_db::pool::get(&state.pool).await?;
    let stored =
        dms_db::staff::add_restriction(&mut conn, &r.katottg, r.from, r.to, &r.legal_basis, who.id)
            .await?;
    staff::audit(
        &state,
        &req,
        &who,
        "territory_restriction.create",
        Some(stored.id.to_string()),
        serde_json::json!({"katottg": r.katottg}),
    )
    .await?;
    Ok(HttpResponse::Created().json(RestrictionView::from(stored)))
}

/// Territorial bans (supervisors and officers).
#[utoipa::path(get, path = "/admin/v1/territory-restrictions", tag = "staff",
    responses(
        (status = 200, body = [RestrictionView]),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32))),
    ),
    security(("staff" = [])))]
pub async fn list_restrictions(
    req: HttpRequest,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    staff::authenticate(&req, &state, &[Role::Supervisor, Role::Officer]).await?;
    let mut conn = dms_db::pool::get(&state.pool).await?;
    let all: Vec<RestrictionView> = dms_db::staff::restrictions(&mut conn)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    Ok(HttpResponse::Ok().json(all))
}

/// Re-check the audit log's hash chain (auditors); names the first broken row.
#[utoipa::path(get, path = "/admin/v1/audit/verify", tag = "staff",
    responses(
        (status = 200, description = "sealed_rows, first_broken (null when intact), reason", body = Object),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32))),
    ),
    security(("staff" = [])))]
pub async fn verify_audit(
    req: HttpRequest,
    state: Data<AppState>,
    settings: Data<crate::DatabaseUrl>,
) -> Result<HttpResponse, ApiError> {
    let who = staff::authenticate(&req, &state, &[Role::Auditor]).await?;
    let url = settings.0.clone();
    let result = web::block(
        move || -> anyhow::Result<dms_db::audit::chain::Verification> {
            use diesel::Connection;
            let mut conn = diesel::PgConnection::establish(&url)?;
            Ok(dms_db::audit::chain::verify(&mut conn)?)
        },
    )
    .await
    .map_err(|_| ApiError::Internal)?
    .map_err(|_| ApiError::Unavailable("the database is unavailable"))?;
    staff::audit(
        &state,
        &req,
        &who,
        "audit.verify",
        None,
        serde_json::json!({"first_broken": result.first_broken}),
    )
    .await?;
    Ok(HttpResponse::Ok().json(result))
}

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
    pub kind: String,
    pub effective_date: String,
    /// The other community's action.
    pub action_id: Uuid,
    pub dms_number: String,
    pub action_type: String,
    pub registration_body_edrpou: String,
    #[schema(value_type = Object)]
    pub person: serde_json::Value,
    /// Your action that was ended (or restored).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_action_id: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_dms_number: Option<String>,
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
    req: HttpRequest,
    cursor: web::Query<Cursor>,
    state: Data<AppState>,
    mode: Data<ChannelMode>,
) -> Result<HttpResponse, ApiError> {
    let caller = auth::authenticate(&req, &state, *mode.get_ref()).await?;
    let after = cursor.after.unwrap_or(0);
    let limit = cursor.limit.unwrap_or(100);
    let mut errors = Vec::new();
    if after < 0 {
        errors.push(dms_schemas::FieldError::new(
            "/after",
            dms_schemas::FieldCode::Minimum,
            "must be at least 0",
        ));
    }
    if !(1..=500).contains(&limit) {
        errors.push(dms_schemas::FieldError::new(
            "/limit",
            dms_schemas::FieldCode::Range,
            "must be between 1 and 500",
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::SchemaViolation(errors));
    }
    let mut conn = dms_db::pool::get(&state.pool).await?;
    let notices = dms_db::actions::notices(&mut conn, caller.body.id, after, limit).await?;
    let next_cursor = notices.last().map_or(after, |n| n.id);
    let items: Vec<NoticeView> = notices
        .into_iter()
        .map(|n| NoticeView {
            id: n.id,
            kind: n.kind,
            effective_date: n.effective_date.to_string(),
            action_id: n.action_id,
            dms_number: n.dms_number,
            action_type: n.action_type,
            registration_body_edrpou: n.registration_body_edrpou,
            person: n.person.unwrap_or(serde_json::Value::Null),
            previous_action_id: n.previous_action_id,
            previous_dms_number: n.previous_dms_number,
        })
        .collect();
    if !items.is_empty() {
        dms_db::audit::record(
            &mut conn,
            &dms_db::audit::AuditEvent {
                actor_kind: "registration_body".into(),
                actor_id: Some(caller.body.id.to_string()),
                channel: caller.transport.channel.clone(),
                event: "notifications.read".into(),
                target: None,
                request_id: Some(crate::request_id(&req)),
                details: serde_json::json!({"actions": items.iter().map(|i| i.action_id).collect::<Vec<_>>()}),
            },
        )
        .await?;
    }
    Ok(HttpResponse::Ok().json(NoticePage { items, next_cursor }))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct SearchQuery {
    pub unzr: Option<String>,
    pub rnokpp: Option<String>,
    pub document_type: Option<String>,
    pub document_number: Option<String>,
    pub surname: Option<String>,
    pub birth_date: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FoundAction {
    pub action_id: Uuid,
    pub dms_number: String,
    pub action_type: String,
    pub action_date: String,
    pub received_at: String,
    pub registration_body_edrpou: String,
    /// The document as the registration body sent it.
    #[schema(value_type = Object)]
    pub document: serde_json::Value,
}

fn search_key(q: &SearchQuery) -> Result<dms_db::staff::SearchKey, ApiError> {
    use dms_db::staff::SearchKey;
    let bad = |pointer: &str, message: &str| {
        ApiError::ValidationFailed(vec![dms_schemas::FieldError::new(
            pointer,
            dms_schemas::FieldCode::Invalid,
            message,
        )])
    };
    let texts = [
        ("/unzr", &q.unzr),
        ("/rnokpp", &q.rnokpp),
        ("/document_type", &q.document_type),
        ("/document_number", &q.document_number),
        ("/surname", &q.surname),
        ("/birth_date", &q.birth_date),
    ];
    for (pointer, value) in texts {
        if let Some(v) = value {
            if v.trim().is_empty() || v.chars().any(char::is_control) {
                return Err(bad(
                    pointer,
                    "must be non-empty text without control characters",
                ));
            }
        }
    }
    if let Some(t) = &q.document_type {
        let known = serde_json::from_value::<dms_schemas::DocumentType>(serde_json::Value::String(
            t.clone(),
        ));
        if known.is_err() {
            return Err(bad(
                "/document_type",
                "must be one of passport_booklet, id_card, birth_certificate, permanent_residence_permit, temporary_residence_permit",
            ));
        }
    }
    match q {
        SearchQuery { unzr: Some(u), .. } => dms_schemas::Unzr::parse(u)
            .map(|u| SearchKey::Unzr(u.as_str().to_owned()))
            .map_err(|e| bad("/unzr", &format!("УНЗР: {e}"))),
        SearchQuery {
            rnokpp: Some(r), ..
        } => dms_schemas::Rnokpp::parse(r)
            .map(|r| SearchKey::Rnokpp(r.as_str().to_owned()))
            .map_err(|e| bad("/rnokpp", &format!("РНОКПП: {e}"))),
        SearchQuery {
            document_type: Some(t),
            document_number: Some(n),
            ..
        } => Ok(SearchKey::Document {
            kind: t.clone(),
            number: n.clone(),
        }),
        SearchQuery {
            surname: Some(s),
            birth_date: Some(b),
            ..
        } => b
            .parse()
            .map(|birth_date| SearchKey::SurnameBirth {
                surname: s.clone(),
                birth_date,
            })
            .map_err(|_| bad("/birth_date", "must be a date (YYYY-MM-DD)")),
        _ => Err(bad(
            "",
            "search by unzr, rnokpp, document_type + document_number, or surname + birth_date",
        )),
    }
}

/// Search registration actions by the person (officers within their territory, supervisors
/// everywhere). Every search is audited with what was asked and which records were returned.
#[utoipa::path(get, path = "/admin/v1/registration-actions", tag = "staff",
    params(SearchQuery),
    responses(
        (status = 200, body = [FoundAction]),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32))),
    ),
    security(("staff" = [])))]
pub async fn search(
    req: HttpRequest,
    query: web::Query<SearchQuery>,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let who = staff::authenticate(&req, &state, &[Role::Officer, Role::Supervisor]).await?;
    let key = search_key(&query)?;
    let codifier = state.codifier().await?;
    let mut conn = dms_db::pool::get(&state.pool).await?;
    let found = dms_db::staff::search(&mut conn, &key, 200).await?;
    let visible: Vec<FoundAction> = found
        .into_iter()
        .filter(|f| {
            match (
                Role::parse(&who.role),
                who.territory.as_deref(),
                f.katottg.as_deref(),
            ) {
                (Some(Role::Supervisor), ..) => true,
                (Some(Role::Officer), Some(t), Some(k)) => codifier.lies_within(k, t),
                _ => false,
            }
        })
        .map(|f| FoundAction {
            action_id: f.id,
            dms_number: f.dms_number,
            action_type: f.action_type,
            action_date: f.action_date.to_string(),
            received_at: ts(f.received_at),
            registration_body_edrpou: f.registration_body_edrpou,
            document: f.body,
        })
        .collect();
    let asked = match &key {
        dms_db::staff::SearchKey::Unzr(_) => "unzr",
        dms_db::staff::SearchKey::Rnokpp(_) => "rnokpp",
        dms_db::staff::SearchKey::Document { .. } => "document",
        dms_db::staff::SearchKey::SurnameBirth { .. } => "surname_birth_date",
    };
    let ids: Vec<Uuid> = visible.iter().map(|f| f.action_id).collect();
    staff::audit(
        &state,
        &req,
        &who,
        "registration_action.search",
        None,
        serde_json::json!({"by": asked, "returned": ids}),
    )
    .await?;
    Ok(HttpResponse::Ok().json(visible))
}

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
    req: HttpRequest,
    kind: web::Path<String>,
    query: web::Query<ReportQuery>,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let who = staff::authenticate(&req, &state, &[Role::Supervisor, Role::Auditor]).await?;
    let kind = kind.into_inner();
    if !matches!(kind.as_str(), "late" | "volumes" | "overdue") {
        return Err(ApiError::NotFound);
    }
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
    let mut conn = dms_db::pool::get(&state.pool).await?;
    let rows = dms_db::staff::report(
        &mut conn,
        &kind,
        query.from,
        query.to,
        kyiv_date(chrono::Utc::now()),
    )
    .await?;
    staff::audit(
        &state,
        &req,
        &who,
        "report.read",
        Some(kind.clone()),
        serde_json::json!({"rows": rows.len()}),
    )
    .await?;
    if !csv {
        return Ok(HttpResponse::Ok().json(rows));
    }
    let mut out = String::from("registration_body_edrpou,day,action_type,count\n");
    for r in &rows {
        out.push_str(&format!(
            "{},{},{},{}\n",
            r.registration_body_edrpou,
            r.day.map(|d| d.to_string()).unwrap_or_default(),
            r.action_type.clone().unwrap_or_default(),
            r.count
        ));
    }
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .body(out))
}

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
    pub status: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct Credential {
    /// A token to revoke, or a Трембіта client id INSTANCE/CLASS/MEMBER/SUBSYSTEM to add or revoke.
    pub value: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IssuedToken {
    /// Shown once; only its hash is stored.
    pub token: String,
}

fn body_view(b: dms_db::bodies::RegistrationBody) -> BodyView {
    BodyView {
        id: b.id,
        edrpou: b.edrpou,
        name: b.name,
        hromada: b.hromada_katottg,
        status: b.status,
    }
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
    req: HttpRequest,
    payload: web::Payload,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let who = staff::authenticate(&req, &state, &[Role::Supervisor]).await?;
    let b: NewBody = read_typed(&req, payload, &state).await?;
    let mut errors = Vec::new();
    if let Err(e) = dms_schemas::Edrpou::parse(&b.edrpou) {
        errors.push(dms_schemas::FieldError::new(
            "/edrpou",
            e.field_code(),
            format!("ЄДРПОУ: {e}"),
        ));
    }
    if !matches!(
        state.codifier().await?.category(&b.hromada),
        Some('H' | 'K')
    ) {
        errors.push(dms_schemas::FieldError::new(
            "/hromada",
            dms_schemas::FieldCode::NotAHromada,
            "must be the КАТОТТГ of a hromada or a special-status city",
        ));
    }
    require_text(&mut errors, "/name", &b.name);
    if !errors.is_empty() {
        return Err(ApiError::ValidationFailed(errors));
    }
    let mut conn = dms_db::pool::get(&state.pool).await?;
    let stored = dms_db::bodies::ensure_body(&mut conn, &b.edrpou, &b.name, &b.hromada).await?;
    staff::audit(
        &state,
        &req,
        &who,
        "registration_body.create",
        Some(stored.id.to_string()),
        serde_json::json!({"edrpou": b.edrpou}),
    )
    .await?;
    Ok(HttpResponse::Created().json(body_view(stored)))
}

#[derive(Debug, Deserialize)]
pub struct BodyAction {
    edrpou: String,
    action: String,
}

/// Manage a registration body (supervisors): `suspend`, `reactivate` (204); `tokens` issues a
/// token (201); `tokens-revoke`, `trembita-clients`, `trembita-clients-revoke` take `{"value"}`.
#[utoipa::path(post, path = "/admin/v1/registration-bodies/{edrpou}/{action}", tag = "staff",
    params(("edrpou" = String, Path), ("action" = String, Path, description = "suspend | reactivate | tokens | tokens-revoke | trembita-clients | trembita-clients-revoke")),
    request_body(content = Option<Credential>, content_type = "application/json"),
    responses(
        (status = 201, body = IssuedToken),
        (status = 204, description = "Done"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32))),
    ),
    security(("staff" = [])))]
pub async fn manage_body(
    req: HttpRequest,
    path: web::Path<BodyAction>,
    payload: web::Payload,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    use dms_db::bodies::{self, CredentialKind};
    let who = staff::authenticate(&req, &state, &[Role::Supervisor]).await?;
    let body = crate::routes::read_body(&req, payload, &state).await?;
    let mut conn = dms_db::pool::get(&state.pool).await?;
    if dms_schemas::Edrpou::parse(&path.edrpou).is_err() {
        return Err(ApiError::NotFound);
    }
    let target = bodies::body_by_edrpou(&mut conn, &path.edrpou)
        .await?
        .ok_or(ApiError::NotFound)?;
    let value = || -> Result<String, ApiError> { typed::<Credential>(&body).map(|c| c.value) };
    let response = match path.action.as_str() {
        "suspend" | "reactivate" => {
            let status = if path.action == "suspend" {
                "suspended"
            } else {
                "active"
            };
            bodies::set_status(&mut conn, target.id, status).await?;
            HttpResponse::NoContent().finish()
        }
        "tokens" => {
            let token = auth::new_token();
            bodies::add_credential(
                &mut conn,
                target.id,
                CredentialKind::Token,
                &auth::token_lookup(&token),
                "admin",
            )
            .await?;
            HttpResponse::Created().json(IssuedToken { token })
        }
        "tokens-revoke" => {
            bodies::revoke_credential(
                &mut conn,
                CredentialKind::Token,
                &auth::token_lookup(&value()?),
            )
            .await?;
            HttpResponse::NoContent().finish()
        }
        "trembita-clients" => {
            let client = value()?;
            if !auth::is_client_id(&client)
                || client.split('/').nth(2) != Some(target.edrpou.as_str())
            {
                return Err(ApiError::ValidationFailed(vec![
                    dms_schemas::FieldError::new(
                        "/value",
                        dms_schemas::FieldCode::ClientId,
                        "must be INSTANCE/CLASS/MEMBER/SUBSYSTEM with MEMBER = the body's ЄДРПОУ",
                    ),
                ]));
            }
            bodies::add_credential(
                &mut conn,
                target.id,
                CredentialKind::Trembita,
                &client,
                "admin",
            )
            .await?;
            HttpResponse::NoContent().finish()
        }
        "trembita-clients-revoke" => {
            bodies::revoke_credential(&mut conn, CredentialKind::Trembita, &value()?).await?;
            HttpResponse::NoContent().finish()
        }
        _ => return Err(ApiError::NotFound),
    };
    staff::audit(
        &state,
        &req,
        &who,
        &format!("registration_body.{}", path.action),
        Some(target.id.to_string()),
        serde_json::json!({}),
    )
    .await?;
    Ok(response)
}

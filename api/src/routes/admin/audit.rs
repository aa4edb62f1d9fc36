//! `/admin/v1/audit`: auditors list the audit log and re-check its hash chain.

use crate::extract::{Auditors, StaffMember};
use crate::problem::{ApiError, Problem};
use crate::routes::paging;
use crate::routes::resource::resource;
use crate::routes::views::ts;
use crate::state::AppState;
use actix_web::web::{self, Data};
use actix_web::HttpResponse;
use chrono::{DateTime, Utc};
use dms_db::audit::listing::{AuditFilter, AuditRow};
use dms_schemas::{FieldCode, FieldError};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

/// Re-check the audit log's hash chain (auditors): walks the seals in order and looks for rows
/// older than the last seal run's horizon that no seal covers (`holes`); names the first broken
/// or missing row and gives the chain's head.
#[utoipa::path(get, path = "/admin/v1/audit/verify", tag = "staff",
    responses(
        (status = 200, description = "sealed_rows, first_broken (null when intact), reason, holes, head {seq, audit_id, hash, sealed_at}", body = Object),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32))),
    ),
    security(("staff" = [])))]
pub async fn verify_audit(
    who: StaffMember<Auditors>,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let result = dms_service::audit_log::verify(&state.services, &who.actor, None).await?;
    Ok(HttpResponse::Ok().json(result))
}

/// One row of the audit log.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntry {
    /// The row's place in the log (page with `after`).
    pub id: i64,
    pub at: String,
    /// `staff`, `registration_body`, `official`, `operator`, `system`, …
    pub actor_kind: String,
    pub actor_id: Option<String>,
    pub channel: String,
    pub event: String,
    pub target: Option<String>,
    pub request_id: Option<String>,
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
}

impl From<AuditRow> for AuditEntry {
    fn from(r: AuditRow) -> Self {
        AuditEntry {
            id: r.id,
            at: ts(r.at),
            actor_kind: r.actor_kind,
            actor_id: r.actor_id,
            channel: r.channel,
            event: r.event,
            target: r.target,
            request_id: r.request_id,
            details: r.details,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// An actor's id (a staff member's, a registration body's, …) or an actor kind (`staff`,
    /// `registration_body`, `official`, `operator`, `system`).
    #[param(min_length = 1, max_length = 200)]
    pub actor: Option<String>,
    /// An event name (`dataset.redeliver`), or a prefix ending in a dot (`web.`).
    #[param(min_length = 1, max_length = 200)]
    pub event: Option<String>,
    /// The record an event is about (its id as the log names it).
    #[param(min_length = 1, max_length = 200)]
    pub target: Option<String>,
    /// Rows at or after this time (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    pub from: Option<String>,
    /// Rows at or before this time (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    pub to: Option<String>,
    /// Rows older than this id (the last of the previous page; default 0: from the newest).
    #[param(minimum = 0)]
    pub after: Option<i64>,
    /// At most this many (1–1000, default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
}

/// Free text of a filter: 1–200 characters, no control characters.
fn text(errors: &mut Vec<FieldError>, pointer: &str, value: &Option<String>) -> Option<String> {
    let v = value.as_ref()?;
    if v.is_empty() || v.chars().count() > 200 || v.chars().any(char::is_control) {
        errors.push(FieldError::new(
            pointer,
            FieldCode::Invalid,
            "must be 1–200 characters without control characters",
        ));
        return None;
    }
    Some(v.clone())
}

fn time(
    errors: &mut Vec<FieldError>,
    pointer: &str,
    value: &Option<String>,
) -> Option<DateTime<Utc>> {
    let v = value.as_ref()?;
    match DateTime::parse_from_rfc3339(v) {
        Ok(t) => Some(t.with_timezone(&Utc)),
        Err(_) => {
            errors.push(FieldError::new(
                pointer,
                FieldCode::Format,
                "must be an RFC 3339 time, e.g. 2026-12-01T09:00:00+02:00",
            ));
            None
        }
    }
}

impl AuditQuery {
    /// The filter and the page asked for, or every fault with its pointer.
    fn check(&self) -> Result<(AuditFilter, i64, i64), ApiError> {
        let mut errors = match paging::checked(self.after, self.limit, 100, 1000) {
            Err(ApiError::SchemaViolation(e)) => e,
            _ => Vec::new(),
        };
        let event = text(&mut errors, "/event", &self.event);
        let (event, event_prefix) = match event {
            Some(e) if e.ends_with('.') => (None, Some(e)),
            e => (e, None),
        };
        let filter = AuditFilter {
            actor: text(&mut errors, "/actor", &self.actor),
            event,
            event_prefix,
            target: text(&mut errors, "/target", &self.target),
            from: time(&mut errors, "/from", &self.from),
            to: time(&mut errors, "/to", &self.to),
        };
        if let (Some(f), Some(t)) = (filter.from, filter.to) {
            if t < f {
                errors.push(FieldError::new(
                    "/to",
                    FieldCode::BeforeFrom,
                    "is earlier than /from",
                ));
            }
        }
        if !errors.is_empty() {
            return Err(ApiError::SchemaViolation(errors));
        }
        let (after, limit) = paging::checked(self.after, self.limit, 100, 1000)?;
        Ok((filter, after, limit))
    }
}

/// The audit log, newest first (auditors): filtered by actor (id or kind), event (exact, or a
/// prefix ending in a dot), target and time; a full page has `Link: rel="next"`. The listing
/// is itself audited (`audit.list`, with its filter).
#[utoipa::path(get, path = "/admin/v1/audit", tag = "staff",
    params(AuditQuery),
    responses(
        (status = 200, description = "The rows", body = [AuditEntry],
            headers(("Link" = String, description = "`<…?after=…>; rel=\"next\"` when the page is full"))),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32))),
    ),
    security(("staff" = [])))]
pub async fn list_audit(
    who: StaffMember<Auditors>,
    query: web::Query<AuditQuery>,
    req: actix_web::HttpRequest,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (filter, after, limit) = query.check()?;
    let before = (after > 0).then_some(after);
    let rows =
        dms_service::audit_log::list(&state.services, &who.actor, &filter, before, limit).await?;
    let mut res = HttpResponse::Ok();
    let last = rows.last().map(|r| r.id.to_string());
    paging::link_next(&mut res, &req, rows.len(), limit, last);
    Ok(res.json(rows.into_iter().map(AuditEntry::from).collect::<Vec<_>>()))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/admin/v1/audit/verify", "GET").route(web::get().to(verify_audit)))
        .service(resource("/admin/v1/audit", "GET").route(web::get().to(list_audit)));
}

#[derive(OpenApi)]
#[openapi(paths(verify_audit, list_audit), components(schemas(AuditEntry)))]
pub struct Doc;

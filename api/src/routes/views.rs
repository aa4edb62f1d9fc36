//! DTOs shared by the community and admin sides: a verification request as both see it, and
//! the state filter of its listings.

use crate::problem::ApiError;
use dms_db::enums::{Question, RequestState};
use dms_db::verification_requests::Request;
use dms_service::verification_requests::{Paging, RequestFilter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A timestamp as the API writes it (RFC 3339, microseconds, UTC).
pub fn ts(t: chrono::DateTime<chrono::Utc>) -> String {
    dms_service::receipt::timestamp(t)
}

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
    #[schema(value_type = String)]
    pub question: Question,
    pub details: String,
    pub created_at: String,
    /// When the registration body first received it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub received_at: Option<String>,
    /// End of this Kyiv day: the third working day after receipt.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_date: Option<String>,
    /// `open`, `overdue` or `answered`.
    #[schema(value_type = String)]
    pub state: RequestState,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub answer: Option<serde_json::Value>,
    /// When the first answer was given (the deadline counts this one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answered_at: Option<String>,
    /// The first answer, when `answer` is a later correction of it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub first_answer: Option<serde_json::Value>,
    /// When the answer in force was given, when it corrects the first one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub corrected_at: Option<String>,
}

impl VerificationRequestView {
    pub fn of(r: &Request, today: chrono::NaiveDate) -> Self {
        VerificationRequestView {
            id: r.id,
            registration_body_edrpou: r.registration_body_edrpou.clone(),
            unit: r.unit.clone(),
            person: r.person.clone(),
            question: r.question,
            details: r.details.clone(),
            created_at: ts(r.created_at),
            received_at: r.delivered_at.map(ts),
            due_date: r.due_date.map(|d| d.to_string()),
            state: r.state(today),
            answer: r.answer.clone(),
            answered_at: r.answered_at.map(ts),
            first_answer: r.first_answer.clone(),
            corrected_at: r.corrected_at.map(ts),
        }
    }

    pub fn all(listed: &dms_service::verification_requests::Listed) -> Vec<Self> {
        listed
            .requests
            .iter()
            .map(|r| Self::of(r, listed.today))
            .collect()
    }

    /// A listing's answer: the page as a JSON array, and when the page is full a `Link` header
    /// (RFC 8288) to the next one.
    pub fn page(
        req: &actix_web::HttpRequest,
        listed: &dms_service::verification_requests::Listed,
        paging: Paging,
    ) -> actix_web::HttpResponse {
        let mut response = actix_web::HttpResponse::Ok();
        let last = listed.requests.last().map(|r| r.id.to_string());
        crate::routes::paging::link_next(
            &mut response,
            req,
            listed.requests.len(),
            paging.limit,
            last,
        );
        response.json(Self::all(listed))
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct StateFilter {
    /// `open` (default: open and overdue), `overdue`, `answered` or `all`.
    pub state: Option<String>,
    /// Only requests to this registration body (staff only).
    pub registration_body: Option<String>,
    /// Continue after this request id (the last one of the previous page; the `Link` header
    /// of a full page names the next one).
    pub after: Option<String>,
    /// At most this many (1–500, default 100).
    pub limit: Option<i64>,
}

/// The community's filter of its own verification requests (the staff's, without the body).
#[derive(Debug, Deserialize, IntoParams)]
pub struct OwnStateFilter {
    /// `open` (default: open and overdue), `overdue`, `answered` or `all`.
    pub state: Option<String>,
    /// Continue after this request id (the last one of the previous page; the `Link` header
    /// of a full page names the next one).
    pub after: Option<String>,
    /// At most this many (1–500, default 100).
    pub limit: Option<i64>,
}

impl OwnStateFilter {
    pub fn check(&self) -> Result<(RequestFilter, Paging), ApiError> {
        let staff = StateFilter {
            state: self.state.clone(),
            registration_body: None,
            after: self.after.clone(),
            limit: self.limit,
        };
        staff.check().map(|(f, _, p)| (f, p))
    }
}

impl StateFilter {
    /// The filter, the registration body and the page asked for, or every fault with its pointer.
    pub fn check(&self) -> Result<(RequestFilter, Option<dms_schemas::Edrpou>, Paging), ApiError> {
        let mut errors = Vec::new();
        let paging = Paging::parse(self.after.as_deref(), self.limit)
            .map_err(|e| errors.extend(e))
            .ok();
        let filter = RequestFilter::parse(self.state.as_deref())
            .map_err(|e| errors.push(e))
            .ok();
        let body = match self
            .registration_body
            .as_deref()
            .map(dms_schemas::Edrpou::parse)
        {
            Some(Err(e)) => {
                errors.push(dms_schemas::FieldError::new(
                    "/registration_body",
                    e.field_code(),
                    format!("ЄДРПОУ: {e}"),
                ));
                None
            }
            Some(Ok(b)) => Some(b),
            None => None,
        };
        match (filter, paging) {
            (Some(f), Some(p)) if errors.is_empty() => Ok((f, body, p)),
            _ => Err(ApiError::SchemaViolation(errors)),
        }
    }
}

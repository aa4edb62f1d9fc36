//! Verification requests (rule 5): a DMS officer asks a registration body to check or clarify a
//! person's residence; the answer is due by the end of the third working day after receipt.
//! Receipt is the first time the community register lists (or answers) the request.

use crate::{Actor, ServiceError, Services};
use chrono::NaiveDate;
use diesel_async::AsyncConnection;
use dms_db::enums::{Question, RequestState, StaffRole};
use dms_db::verification_requests::{self as requests, AnswerOutcome, Request};
use dms_db::PgConn;
use dms_schemas::{time::kyiv_date, Edrpou, FieldCode, FieldError};
use uuid::Uuid;

/// Which requests a listing shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RequestFilter {
    /// Open and overdue: what still needs an answer.
    #[default]
    Unanswered,
    Only(RequestState),
    All,
}

impl RequestFilter {
    /// `open` (open and overdue), `overdue`, `answered` or `all`; absent means `open`.
    pub fn parse(text: Option<&str>) -> Result<RequestFilter, FieldError> {
        match text {
            None | Some("open") => Ok(RequestFilter::Unanswered),
            Some("overdue") => Ok(RequestFilter::Only(RequestState::Overdue)),
            Some("answered") => Ok(RequestFilter::Only(RequestState::Answered)),
            Some("all") => Ok(RequestFilter::All),
            Some(_) => Err(FieldError::new(
                "/state",
                FieldCode::Enum,
                "must be one of open, overdue, answered, all",
            )),
        }
    }

    pub fn keeps(self, state: RequestState) -> bool {
        match self {
            RequestFilter::Unanswered => state != RequestState::Answered,
            RequestFilter::Only(s) => s == state,
            RequestFilter::All => true,
        }
    }
}

/// A listing's answer: the requests and the Kyiv day their state was derived for.
#[derive(Debug, Clone)]
pub struct Listed {
    pub today: NaiveDate,
    pub requests: Vec<Request>,
}

/// Today (Kyiv) and the due date of a request received today.
async fn due_if_received_now(conn: &mut PgConn) -> Result<(NaiveDate, NaiveDate), ServiceError> {
    let calendar = dms_db::calendar::calendar(conn).await?;
    let today = kyiv_date(chrono::Utc::now());
    Ok((today, calendar.answer_due(today)))
}

/// The registration body's requests. Listing them is their receipt: the due date of each newly
/// received request is fixed now, in the transaction that audits the listing.
pub async fn list_for_body(
    services: &Services,
    actor: &Actor,
    filter: RequestFilter,
) -> Result<Listed, ServiceError> {
    let body = actor.registration_body().ok_or(ServiceError::Forbidden)?;
    let mut conn = services.conn().await?;
    conn.transaction(async |tx| -> Result<_, ServiceError> {
        let (today, due) = due_if_received_now(tx).await?;
        let (received, all) = requests::deliver_and_list(tx, body.id, due).await?;
        let requests: Vec<Request> = all
            .into_iter()
            .filter(|r| filter.keeps(r.state(today)))
            .collect();
        // Receipt starts a deadline, so it is audited even for requests this filter hides.
        if !requests.is_empty() || !received.is_empty() {
            let ids: Vec<Uuid> = requests.iter().map(|r| r.id).collect();
            let event = actor.audit(
                "verification_request.list",
                None,
                serde_json::json!({"returned": ids, "received": received}),
            );
            dms_db::audit::record(tx, &event).await?;
        }
        Ok(Listed { today, requests })
    })
    .await
}

/// Answer a request (a `verification-answer.v1` document). Final: a second answer is refused.
pub async fn answer(
    services: &Services,
    actor: &Actor,
    id: Uuid,
    bytes: &[u8],
) -> Result<(NaiveDate, Request), ServiceError> {
    let body = actor.registration_body().ok_or(ServiceError::Forbidden)?;
    let doc = crate::intake::contract_document(&services.answer_contract, bytes)?;
    let mut conn = services.conn().await?;
    conn.transaction(async |tx| -> Result<_, ServiceError> {
        let (today, due) = due_if_received_now(tx).await?;
        match requests::answer(tx, id, body.id, &doc, due).await? {
            AnswerOutcome::Answered => {}
            AnswerOutcome::AlreadyAnswered => return Err(ServiceError::AlreadyAnswered),
            AnswerOutcome::NotFound => return Err(ServiceError::NotFound),
        }
        let event = actor.audit(
            "verification_request.answer",
            Some(id.to_string()),
            serde_json::json!({}),
        );
        dms_db::audit::record(tx, &event).await?;
        let r = requests::request(tx, id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        Ok((today, r))
    })
    .await
}

/// Create a request to a registration body (a `verification-request.v1` document); officers,
/// only to bodies inside their territory (a refusal is audited).
pub async fn create(
    services: &Services,
    actor: &Actor,
    bytes: &[u8],
) -> Result<Request, ServiceError> {
    let who = actor.require_staff(&[StaffRole::Officer])?;
    let doc = crate::intake::contract_document(&services.request_contract, bytes)?;
    let edrpou = doc["registration_body_edrpou"].as_str().unwrap_or_default();
    let question = doc["question"]
        .as_str()
        .and_then(Question::parse)
        .ok_or(ServiceError::Internal)?;
    let mut conn = services.conn().await?;
    let target = dms_db::bodies::body_by_edrpou(&mut conn, edrpou)
        .await?
        .ok_or_else(|| {
            ServiceError::field(
                "/registration_body_edrpou",
                FieldCode::UnknownRegistrationBody,
                "names no registration body",
            )
        })?;
    let codifier = services.codifier().await?;
    let details = serde_json::json!({"registration_body": edrpou});
    let inside = who
        .territory
        .as_deref()
        .is_some_and(|t| codifier.lies_within(&target.hromada_katottg, t));
    if !inside {
        let event = actor.audit("verification_request.refused_territory", None, details);
        dms_db::audit::record(&mut conn, &event).await?;
        return Err(ServiceError::Forbidden);
    }
    conn.transaction(async |tx| -> Result<_, ServiceError> {
        let r = requests::create_request(
            tx,
            target.id,
            who,
            &doc["person"],
            question,
            doc["details"].as_str().unwrap_or_default(),
        )
        .await?;
        let event = actor.audit(
            "verification_request.create",
            Some(r.id.to_string()),
            details,
        );
        dms_db::audit::record(tx, &event).await?;
        Ok(r)
    })
    .await
}

/// Requests as staff see them: officers only those to bodies inside their territory,
/// supervisors all. The listing is audited with the ids returned.
pub async fn list_for_staff(
    services: &Services,
    actor: &Actor,
    filter: RequestFilter,
    registration_body: Option<&Edrpou>,
) -> Result<Listed, ServiceError> {
    let who = actor.require_staff(&[StaffRole::Officer, StaffRole::Supervisor])?;
    let today = kyiv_date(chrono::Utc::now());
    let codifier = services.codifier().await?;
    let mut conn = services.conn().await?;
    let all = requests::all_requests(&mut conn, registration_body.map(Edrpou::as_str)).await?;
    let requests: Vec<Request> = all
        .into_iter()
        .filter(|r| match (who.role, who.territory.as_deref()) {
            (StaffRole::Supervisor, _) => true,
            (StaffRole::Officer, Some(t)) => codifier.lies_within(&r.registration_body_hromada, t),
            _ => false,
        })
        .filter(|r| filter.keeps(r.state(today)))
        .collect();
    let ids: Vec<String> = requests.iter().map(|r| r.id.to_string()).collect();
    let event = actor.audit(
        "verification_request.list",
        None,
        serde_json::json!({"returned": ids}),
    );
    dms_db::audit::record(&mut conn, &event).await?;
    Ok(Listed { today, requests })
}

/// The scheduled job's work: flag requests unanswered after the end of their due day.
pub async fn mark_overdue(services: &Services, actor: &Actor) -> Result<usize, ServiceError> {
    let today = kyiv_date(chrono::Utc::now());
    let mut conn = services.conn().await?;
    conn.transaction(async |tx| -> Result<_, ServiceError> {
        let n = requests::mark_overdue(tx, today).await?;
        if n > 0 {
            let event = actor.audit(
                "verification_request.mark_overdue",
                None,
                serde_json::json!({"marked": n, "as_of": today}),
            );
            dms_db::audit::record(tx, &event).await?;
        }
        Ok(n)
    })
    .await
}

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

    /// The filter as the listing query takes it.
    fn as_sql(self) -> &'static str {
        match self {
            RequestFilter::Unanswered => "unanswered",
            RequestFilter::Only(RequestState::Open) => "open",
            RequestFilter::Only(RequestState::Overdue) => "overdue",
            RequestFilter::Only(RequestState::Answered) => "answered",
            RequestFilter::All => "all",
        }
    }
}

/// Which page of a listing: after the request `after` (in the listing's order), at most `limit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    pub after: Option<Uuid>,
    pub limit: i64,
}

impl Paging {
    /// The most a page holds; the default when no limit is asked for.
    pub const MAX: i64 = 500;
    pub const DEFAULT: i64 = 100;

    /// Check a listing's `after` and `limit` query parameters.
    pub fn parse(after: Option<&str>, limit: Option<i64>) -> Result<Paging, Vec<FieldError>> {
        let mut errors = Vec::new();
        let after = match after.map(Uuid::parse_str) {
            None => None,
            Some(Ok(id)) => Some(id),
            Some(Err(_)) => {
                errors.push(FieldError::new(
                    "/after",
                    FieldCode::Format,
                    "must be the id of the last request of the previous page",
                ));
                None
            }
        };
        let limit = limit.unwrap_or(Self::DEFAULT);
        if !(1..=Self::MAX).contains(&limit) {
            errors.push(FieldError::new(
                "/limit",
                FieldCode::Range,
                "must be between 1 and 500",
            ));
        }
        if errors.is_empty() {
            Ok(Paging { after, limit })
        } else {
            Err(errors)
        }
    }
}

/// How long after its first answer a registration body may correct it. The first answer (and
/// its time, which is what the deadline counts) is kept; each correction is added beside it.
pub const ANSWER_CORRECTION_WINDOW_HOURS: i64 = 24;

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
    paging: Paging,
) -> Result<Listed, ServiceError> {
    let body = actor.registration_body().ok_or(ServiceError::Forbidden)?;
    let mut conn = services.conn().await?;
    conn.transaction(async |tx| -> Result<_, ServiceError> {
        let (today, due) = due_if_received_now(tx).await?;
        let page = requests::Page {
            after: paging.after,
            limit: paging.limit,
            state: filter.as_sql(),
            today,
        };
        let (received, requests) = requests::deliver_and_list(tx, body.id, due, page).await?;
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

/// What answering did: the first answer, a correction within the window, or a retry of the
/// answer already in force (nothing stored).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answered {
    First,
    Corrected,
    Unchanged,
}

/// The checks JSON Schema cannot make, all at once: the address by the same rules as an
/// action's (a settlement or city district of the body's own hromada, in the codifier), and a
/// `registered_since` that is not in the future and only where an address is confirmed or given.
fn check_answer(
    doc: &serde_json::Value,
    hromada: &str,
    codifier: &dms_db::codifier::Codifier,
    today: NaiveDate,
) -> Result<(), ServiceError> {
    let mut errors = Vec::new();
    if let Some(code) = doc.pointer("/address/katottg").and_then(|v| v.as_str()) {
        match dms_schemas::Katottg::parse(code) {
            Ok(k) => {
                if let Err(p) = codifier.check_address(&k, hromada) {
                    errors.push(crate::actions::address_error(p));
                }
            }
            Err(e) => errors.push(FieldError::new(
                "/address/katottg",
                e.field_code(),
                format!("КАТОТТГ: {e}"),
            )),
        }
    }
    if let Some(since) = doc.get("registered_since").and_then(|v| v.as_str()) {
        if doc["result"] == "not_registered" {
            errors.push(FieldError::new(
                "/registered_since",
                FieldCode::NotAllowed,
                "is given only when the address is confirmed or named",
            ));
        }
        match NaiveDate::parse_from_str(since, "%Y-%m-%d") {
            Ok(d) if d > today => errors.push(FieldError::new(
                "/registered_since",
                FieldCode::InFuture,
                "is after today (Kyiv time)",
            )),
            Ok(_) => {}
            Err(_) => errors.push(FieldError::new(
                "/registered_since",
                FieldCode::ImpossibleDate,
                "is not a calendar date",
            )),
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ServiceError::ValidationFailed(errors))
    }
}

/// Answer a request (a `verification-answer.v1` document). The first answer fixes the time the
/// deadline counts; within [`ANSWER_CORRECTION_WINDOW_HOURS`] of it the body may correct it (the
/// first answer is kept beside the correction); after that a different answer is refused. The
/// same answer sent again is a retry and changes nothing.
pub async fn answer(
    services: &Services,
    actor: &Actor,
    id: Uuid,
    bytes: &[u8],
) -> Result<(NaiveDate, Request, Answered), ServiceError> {
    let body = actor.registration_body().ok_or(ServiceError::Forbidden)?;
    let doc = crate::intake::contract_document(&services.answer_contract, bytes)?;
    let codifier = services.codifier().await?;
    check_answer(
        &doc,
        &body.hromada_katottg,
        &codifier,
        kyiv_date(chrono::Utc::now()),
    )?;
    let mut conn = services.conn().await?;
    conn.transaction(async |tx| -> Result<_, ServiceError> {
        let (today, due) = due_if_received_now(tx).await?;
        let current = requests::request_for_update(tx, id)
            .await?
            .filter(|r| r.registration_body_id == body.id)
            .ok_or(ServiceError::NotFound)?;
        let outcome = match (&current.answer, current.answered_at) {
            (Some(previous), _) if *previous == doc => Answered::Unchanged,
            (Some(_), Some(at))
                if chrono::Utc::now() - at
                    <= chrono::Duration::hours(ANSWER_CORRECTION_WINDOW_HOURS) =>
            {
                requests::correct_answer(tx, id, &doc).await?;
                Answered::Corrected
            }
            (Some(_), _) => return Err(ServiceError::AlreadyAnswered),
            (None, _) => match requests::answer(tx, id, body.id, &doc, due).await? {
                AnswerOutcome::Answered => Answered::First,
                AnswerOutcome::AlreadyAnswered => return Err(ServiceError::AlreadyAnswered),
                AnswerOutcome::NotFound => return Err(ServiceError::NotFound),
            },
        };
        let event = match outcome {
            Answered::First => "verification_request.answer",
            Answered::Corrected => "verification_request.answer_corrected",
            Answered::Unchanged => "verification_request.answer_repeated",
        };
        let r = requests::request(tx, id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        // The answer names the person's address: its reading back is audited like its writing.
        let details = serde_json::json!({"result": doc["result"]});
        dms_db::audit::record(tx, &actor.audit(event, Some(id.to_string()), details)).await?;
        Ok((today, r, outcome))
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
    paging: Paging,
) -> Result<Listed, ServiceError> {
    let who = actor.require_staff(&[StaffRole::Officer, StaffRole::Supervisor])?;
    let today = kyiv_date(chrono::Utc::now());
    // Officers see requests to bodies inside their territory; supervisors see all.
    let hromadas = match (who.role, who.territory.as_deref()) {
        (StaffRole::Supervisor, _) => None,
        (_, Some(t)) => Some(services.codifier().await?.hromadas_within(t)),
        (_, None) => Some(Vec::new()),
    };
    let page = requests::Page {
        after: paging.after,
        limit: paging.limit,
        state: filter.as_sql(),
        today,
    };
    let mut conn = services.conn().await?;
    let requests = requests::all_requests(
        &mut conn,
        registration_body.map(Edrpou::as_str),
        hromadas.as_deref(),
        page,
    )
    .await?;
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

/// One request as staff see it (the staff console's request page): officers only requests to
/// bodies inside their territory (any other is, to them, not there), supervisors all. Audited.
pub async fn get_for_staff(
    services: &Services,
    actor: &Actor,
    id: Uuid,
) -> Result<(NaiveDate, Request), ServiceError> {
    let who = actor.require_staff(&[StaffRole::Officer, StaffRole::Supervisor])?;
    let today = kyiv_date(chrono::Utc::now());
    let mut conn = services.conn().await?;
    let r = requests::request(&mut conn, id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if who.role == StaffRole::Officer {
        let codifier = services.codifier().await?;
        let inside = who
            .territory
            .as_deref()
            .is_some_and(|t| codifier.lies_within(&r.registration_body_hromada, t));
        if !inside {
            return Err(ServiceError::NotFound);
        }
    }
    let event = actor.audit(
        "verification_request.read",
        Some(r.id.to_string()),
        serde_json::json!({}),
    );
    dms_db::audit::record(&mut conn, &event).await?;
    Ok((today, r))
}

//! `/admin/v1/register-entries`: a person is now in ЄДДР (seed 000 §4b: their first entry is
//! made when documents are issued), so their held registration actions are released into the
//! next data set. Called by supervisors and by the document-issuance system, a machine client
//! with the `issuance` role that may call nothing else.

use crate::extract::{Json, StaffMember, SupervisorsAndIssuance};
use crate::problem::{ApiError, Problem};
use crate::routes::resource::resource;
use crate::state::AppState;
use actix_web::web::{self, Data};
use actix_web::HttpResponse;
use dms_schemas::{DocumentNumber, DocumentType, FieldError, Unzr};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

/// The document the УНЗР was issued on.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EntryDocument {
    /// `passport_booklet`, `id_card`, … (as in registration actions).
    #[serde(rename = "type")]
    pub kind: String,
    pub number: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRegisterEntry {
    /// The person's УНЗР in ЄДДР (`YYYYMMDD-NNNNC`).
    pub unzr: String,
    /// The document the УНЗР was issued on, when known: actions that named the person only by
    /// this document are released too.
    pub document: Option<EntryDocument>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RegisterEntryRecorded {
    /// Held actions of the person released into the feed (0 when none were held).
    pub released: usize,
}

/// The entry as typed values, or every fault with its pointer.
fn checked(entry: &NewRegisterEntry) -> Result<(Unzr, Option<DocumentNumber>), ApiError> {
    let mut errors = Vec::new();
    let unzr = Unzr::parse(&entry.unzr)
        .map_err(|e| {
            errors.push(FieldError::new(
                "/unzr",
                e.field_code(),
                format!("УНЗР: {e}"),
            ))
        })
        .ok();
    let document = match &entry.document {
        None => None,
        Some(d) => match DocumentType::parse(&d.kind) {
            None => {
                let all: Vec<&str> = DocumentType::ALL.iter().map(|t| t.as_str()).collect();
                errors.push(FieldError::new(
                    "/document/type",
                    dms_schemas::FieldCode::Enum,
                    format!("must be one of {}", all.join(", ")),
                ));
                None
            }
            Some(kind) => DocumentNumber::parse(kind, &d.number)
                .map_err(|e| {
                    errors.push(FieldError::new(
                        "/document/number",
                        e.field_code(),
                        format!("document number: {e}"),
                    ))
                })
                .ok(),
        },
    };
    match unzr {
        Some(u) if errors.is_empty() => Ok((u, document)),
        _ => Err(ApiError::ValidationFailed(errors)),
    }
}

/// Record that a person is entered in ЄДДР (supervisors, and the document-issuance system):
/// their held actions are released into the next data set, oldest first. Recording the same
/// entry again releases nothing more.
#[utoipa::path(post, path = "/admin/v1/register-entries", tag = "staff",
    request_body = NewRegisterEntry,
    responses(
        (status = 200, body = RegisterEntryRecorded),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json", headers(("Retry-After" = u32))),
    ),
    security(("staff" = [])))]
pub async fn record(
    who: StaffMember<SupervisorsAndIssuance>,
    body: Json<NewRegisterEntry>,
    state: Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let entry = body.value()?;
    let (unzr, document) = checked(&entry)?;
    let released = dms_service::register_entries::record(
        &state.services,
        &who.actor,
        &unzr,
        document.as_ref(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(RegisterEntryRecorded { released }))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/admin/v1/register-entries", "POST").route(web::post().to(record)));
}

#[derive(OpenApi)]
#[openapi(
    paths(record),
    components(schemas(NewRegisterEntry, EntryDocument, RegisterEntryRecorded))
)]
pub struct Doc;

//! Registration actions: submitting one (the intake: checks, the transaction that stores and
//! confirms it, the signed receipt) and reading one's own.

use crate::receipt::{self, RECEIPT_TYP};
use crate::{Actor, ServiceError, Services};
use chrono::{DateTime, Utc};
use dms_db::actions::{
    self, ActionView, CancelProblem, CancelRef, NewAction, Recorded, SignedReceipt, Stored,
};
use dms_db::codifier::AddressProblem;
use dms_db::enums::StaffRole;
use dms_schemas::{time::kyiv_date, CancelTarget, FieldCode, FieldError, Subject};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// A confirmed submission: new, or a retry answered with the stored receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Submitted {
    Created {
        stored: Stored,
        action_type: &'static str,
    },
    Replayed(Stored),
}

pub(crate) fn now_micros() -> DateTime<Utc> {
    let now = Utc::now();
    DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now)
}

pub(crate) fn address_error(p: AddressProblem) -> FieldError {
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

/// Everything a submission is checked against, and who submits it.
pub(crate) struct Intake<'a> {
    pub contract: &'a dms_schemas::Contract,
    pub codifier: &'a dms_db::codifier::Codifier,
    pub body: &'a dms_db::bodies::RegistrationBody,
    pub transport: &'a actions::Transport,
    pub request_id: &'a str,
    pub received_at: DateTime<Utc>,
    /// The bulk load a line comes from: the action is historical (never late).
    pub bulk_load: Option<Uuid>,
}

/// The checks of a submission, and the action they make of it (the cancellation's target, when
/// it is one, for naming a refused target).
pub(crate) fn prepare(
    intake: &Intake<'_>,
    bytes: &[u8],
) -> Result<(NewAction, Option<CancelTarget>), ServiceError> {
    let today = kyiv_date(intake.received_at);
    let (document, action) = crate::intake::check_document(intake.contract, bytes, today)?;
    let (person, katottg, cancels, target, territory_path) = match &action.subject {
        Subject::Person { person, katottg } => {
            intake
                .codifier
                .check_address(katottg, &intake.body.hromada_katottg)
                .map_err(|p| ServiceError::ValidationFailed(vec![address_error(p)]))?;
            let key = (
                person.person_key(),
                person.unzr.as_ref().map(|u| u.as_str().to_owned()),
            );
            let path = intake.codifier.ancestors(katottg.as_str());
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
    let new = NewAction {
        id: Uuid::now_v7(),
        registration_body_id: intake.body.id,
        external_id: action.external_id.clone(),
        action_type: action.action_type,
        action_date: action.action_date,
        person,
        katottg,
        territory_path,
        cancels,
        body: document,
        body_sha256: Sha256::digest(bytes).into(),
        schema_version: dms_schemas::REGISTRATION_ACTION_V1_NAME.to_owned(),
        received_at: intake.received_at,
        number_year: chrono::Datelike::year(&today),
        late: intake.bulk_load.is_none() && today > action.action_date,
        bulk_load: intake.bulk_load,
        transport: intake.transport.clone(),
        request_id: intake.request_id.to_owned(),
    };
    Ok((new, target))
}

/// Submit a registration action (the exact bytes the registration body sent). One transaction
/// stores the action, its person, feed item, audit row and signed confirmation; a retry under
/// the same `external_id` gets the stored receipt.
pub async fn submit(
    services: &Services,
    actor: &Actor,
    bytes: &[u8],
) -> Result<Submitted, ServiceError> {
    let Some((body, transport)) = actor.acting_body() else {
        return Err(ServiceError::Forbidden);
    };
    let codifier = services.codifier().await?;
    let request_id = actor.request_id.clone().unwrap_or_default();
    let (new, target) = prepare(
        &Intake {
            contract: &services.contract,
            codifier: &codifier,
            body,
            transport,
            request_id: &request_id,
            received_at: now_micros(),
            bulk_load: None,
        },
        bytes,
    )?;
    let signer = services
        .keys
        .signer()
        .ok_or(ServiceError::Unavailable("no signing key is configured"))?;
    let edrpou = body.edrpou.clone();
    let sign = move |a: &actions::Assigned<'_>| {
        let claims = receipt::claims(a, &edrpou, now_micros());
        let (kid, jws) = signer.sign(RECEIPT_TYP, &dms_crypto::canonical::to_vec(&claims));
        SignedReceipt { kid, jws }
    };
    let mut conn = services.conn().await?;
    match actions::record(&mut conn, &new, &sign).await? {
        Recorded::Created(stored) => {
            tracing::info!(action.id = %stored.id, action.type = %new.action_type, action.late = stored.late, "registration action confirmed");
            Ok(Submitted::Created {
                stored,
                action_type: new.action_type.as_str(),
            })
        }
        Recorded::Replayed(stored) => {
            tracing::info!(action.id = %stored.id, "receipt replayed for a retry");
            Ok(Submitted::Replayed(stored))
        }
        Recorded::KeyReused => Err(ServiceError::IdempotencyKeyReused),
        Recorded::Restricted { legal_basis } => Err(ServiceError::TerritoryRestricted(legal_basis)),
        Recorded::Cancel(p) => match target {
            Some(t) => Err(ServiceError::ValidationFailed(vec![cancel_error(p, &t)])),
            None => Err(ServiceError::Internal),
        },
    }
}

/// Every check of [`submit`] that needs no transaction (the contract, the identifiers, the
/// cross-checks, the address against the codifier), storing nothing: the review step of the web
/// form. Submitting still checks everything again.
pub async fn check(
    services: &Services,
    actor: &Actor,
    bytes: &[u8],
) -> Result<&'static str, ServiceError> {
    let Some((body, _)) = actor.acting_body() else {
        return Err(ServiceError::Forbidden);
    };
    let today = kyiv_date(now_micros());
    let (_, action) = crate::intake::check_document(&services.contract, bytes, today)?;
    if let Subject::Person { katottg, .. } = &action.subject {
        services
            .codifier()
            .await?
            .check_address(katottg, &body.hromada_katottg)
            .map_err(|p| ServiceError::ValidationFailed(vec![address_error(p)]))?;
    }
    let event = actor.audit(
        "registration_action.validate",
        None,
        serde_json::json!({"action_type": action.action_type.as_str(), "external_id": action.external_id}),
    );
    let mut conn = services.conn().await?;
    dms_db::audit::record(&mut conn, &event).await?;
    Ok(action.action_type.as_str())
}

/// One of the registration body's own actions; reading it is audited with the read.
pub async fn read_own(
    services: &Services,
    actor: &Actor,
    id: Uuid,
) -> Result<ActionView, ServiceError> {
    let body = actor.registration_body().ok_or(ServiceError::Forbidden)?;
    let mut conn = services.conn().await?;
    let view = actions::view_for_body(&mut conn, id, body.id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    dms_db::audit::record(
        &mut conn,
        &actor.audit(
            "registration_action.read",
            Some(view.id.to_string()),
            serde_json::json!({}),
        ),
    )
    .await?;
    Ok(view)
}

/// An action as DMS staff see it (the staff console's action page): the record as sent, its
/// receipt and feed state. Officers only actions in their territory (where the person lives, or
/// the body's hromada); any other is, to them, not there. Audited as a personal-data view.
pub async fn read_for_staff(
    services: &Services,
    actor: &Actor,
    id: Uuid,
) -> Result<actions::StaffActionView, ServiceError> {
    let who = actor.require_staff(&[StaffRole::Officer, StaffRole::Supervisor])?;
    let mut conn = services.conn().await?;
    let view = actions::view_for_staff(&mut conn, id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if who.role == StaffRole::Officer {
        let codifier = services.codifier().await?;
        let inside = who.territory.as_deref().is_some_and(|t| {
            view.katottg
                .as_deref()
                .is_some_and(|k| codifier.lies_within(k, t))
                || codifier.lies_within(&view.registration_body_hromada, t)
        });
        if !inside {
            return Err(ServiceError::NotFound);
        }
    }
    let event = actor.audit(
        "registration_action.read",
        Some(view.view.id.to_string()),
        serde_json::json!({"staff": true}),
    );
    dms_db::audit::record(&mut conn, &event).await?;
    Ok(view)
}

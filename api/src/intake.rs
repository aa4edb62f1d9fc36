//! The pure part of the intake as the HTTP edge answers it: the service layer's check, with its
//! outcome as the problem the client gets. The fuzz target and the property tests call this.

use crate::problem::ApiError;
use chrono::NaiveDate;
use dms_schemas::{Contract, RegistrationAction};

/// Parses the body as JSON, checks it against the contract (every fault at once) and builds the
/// typed action with identifier checks and cross-checks as of the Kyiv date `today`.
pub fn check_document(
    contract: &Contract,
    bytes: &[u8],
    today: NaiveDate,
) -> Result<(serde_json::Value, RegistrationAction), ApiError> {
    Ok(dms_service::intake::check_document(contract, bytes, today)?)
}

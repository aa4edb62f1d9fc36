//! The pure part of the intake: bytes to a typed action, or the problem the client gets.
//! No I/O, so the fuzz target (`fuzz/`) and the property tests call exactly what the handler calls.

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
    let document = parse_json(bytes)?;
    let schema_errors = contract.validate(&document);
    if !schema_errors.is_empty() {
        return Err(ApiError::SchemaViolation(schema_errors));
    }
    let action = RegistrationAction::from_valid_document(&document, today)
        .map_err(ApiError::ValidationFailed)?;
    Ok((document, action))
}

fn parse_json(bytes: &[u8]) -> Result<serde_json::Value, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| {
        let what = match e.classify() {
            serde_json::error::Category::Eof => "the document ends too early",
            serde_json::error::Category::Syntax => "syntax error",
            _ => "not valid JSON text",
        };
        ApiError::MalformedJson(format!(
            "{what} at line {}, column {}",
            e.line(),
            e.column()
        ))
    })
}

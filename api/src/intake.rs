//! The pure part of the intake: bytes to a typed action, or the problem the client gets.
//! No I/O, so the fuzz target (`fuzz/`) and the property tests call exactly what the handler calls.

use crate::problem::ApiError;
use chrono::NaiveDate;
use dms_schemas::{Contract, FieldError, RegistrationAction};

/// Parses the body as JSON, checks it against the contract (every fault at once) and builds the
/// typed action with identifier checks and cross-checks as of the Kyiv date `today`.
pub fn check_document(
    contract: &Contract,
    bytes: &[u8],
    today: NaiveDate,
) -> Result<(serde_json::Value, RegistrationAction), ApiError> {
    let (document, mut faults) = parse_json(bytes)?;
    faults.extend(contract.validate(&document));
    schema_faults(faults)?;
    let action = RegistrationAction::from_valid_document(&document, today)
        .map_err(ApiError::ValidationFailed)?;
    Ok((document, action))
}

/// JSON text to a value. Text that is not JSON is `400`; duplicated member names come back as
/// faults of the document, reported with its schema faults.
pub fn parse_json(bytes: &[u8]) -> Result<(serde_json::Value, Vec<FieldError>), ApiError> {
    dms_schemas::strict::from_slice(bytes).map_err(|e| {
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

/// `faults` sorted by pointer, as one schema problem, or nothing.
pub fn schema_faults(mut faults: Vec<FieldError>) -> Result<(), ApiError> {
    if faults.is_empty() {
        return Ok(());
    }
    faults.sort_by(|a, b| a.pointer.cmp(&b.pointer).then(a.code.cmp(&b.code)));
    faults.dedup();
    Err(ApiError::SchemaViolation(faults))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn example() -> serde_json::Value {
        serde_json::from_str(include_str!(
            "../../schemas/examples/declaration-of-residence.json"
        ))
        .unwrap()
    }

    fn code(doc: &[u8]) -> &'static str {
        let contract = Contract::registration_action_v1().unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        match check_document(&contract, doc, day) {
            Ok(_) => "accepted",
            Err(e) => e.code(),
        }
    }

    #[test]
    fn each_stage_has_its_own_answer() {
        let good = serde_json::to_vec(&example()).unwrap();
        assert_eq!(code(&good), "accepted");
        assert_eq!(code(&good[..good.len() - 1]), "malformed_json");
        let mut bad_digit = example();
        bad_digit["person"]["rnokpp"] = "3294631455".into();
        assert_eq!(
            code(&serde_json::to_vec(&bad_digit).unwrap()),
            "validation_failed"
        );
        let text = String::from_utf8(good).unwrap();
        let twice = text.replacen('{', "{\"external_id\":\"X-1\",", 1);
        assert_eq!(code(twice.as_bytes()), "schema_violation");
    }
}

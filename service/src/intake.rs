//! The pure part of the intake: bytes to a typed action, or the problem the client gets.
//! No I/O, so the fuzz target (`fuzz/`) and the property tests call exactly what the operation
//! calls. Also the strict reading of every other JSON document the service accepts.

use crate::ServiceError;
use chrono::NaiveDate;
use dms_schemas::{Contract, FieldError, RegistrationAction};

/// Parses the body as JSON, checks it against the contract (every fault at once) and builds the
/// typed action with identifier checks and cross-checks as of the Kyiv date `today`.
pub fn check_document(
    contract: &Contract,
    bytes: &[u8],
    today: NaiveDate,
) -> Result<(serde_json::Value, RegistrationAction), ServiceError> {
    let (document, mut faults) = parse_json(bytes)?;
    faults.extend(contract.validate(&document));
    schema_faults(faults)?;
    let action = RegistrationAction::from_valid_document(&document, today)
        .map_err(ServiceError::ValidationFailed)?;
    Ok((document, action))
}

/// JSON text to a value. Text that is not JSON is `400`; duplicated member names come back as
/// faults of the document, reported with its schema faults.
pub fn parse_json(bytes: &[u8]) -> Result<(serde_json::Value, Vec<FieldError>), ServiceError> {
    dms_schemas::strict::from_slice(bytes).map_err(|e| {
        let what = match e.classify() {
            serde_json::error::Category::Eof => "the document ends too early",
            serde_json::error::Category::Syntax => "syntax error",
            _ => "not valid JSON text",
        };
        ServiceError::MalformedJson(format!(
            "{what} at line {}, column {}",
            e.line(),
            e.column()
        ))
    })
}

/// `faults` sorted by pointer, as one schema problem, or nothing.
pub fn schema_faults(mut faults: Vec<FieldError>) -> Result<(), ServiceError> {
    if faults.is_empty() {
        return Ok(());
    }
    faults.sort_by(|a, b| a.pointer.cmp(&b.pointer).then(a.code.cmp(&b.code)));
    faults.dedup();
    Err(ServiceError::SchemaViolation(faults))
}

/// A document valid against `contract`: strict JSON (no duplicate members), every schema fault
/// reported at once.
pub fn contract_document(
    contract: &Contract,
    bytes: &[u8],
) -> Result<serde_json::Value, ServiceError> {
    let (doc, mut faults) = parse_json(bytes)?;
    faults.extend(contract.validate(&doc));
    schema_faults(faults)?;
    Ok(doc)
}

/// A request body as a `T`: strict JSON without control characters, then serde. serde's
/// messages can quote the value, so the fault says only which rule was broken.
pub fn typed<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ServiceError> {
    let (value, mut faults) = parse_json(bytes)?;
    faults.extend(dms_schemas::contract::control_characters(&value));
    schema_faults(faults)?;
    serde_json::from_value(value).map_err(|e| {
        let text = e.to_string();
        let message = match text.split_once("missing field `") {
            Some((_, rest)) => format!("missing member {}", rest.split('`').next().unwrap_or("")),
            None => "does not match the documented request body (a member of the wrong type or an unknown value)".to_owned(),
        };
        ServiceError::SchemaViolation(vec![FieldError::new(
            "",
            dms_schemas::FieldCode::Schema,
            message,
        )])
    })
}

/// Free text that must say something.
pub fn require_text(errors: &mut Vec<FieldError>, pointer: &str, value: &str) {
    if value.trim().is_empty() {
        errors.push(FieldError::new(
            pointer,
            dms_schemas::FieldCode::MinLength,
            "must not be empty",
        ));
    }
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
            Err(ServiceError::MalformedJson(_)) => "malformed_json",
            Err(ServiceError::SchemaViolation(_)) => "schema_violation",
            Err(ServiceError::ValidationFailed(_)) => "validation_failed",
            Err(_) => "other",
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

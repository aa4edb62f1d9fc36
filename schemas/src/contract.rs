//! The published contract: JSON Schemas compiled once, and validation that reports every error at
//! once as (JSON Pointer, code, message) without ever echoing the submitted values.

use crate::codes::FieldCode;
use jsonschema::error::{TypeKind, ValidationErrorKind};
use serde::Serialize;
use serde_json::Value;

/// The registration-action schema exactly as published in `schemas/`.
pub const REGISTRATION_ACTION_V1: &str = include_str!("../registration-action.v1.schema.json");
/// The version name recorded with every action and named in its receipt.
pub const REGISTRATION_ACTION_V1_NAME: &str = "registration-action.v1";
/// A DMS unit's verification request to a registration body.
pub const VERIFICATION_REQUEST_V1: &str = include_str!("../verification-request.v1.schema.json");
/// A registration body's answer to a verification request.
pub const VERIFICATION_ANSWER_V1: &str = include_str!("../verification-answer.v1.schema.json");
/// One line of a data set for ЄДДР.
pub const DATASET_RECORD_V1: &str = include_str!("../dataset-record.v1.schema.json");

/// One thing wrong with a submission, located by JSON Pointer (RFC 6901).
// Built only by `FieldError::new` (non-exhaustive), whose code comes from `crate::codes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[non_exhaustive]
pub struct FieldError {
    /// JSON Pointer of the member at fault (`""` is the whole document).
    pub pointer: String,
    /// Stable machine-readable reason, e.g. `required`, `pattern`, `check_digit`.
    pub code: String,
    /// Human-readable explanation; never contains the submitted value.
    pub message: String,
}

impl FieldError {
    pub fn new(pointer: impl Into<String>, code: FieldCode, message: impl Into<String>) -> Self {
        FieldError {
            pointer: pointer.into(),
            code: code.as_str().to_owned(),
            message: message.into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("the bundled schema {name} does not compile: {reason}")]
pub struct SchemaLoadError {
    name: &'static str,
    reason: String,
}

/// A compiled schema with format assertions on and no remote references.
pub struct Contract {
    validator: jsonschema::Validator,
}

impl std::fmt::Debug for Contract {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Contract")
    }
}

fn escape_pointer_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

impl Contract {
    pub fn registration_action_v1() -> Result<Self, SchemaLoadError> {
        Self::compile(REGISTRATION_ACTION_V1_NAME, REGISTRATION_ACTION_V1)
    }

    pub fn verification_request_v1() -> Result<Self, SchemaLoadError> {
        Self::compile("verification-request.v1", VERIFICATION_REQUEST_V1)
    }

    pub fn verification_answer_v1() -> Result<Self, SchemaLoadError> {
        Self::compile("verification-answer.v1", VERIFICATION_ANSWER_V1)
    }

    pub fn dataset_record_v1() -> Result<Self, SchemaLoadError> {
        Self::compile("dataset-record.v1", DATASET_RECORD_V1)
    }

    pub fn compile(name: &'static str, text: &str) -> Result<Self, SchemaLoadError> {
        let fail = |reason: String| SchemaLoadError { name, reason };
        let schema: Value = serde_json::from_str(text).map_err(|e| fail(e.to_string()))?;
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .should_validate_formats(true)
            .build(&schema)
            .map_err(|e| fail(e.to_string()))?;
        Ok(Contract { validator })
    }

    /// Every schema error, sorted by pointer, deduplicated.
    pub fn validate(&self, instance: &Value) -> Vec<FieldError> {
        let mut out: Vec<FieldError> = Vec::new();
        for err in self.validator.iter_errors(instance) {
            let at = err.instance_path().as_str().to_owned();
            match err.kind() {
                ValidationErrorKind::Required { property } => {
                    let name = property.as_str().unwrap_or_default();
                    out.push(FieldError::new(
                        format!("{at}/{}", escape_pointer_token(name)),
                        FieldCode::Required,
                        "is required",
                    ));
                }
                ValidationErrorKind::AdditionalProperties { unexpected } => {
                    for name in unexpected {
                        out.push(FieldError::new(
                            format!("{at}/{}", escape_pointer_token(name)),
                            FieldCode::UnknownMember,
                            "is not a member of this object in the schema",
                        ));
                    }
                }
                kind => {
                    let (code, message) = describe(kind);
                    out.push(FieldError::new(at, code, message));
                }
            }
        }
        out.extend(control_characters(instance));
        out.sort_by(|a, b| a.pointer.cmp(&b.pointer).then(a.code.cmp(&b.code)));
        out.dedup();
        out
    }
}

/// Whether `s` holds an ASCII control character other than tab, line feed and carriage return.
fn has_control_character(s: &str) -> bool {
    s.chars()
        .any(|c| c.is_ascii_control() && !matches!(c, '\t' | '\n' | '\r'))
}

/// Control characters anywhere in a document, in member names or string values: U+0000 cannot be
/// stored at all, and the others have no place in names, addresses or free text.
pub fn control_characters(instance: &Value) -> Vec<FieldError> {
    fn walk(v: &Value, at: &mut String, out: &mut Vec<FieldError>) {
        let len = at.len();
        match v {
            Value::String(s) if has_control_character(s) => out.push(FieldError::new(
                at.clone(),
                FieldCode::ControlCharacter,
                "must not contain control characters",
            )),
            Value::Object(map) => {
                for (k, item) in map {
                    at.push('/');
                    at.push_str(&escape_pointer_token(k));
                    if has_control_character(k) {
                        out.push(FieldError::new(
                            at.clone(),
                            FieldCode::ControlCharacter,
                            "the member name must not contain control characters",
                        ));
                    } else {
                        walk(item, at, out);
                    }
                    at.truncate(len);
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    at.push('/');
                    at.push_str(&i.to_string());
                    walk(item, at, out);
                    at.truncate(len);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(instance, &mut String::new(), &mut out);
    out
}

/// Code and message for one schema failure. Messages name the rule, never the value.
fn describe(kind: &ValidationErrorKind) -> (FieldCode, String) {
    use ValidationErrorKind as K;
    let (code, message): (FieldCode, String) = match kind {
        K::Type { kind } => {
            let expected = match kind {
                TypeKind::Single(t) => t.to_string(),
                TypeKind::Multiple(ts) => format!("{ts:?}"),
            };
            (FieldCode::Type, format!("must be of type {expected}"))
        }
        K::Enum { options } => (FieldCode::Enum, format!("must be one of {options}")),
        K::Constant { expected_value } => (FieldCode::Const, format!("must be {expected_value}")),
        K::Pattern { .. } => (FieldCode::Pattern, "does not have the required format".to_owned()),
        K::Format { format } => (FieldCode::Format, format!("must be a valid {format}")),
        K::MinLength { limit } => (FieldCode::MinLength, format!("must be at least {limit} characters long")),
        K::MaxLength { limit } => (FieldCode::MaxLength, format!("must be at most {limit} characters long")),
        K::MinProperties { limit } => (FieldCode::MinProperties, format!("must have at least {limit} members")),
        K::MaxProperties { limit } => (FieldCode::MaxProperties, format!("must have at most {limit} members")),
        K::FalseSchema => (
            FieldCode::NotAllowed,
            "is not allowed here (check action/type: this member belongs to another kind of action)"
                .to_owned(),
        ),
        K::Minimum { limit } => (FieldCode::Minimum, format!("must be at least {limit}")),
        K::Maximum { limit } => (FieldCode::Maximum, format!("must be at most {limit}")),
        other => (FieldCode::Schema, format!("violates the schema keyword `{}`", other.keyword())),
    };
    (code, message)
}

#[cfg(test)]
mod tests;

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
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    /// The answer's rules are in the schema, so a vendor's local check catches them.
    #[test]
    fn the_answer_schema_says_what_the_service_checks() {
        let c = Contract::verification_answer_v1().unwrap();
        let faults = |doc| {
            c.validate(&doc)
                .into_iter()
                .map(|e| (e.pointer, e.code))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            faults(json!({"result": "not_registered", "registered_since": "2020-01-01"})),
            [("/registered_since".to_owned(), "not_allowed".to_owned())]
        );
        assert_eq!(
            faults(json!({"result": "confirmed", "details": ""})),
            [("/details".to_owned(), "min_length".to_owned())]
        );
        assert!(
            faults(json!({"result": "confirmed", "registered_since": "2020-01-01"})).is_empty()
        );
        assert!(faults(json!({"result": "not_registered", "details": "вибув"})).is_empty());
    }

    #[test]
    fn reports_every_error_with_pointers_and_no_values() {
        let c = Contract::registration_action_v1().unwrap();
        let errors = c.validate(&json!({
            "external_id": "",
            "action": {"type": "registration_of_residence", "date": "2026-02-30"},
            "person": {"surname": "Smith", "given_name": "Олена", "birth_date": "1990-01-01",
                       "document": {"type": "id_card", "number": "1"}, "extra": 1},
            "address": {"katottg": "UA1", "building": "1"}
        }));
        let mut pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
        pointers.dedup();
        assert_eq!(
            pointers,
            [
                "/action/date",
                "/address/katottg",
                "/external_id",
                // An ID card's number is nine digits: the schema says so (a pattern per type).
                "/person/document/number",
                "/person/extra",
                "/person/surname"
            ]
        );
        let text = serde_json::to_string(&errors).unwrap();
        assert!(!text.contains("Smith") && !text.contains("2026-02-30") && !text.contains("UA1\""));
    }

    #[test]
    fn cancellation_shape_is_enforced() {
        let c = Contract::registration_action_v1().unwrap();
        let errors = c.validate(&json!({
            "external_id": "x1",
            "action": {"type": "cancellation", "date": "2026-01-05"},
            "address": {"katottg": "UA68040470010096613", "building": "1"}
        }));
        let got: Vec<(&str, &str)> = errors
            .iter()
            .map(|e| (e.pointer.as_str(), e.code.as_str()))
            .collect();
        assert_eq!(got, [("/address", "not_allowed"), ("/cancels", "required")]);
    }

    #[test]
    fn deregistration_needs_a_ground_and_others_refuse_one() {
        let c = Contract::registration_action_v1().unwrap();
        let base = |t: &str, ground: Option<Value>| {
            let mut action = json!({"type": t, "date": "2026-01-05"});
            if let Some(g) = ground {
                action["ground"] = g;
            }
            json!({"external_id": "x", "action": action,
                "person": {"surname": "Гнатюк", "given_name": "Василь", "birth_date": "1972-01-23",
                           "document": {"type": "id_card", "number": "100200300"}},
                "address": {"katottg": "UA68040470010096613", "building": "1"}})
        };
        let e = c.validate(&base("deregistration_of_residence", None));
        assert_eq!(
            e,
            [FieldError::new(
                "/action/ground",
                FieldCode::Required,
                "is required"
            )]
        );
        let e = c.validate(&base(
            "registration_of_residence",
            Some(json!({"code": "death"})),
        ));
        assert_eq!(e.len(), 1);
        assert_eq!(
            (e[0].pointer.as_str(), e[0].code.as_str()),
            ("/action/ground", "not_allowed")
        );
        assert!(c
            .validate(&base(
                "deregistration_of_stay",
                Some(json!({"code": "death"}))
            ))
            .is_empty());
    }

    #[test]
    fn every_shipped_example_is_valid() {
        let c = Contract::registration_action_v1().unwrap();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
        let mut seen = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let doc: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
            assert_eq!(c.validate(&doc), [], "{}", path.display());
            seen += 1;
        }
        assert!(
            seen >= 8,
            "one example per action type and one with the v1 additions"
        );
    }

    fn example(name: &str) -> Value {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("examples")
            .join(format!("{name}.json"));
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
    }

    /// Set (or with `null`, remove) the member at a JSON Pointer, creating objects on the way.
    fn set(doc: &mut Value, pointer: &str, value: Value) {
        let (parent, last) = pointer.rsplit_once('/').unwrap();
        let mut at = doc;
        for token in parent.split('/').skip(1) {
            if at.get(token).is_none() {
                at[token] = json!({});
            }
            at = &mut at[token];
        }
        let map = at.as_object_mut().unwrap();
        if value.is_null() {
            map.remove(last);
        } else {
            map.insert(last.to_owned(), value);
        }
    }

    fn faults(c: &Contract, doc: &Value) -> Vec<(String, String)> {
        c.validate(doc)
            .into_iter()
            .map(|e| (e.pointer, e.code))
            .collect()
    }

    /// Every member added in v1 is accepted in its good forms.
    #[test]
    fn the_v1_additions_are_accepted() {
        let c = Contract::registration_action_v1().unwrap();
        let base = example("registration-of-residence-foreign-child");
        assert_eq!(faults(&c, &base), []);
        let good: &[(&str, Value)] = &[
            ("/person/citizenship", json!({"stateless": true})),
            ("/person/citizenship", json!({"countries": ["UKR", "POL"]})),
            (
                "/person/latin_name",
                json!({"surname": "Müller-Łącka", "given_name": "Anne Marie"}),
            ),
            ("/person/latin_name", json!({"surname": "O'Brien"})),
            (
                "/person/place_of_birth",
                json!({"country": "UKR", "region": "Хмельницька область",
                       "settlement": "Бахматівці", "katottg": "UA68040470020031437"}),
            ),
            (
                "/person/place_of_birth",
                json!({"country": "JPN", "settlement": "東京"}),
            ),
            ("/person/document/issuer", json!("6801")),
            ("/address/room", json!("12а")),
            ("/address/street_type", json!("avenue")),
            ("/address/block", json!("2")),
            (
                "/previous_address",
                json!({"katottg": "UA46060250000025047", "street_type": "lane", "street": "Тиха",
                       "building": "3", "room": "7"}),
            ),
            (
                "/previous_address",
                json!({"country": "UKR", "katottg": "UA46060250000025047"}),
            ),
            ("/action/basis", json!({"type": "dormitory_assignment"})),
            (
                "/action/basis",
                json!({"type": "other", "document": "Рішення виконкому № 5"}),
            ),
            (
                "/legal_representative",
                json!({"role": "guardian", "surname": "Гнатюк", "given_name": "Василь",
                       "patronymic": "Степанович", "unzr": "19720123-00489",
                       "rnokpp": "2632010118",
                       "document": {"type": "id_card", "number": "100200300",
                                    "issued_on": "2019-01-01", "expires_on": "2029-01-01",
                                    "issuer_code": "6810"}}),
            ),
        ];
        for (pointer, value) in good {
            let mut doc = base.clone();
            set(&mut doc, pointer, value.clone());
            assert_eq!(faults(&c, &doc), [], "{pointer} = {value}");
        }
        // The date of death, on a deregistration by death.
        let mut dereg = example("deregistration-of-residence");
        dereg["action"]["ground"] = json!({"code": "death", "date_of_death": "2026-11-17",
                                           "document": "Витяг з Державного реєстру актів цивільного стану"});
        dereg["legal_representative"] = base["legal_representative"].clone();
        assert_eq!(faults(&c, &dereg), []);
    }

    /// Each malformed new member is refused by the schema, at its pointer, with its code.
    #[test]
    fn the_v1_additions_are_refused_when_malformed() {
        let c = Contract::registration_action_v1().unwrap();
        let base = example("registration-of-residence-foreign-child");
        type Case<'a> = (&'a str, Value, &'a [(&'a str, &'a str)]);
        let cases: &[Case] = &[
            (
                "/person/citizenship",
                json!({}),
                &[("/person/citizenship", "min_properties")],
            ),
            (
                "/person/citizenship",
                json!({"countries": ["POL"], "stateless": true}),
                &[("/person/citizenship", "max_properties")],
            ),
            (
                "/person/citizenship",
                json!({"countries": ["pol"]}),
                &[("/person/citizenship/countries/0", "pattern")],
            ),
            (
                "/person/citizenship",
                json!({"countries": ["POL", "POL"]}),
                &[("/person/citizenship/countries", "schema")],
            ),
            (
                "/person/citizenship",
                json!({"countries": []}),
                &[("/person/citizenship/countries", "schema")],
            ),
            (
                "/person/citizenship",
                json!({"stateless": false}),
                &[("/person/citizenship/stateless", "const")],
            ),
            (
                "/person/citizenship",
                json!({"country": "POL"}),
                &[("/person/citizenship/country", "unknown_member")],
            ),
            (
                "/person/place_of_birth",
                json!({"country": "POL"}),
                &[("/person/place_of_birth/settlement", "required")],
            ),
            (
                "/person/place_of_birth",
                json!({"country": "POL", "settlement": "Kraków", "katottg": "UA68040470010096613"}),
                &[("/person/place_of_birth/country", "const")],
            ),
            (
                "/person/place_of_birth",
                json!({"country": "UKR", "settlement": "Київ", "katottg": "UA8000"}),
                &[("/person/place_of_birth/katottg", "pattern")],
            ),
            (
                "/person/latin_name/surname",
                json!("Ковальська"),
                &[("/person/latin_name/surname", "pattern")],
            ),
            (
                "/person/latin_name",
                json!({"given_name": "Zofia"}),
                &[("/person/latin_name/surname", "required")],
            ),
            (
                "/person/document/expires_on",
                json!("2029-02-30"),
                &[("/person/document/expires_on", "format")],
            ),
            (
                "/person/document/issuer_code",
                json!("681"),
                &[("/person/document/issuer_code", "pattern")],
            ),
            (
                "/person/document/type",
                json!("passport"),
                &[("/person/document/type", "enum")],
            ),
            (
                "/address/street_type",
                json!("вулиця"),
                &[("/address/street_type", "enum")],
            ),
            (
                "/address/street",
                Value::Null,
                &[("/address/street", "required")],
            ),
            (
                "/address/room",
                json!(""),
                &[("/address/room", "min_length")],
            ),
            (
                "/previous_address/katottg",
                json!("UA46060250000025047"),
                &[("/previous_address/katottg", "not_allowed")],
            ),
            (
                "/previous_address",
                json!({"country": "POL"}),
                &[("/previous_address/foreign_address", "required")],
            ),
            (
                "/previous_address",
                json!({"building": "3"}),
                &[("/previous_address/katottg", "required")],
            ),
            (
                "/previous_address",
                json!({"katottg": "UA46060250000025047", "foreign_address": "Kraków"}),
                &[("/previous_address/foreign_address", "not_allowed")],
            ),
            (
                "/legal_representative/role",
                json!("mother"),
                &[("/legal_representative/role", "enum")],
            ),
            (
                "/legal_representative/given_name",
                Value::Null,
                &[("/legal_representative/given_name", "required")],
            ),
            (
                "/legal_representative/surname",
                json!("Kowalski"),
                &[("/legal_representative/surname", "pattern")],
            ),
            (
                "/legal_representative/rnokpp",
                json!("12345"),
                &[("/legal_representative/rnokpp", "pattern")],
            ),
            (
                "/legal_representative/document/number",
                json!("ea1234567"),
                &[("/legal_representative/document/number", "pattern")],
            ),
            (
                "/action/basis",
                json!({"type": "other"}),
                &[("/action/basis/document", "required")],
            ),
            (
                "/action/basis/type",
                json!("rent"),
                &[("/action/basis/type", "enum")],
            ),
            (
                "/action/basis/date",
                json!("02.11.2026"),
                &[("/action/basis/date", "format")],
            ),
        ];
        for (pointer, value, want) in cases {
            let mut doc = base.clone();
            set(&mut doc, pointer, value.clone());
            let want: Vec<(String, String)> = want
                .iter()
                .map(|(p, c)| ((*p).to_owned(), (*c).to_owned()))
                .collect();
            assert_eq!(faults(&c, &doc), want, "{pointer} = {value}");
        }
    }

    /// Members that belong to other kinds of action are refused where they do not belong.
    #[test]
    fn the_v1_additions_belong_to_their_actions() {
        let c = Contract::registration_action_v1().unwrap();
        let child = example("registration-of-residence-foreign-child");
        let mut dereg = example("deregistration-of-residence");
        dereg["action"]["basis"] = json!({"type": "ownership"});
        dereg["previous_address"] = child["previous_address"].clone();
        dereg["action"]["ground"]["date_of_death"] = json!("2026-11-17");
        assert_eq!(
            faults(&c, &dereg),
            [
                ("/action/basis".to_owned(), "not_allowed".to_owned()),
                (
                    "/action/ground/date_of_death".to_owned(),
                    "not_allowed".to_owned()
                ),
                ("/previous_address".to_owned(), "not_allowed".to_owned()),
            ]
        );
        let mut cancel = example("cancellation");
        cancel["previous_address"] = child["previous_address"].clone();
        cancel["legal_representative"] = child["legal_representative"].clone();
        cancel["action"]["basis"] = json!({"type": "ownership"});
        assert_eq!(
            faults(&c, &cancel),
            [
                ("/action/basis".to_owned(), "not_allowed".to_owned()),
                ("/legal_representative".to_owned(), "not_allowed".to_owned()),
                ("/previous_address".to_owned(), "not_allowed".to_owned()),
            ]
        );
    }

    /// Good and bad numbers of every document type: the schema's pattern for the type and
    /// `DocumentNumber::parse` agree on each (so a vendor's local check and the service agree).
    #[test]
    fn number_patterns_agree_with_the_identifier_checks() {
        use crate::identifiers::{DocumentNumber, DocumentType};
        let c = Contract::registration_action_v1().unwrap();
        let samples: &[(&str, &[&str], &[&str])] = &[
            (
                "passport_booklet",
                &["КВ123456", "ЇҐ000001", "НВ123456"],
                &[
                    "HB123456",
                    "ЫЭ123456",
                    "НВ12345",
                    "НВ1234567",
                    "нв123456",
                    "НВ 123456",
                    "НВ12345٣",
                ],
            ),
            (
                "id_card",
                &["004512876", "000000000"],
                &[
                    "00451287",
                    "0045128760",
                    "00451287a",
                    "00451287٣",
                    " 004512876",
                ],
            ),
            (
                "birth_certificate",
                &[
                    "I-АБ 123456",
                    "XIV-БВ 654321",
                    "XXXIX-ЯЯ 000000",
                    "ІХ-БК 123456",
                    "XІ-БК 123456",
                    "VIII-ЇЄ 123456",
                    "IV-АА 123456",
                    "XX-АА 123456",
                ],
                &[
                    "IIII-АБ 123456",
                    "I-АБ123456",
                    "I-AB 123456",
                    "АБ 123456",
                    "XL-АБ 123456",
                    "IIX-АБ 123456",
                    "VX-АБ 123456",
                    "ІІІІ-БК 123456",
                    "Б-БК 123456",
                    "-АБ 123456",
                    "I-АБ 12345",
                    "XXXX-АБ 123456",
                    "i-АБ 123456",
                ],
            ),
            (
                "permanent_residence_permit",
                &["900123456"],
                &["90012345a", "9001234567", "ПП900123"],
            ),
            (
                "temporary_residence_permit",
                &["900123456"],
                &["90012345", "9001 23456"],
            ),
            (
                "passport_for_travel_abroad",
                &["FA123456", "EK000001"],
                &["FA12345", "fa123456", "ФА123456", "FA1234567", "F1234567"],
            ),
            (
                "foreign_passport",
                &["EA1234567", "C01X00T47", "1", "ABCDEFGHIJ0123456789"],
                &[
                    "ea1234567",
                    "EA 1234567",
                    "EA-1234567",
                    "ABCDEFGHIJ01234567890",
                    "ЕА1234567",
                    "EA<<1234",
                ],
            ),
            (
                "refugee_certificate",
                &[
                    "123456",
                    "123456789",
                    "АБ123456",
                    "ПБ0012345",
                    "ABC123456",
                    "ІЇЄ000001",
                ],
                &[
                    "12345",
                    "1234567890",
                    "АБВГ123456",
                    "АБ 123456",
                    "аб123456",
                    "123456А",
                ],
            ),
            (
                "additional_protection_certificate",
                &["000777", "ДЗ123456", "DZ123456789"],
                &["ДЗ12345", "ДЗ-123456", "ЫЫ123456"],
            ),
        ];
        let listed: Vec<&str> = samples.iter().map(|(t, _, _)| *t).collect();
        let all: Vec<&str> = DocumentType::ALL.iter().map(|t| t.as_str()).collect();
        assert_eq!(listed, all, "a sample row for every type");
        for (kind, good, bad) in samples {
            let typed = DocumentType::parse(kind).unwrap();
            for (number, want) in good
                .iter()
                .map(|n| (n, true))
                .chain(bad.iter().map(|n| (n, false)))
            {
                let doc = json!({"external_id": "x", "action": {"type": "declaration_of_stay", "date": "2026-11-20"},
                    "person": {"surname": "Гнатюк", "given_name": "Василь", "birth_date": "1972-01-23",
                               "document": {"type": kind, "number": number}},
                    "address": {"katottg": "UA68040470010096613", "building": "1"}});
                let schema_ok = c.validate(&doc).is_empty();
                let parsed_ok = DocumentNumber::parse(typed, number).is_ok();
                assert_eq!(schema_ok, want, "schema: {kind} {number:?}");
                assert_eq!(parsed_ok, want, "identifiers: {kind} {number:?}");
            }
        }
    }

    /// The schema's document types are `DocumentType::ALL`, in order.
    #[test]
    fn the_schema_lists_the_document_types_of_the_code() {
        let schema: Value = serde_json::from_str(REGISTRATION_ACTION_V1).unwrap();
        let listed = &schema["$defs"]["document"]["properties"]["type"]["enum"];
        let all: Vec<&str> = crate::DocumentType::ALL
            .iter()
            .map(|t| t.as_str())
            .collect();
        assert_eq!(listed, &json!(all));
        let patterns = schema["$defs"]["document"]["allOf"].as_array().unwrap();
        let with_pattern: Vec<&str> = patterns
            .iter()
            .map(|p| p["if"]["properties"]["type"]["const"].as_str().unwrap())
            .collect();
        assert_eq!(with_pattern, all, "a number pattern for every type");
    }

    /// A data-set record carries person, address, ground, basis, previous address and
    /// representative exactly as the action had them: the two schemas define them alike.
    #[test]
    fn the_record_schema_defines_what_the_action_schema_defines() {
        let action: Value = serde_json::from_str(REGISTRATION_ACTION_V1).unwrap();
        let record: Value = serde_json::from_str(DATASET_RECORD_V1).unwrap();
        assert_eq!(action["$defs"], record["$defs"]);
        for member in [
            "person",
            "address",
            "previous_address",
            "legal_representative",
        ] {
            assert_eq!(
                action["properties"][member], record["properties"][member],
                "{member}"
            );
        }
        for member in ["ground", "basis"] {
            assert_eq!(
                action["properties"]["action"]["properties"][member], record["properties"][member],
                "{member}"
            );
        }
        // And a record built from the richest example is valid.
        let c = Contract::dataset_record_v1().unwrap();
        let child = example("registration-of-residence-foreign-child");
        let record = json!({
            "record_type": "registration_action",
            "action_id": "01a203eb-1d9a-7549-9443-01fb51a638d0",
            "dms_number": "DMS-2026-0000008",
            "registration_body_edrpou": "04060772",
            "action_type": "registration_of_residence",
            "action_date": "2026-11-20",
            "received_at": "2026-11-20T10:00:00.000000Z",
            "late": false,
            "basis": child["action"]["basis"],
            "person": child["person"],
            "address": child["address"],
            "previous_address": child["previous_address"],
            "legal_representative": child["legal_representative"],
        });
        assert_eq!(c.validate(&record), []);
    }
}

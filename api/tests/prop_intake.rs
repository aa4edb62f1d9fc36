//! The stable-toolchain counterpart of the `fuzz/` target `intake_body`: the request body parser
//! and validator (`intake::check_document`) fed with arbitrary bytes, byte-mutated examples and
//! structurally mutated examples. Whatever comes in, it never panics, and every refusal is a
//! problem+json with a non-empty `code`, a 4xx status and valid JSON Pointers.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use actix_web::body::MessageBody;
use actix_web::http::header;
use actix_web::ResponseError;
use chrono::{Duration, NaiveDate};
use dms_api::intake::check_document;
use dms_api::problem::{ApiError, UKRAINIAN};
use dms_schemas::Contract;
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Map, Value};
use std::sync::OnceLock;

fn contract() -> &'static Contract {
    static CONTRACT: OnceLock<Contract> = OnceLock::new();
    CONTRACT
        .get_or_init(|| Contract::registration_action_v1().expect("the bundled schema compiles"))
}

/// The shipped examples (`schemas/examples/*.json`), raw bytes, in name order.
fn examples() -> &'static [Vec<u8>] {
    static EXAMPLES: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    EXAMPLES.get_or_init(|| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas/examples");
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        paths.sort();
        assert!(!paths.is_empty(), "no examples found");
        paths.iter().map(|p| std::fs::read(p).unwrap()).collect()
    })
}

/// The examples are dated 2026-11-20; receiving them on this day accepts them.
fn example_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        max_shrink_iters: 2_000,
        ..ProptestConfig::default()
    }
}

/// RFC 6901: empty, or `/`-separated tokens in which `~` only appears as `~0` or `~1`.
fn is_json_pointer(p: &str) -> bool {
    if p.is_empty() {
        return true;
    }
    if !p.starts_with('/') {
        return false;
    }
    let mut chars = p.chars();
    while let Some(c) = chars.next() {
        if c == '~' && !matches!(chars.next(), Some('0' | '1')) {
            return false;
        }
    }
    true
}

/// The properties every refusal must have; returns the code.
fn check_refusal(err: &ApiError) -> Result<String, TestCaseError> {
    let problem = err.problem();
    prop_assert!(!problem.code.is_empty());
    prop_assert!(
        (400..500).contains(&problem.status),
        "status {}",
        problem.status
    );
    for e in &problem.errors {
        prop_assert!(is_json_pointer(&e.pointer), "bad pointer {:?}", e.pointer);
        prop_assert!(!e.code.is_empty());
    }
    if matches!(
        err,
        ApiError::SchemaViolation(_) | ApiError::ValidationFailed(_)
    ) {
        prop_assert!(
            !problem.errors.is_empty(),
            "{} without errors[]",
            problem.code
        );
    }

    let response = err.error_response();
    prop_assert!(response.status().is_client_error());
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    prop_assert_eq!(content_type.as_str(), "application/problem+json");
    let body = response
        .into_body()
        .try_into_bytes()
        .map_err(|_| TestCaseError::fail("the problem body is not in memory"))?;
    let json: Value = serde_json::from_slice(&body)
        .map_err(|e| TestCaseError::fail(format!("the problem body is not JSON: {e}")))?;
    let code = json["code"].as_str().unwrap_or_default();
    prop_assert!(!code.is_empty(), "no code in {}", json);
    prop_assert_eq!(code, problem.code.as_str());
    prop_assert_eq!(json["status"].as_u64(), Some(u64::from(problem.status)));
    if let Some(errors) = json.get("errors") {
        let errors = errors.as_array().expect("errors is an array");
        prop_assert!(!errors.is_empty());
        for e in errors {
            let pointer = e["pointer"].as_str().expect("every error has a pointer");
            prop_assert!(is_json_pointer(pointer), "bad pointer {:?}", pointer);
            prop_assert!(!e["code"].as_str().unwrap_or_default().is_empty());
        }
    }
    // The code does not depend on the language.
    let uk = UKRAINIAN.sync_scope(true, || err.problem());
    prop_assert_eq!(uk.code, problem.code.clone());
    prop_assert_eq!(uk.status, problem.status);
    Ok(problem.code)
}

/// Runs the intake on `bytes` and checks the outcome; returns the refusal's code, if any.
fn check(bytes: &[u8], today: NaiveDate) -> Result<Option<String>, TestCaseError> {
    match check_document(contract(), bytes, today) {
        Ok((document, action)) => {
            prop_assert!(contract().validate(&document).is_empty());
            prop_assert_eq!(
                document["external_id"].as_str(),
                Some(action.external_id.as_str())
            );
            prop_assert!(action.action_date <= today);
            Ok(None)
        }
        Err(err) => {
            let code = check_refusal(&err)?;
            if let ApiError::ValidationFailed(errors) = &err {
                // Past the schema the typed model must agree with it.
                prop_assert!(
                    errors.iter().all(|e| e.code != "schema"),
                    "schema and typed model disagree: {:?}",
                    errors
                );
            }
            Ok(Some(code))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Strategies.

fn today() -> impl Strategy<Value = NaiveDate> {
    prop_oneof![
        3 => Just(example_day()),
        1 => (-800i64..800).prop_map(|n| example_day() + Duration::days(n)),
    ]
}

fn example() -> impl Strategy<Value = Vec<u8>> {
    proptest::sample::select(examples().to_vec())
}

#[derive(Debug, Clone)]
enum ByteEdit {
    Flip(Index, u8),
    Insert(Index, Vec<u8>),
    Delete(Index, usize),
    Truncate(Index),
    Duplicate(Index, usize),
    /// One decimal digit replaced by another (reaches check digits and dates).
    Digit(Index, u8),
}

fn byte_edit() -> impl Strategy<Value = ByteEdit> {
    let token = prop_oneof![
        proptest::collection::vec(any::<u8>(), 1..4),
        prop_oneof![
            Just("\""),
            Just("{"),
            Just("}"),
            Just("["),
            Just("]"),
            Just(","),
            Just(":"),
            Just("\\"),
            Just("\\u0000"),
            Just("\\ud800"),
            Just("1e999999"),
            Just("-0"),
            Just("null"),
            Just("\u{10FFFF}"),
            Just("ʼ"),
            Just("\"x\":1,"),
        ]
        .prop_map(|s| s.as_bytes().to_vec()),
    ];
    prop_oneof![
        (any::<Index>(), 1u8..=255).prop_map(|(i, x)| ByteEdit::Flip(i, x)),
        (any::<Index>(), token).prop_map(|(i, t)| ByteEdit::Insert(i, t)),
        (any::<Index>(), 1usize..16).prop_map(|(i, n)| ByteEdit::Delete(i, n)),
        any::<Index>().prop_map(ByteEdit::Truncate),
        (any::<Index>(), 1usize..64).prop_map(|(i, n)| ByteEdit::Duplicate(i, n)),
        (any::<Index>(), 1u8..10).prop_map(|(i, d)| ByteEdit::Digit(i, d)),
    ]
}

fn apply_byte_edit(bytes: &mut Vec<u8>, edit: &ByteEdit) {
    if bytes.is_empty() {
        return;
    }
    match edit {
        ByteEdit::Flip(i, x) => {
            let at = i.index(bytes.len());
            bytes[at] ^= x;
        }
        ByteEdit::Insert(i, t) => {
            let at = i.index(bytes.len() + 1);
            bytes.splice(at..at, t.iter().copied());
        }
        ByteEdit::Delete(i, n) => {
            let at = i.index(bytes.len());
            let end = (at + n).min(bytes.len());
            bytes.drain(at..end);
        }
        ByteEdit::Truncate(i) => {
            let at = i.index(bytes.len());
            bytes.truncate(at);
        }
        ByteEdit::Digit(i, d) => {
            let digits: Vec<usize> = (0..bytes.len())
                .filter(|&k| bytes[k].is_ascii_digit())
                .collect();
            if !digits.is_empty() {
                let at = digits[i.index(digits.len())];
                bytes[at] = b'0' + (bytes[at] - b'0' + d) % 10;
            }
        }
        ByteEdit::Duplicate(i, n) => {
            let at = i.index(bytes.len());
            let end = (at + n).min(bytes.len());
            let slice = bytes[at..end].to_vec();
            bytes.splice(end..end, slice);
        }
    }
}

/// Member names: the contract's own, awkward ones and arbitrary ones.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => proptest::sample::select(vec![
            "external_id", "action", "type", "date", "ground", "code", "document", "person",
            "unzr", "rnokpp", "surname", "given_name", "patronymic", "birth_date", "sex", "number",
            "issued_on", "issuer", "address", "katottg", "street", "building", "block",
            "apartment", "postal_code", "cancels", "dms_number", "action_id", "reason",
        ])
        .prop_map(str::to_owned),
        1 => proptest::sample::select(vec!["", "~", "/", "~0", "~1", "a/b~c", "~/~/", "\u{0}", "ʼ"])
            .prop_map(str::to_owned),
        1 => any::<String>(),
    ]
}

/// Strings that come close to what the validator looks at, so mutations get past the schema.
fn near_valid_string() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9]{8}-[0-9]{5}",
        "(19[0-9]{2}|20[0-2][0-9])(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])-[0-9]{5}",
        "[0-9]{10}",
        "UA[0-9]{17}",
        "UA6804047[0-9]{10}",
        "(18|19|20|21)[0-9]{2}-(0[0-9]|1[0-3])-([0-3][0-9])",
        "20(2[0-9]|30)-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])",
        "[А-ЯҐЄІЇ]{2}[0-9]{6}",
        "[0-9]{9}",
        "[IVX]{1,4}-[А-ЯҐЄІЇ]{2} [0-9]{6}",
        "DMS-20[0-9]{2}-[0-9]{7,9}",
        "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
        proptest::sample::select(vec![
            "declaration_of_residence",
            "declaration_of_stay",
            "registration_of_residence",
            "registration_of_stay",
            "deregistration_of_residence",
            "deregistration_of_stay",
            "cancellation",
            "passport_booklet",
            "id_card",
            "birth_certificate",
            "permanent_residence_permit",
            "temporary_residence_permit",
            "passport_for_travel_abroad",
            "foreign_passport",
            "refugee_certificate",
            "additional_protection_certificate",
            "UKR",
            "street",
            "parent",
            "death",
            "application",
            "female",
            "male",
        ])
        .prop_map(str::to_owned),
        "[А-ЩЬЮЯҐЄІЇ][а-щьюяґєії]{1,10}",
        "[A-Za-z0-9][A-Za-z0-9._:/-]{0,20}",
    ]
}

fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        any::<String>().prop_map(Value::String),
        near_valid_string().prop_map(Value::String),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    json_leaf().prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec((key(), inner), 0..6)
                .prop_map(|members| Value::Object(members.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

#[derive(Debug, Clone)]
enum Edit {
    Replace(Value),
    Remove,
    Insert(String, Value),
    Nest(usize, bool),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        4 => json_value().prop_map(Edit::Replace),
        4 => near_valid_string().prop_map(|s| Edit::Replace(Value::String(s))),
        3 => Just(Edit::Remove),
        2 => (key(), json_value()).prop_map(|(k, v)| Edit::Insert(k, v)),
        1 => (1usize..300, any::<bool>()).prop_map(|(depth, array)| Edit::Nest(depth, array)),
    ]
}

/// Applies `edit` at the node reached by following `path` (each step picks a member or element).
fn apply_edit(node: &mut Value, path: &[Index], edit: &Edit) {
    if let Some((step, rest)) = path.split_first() {
        let len = match node {
            Value::Object(m) => m.len(),
            Value::Array(a) => a.len(),
            _ => 0,
        };
        if len > 0 {
            let at = step.index(len);
            // Removing is done from the parent.
            if rest.is_empty() && matches!(edit, Edit::Remove) {
                match node {
                    Value::Object(m) => {
                        let k = m.keys().nth(at).cloned().unwrap();
                        m.remove(&k);
                    }
                    Value::Array(a) => {
                        a.remove(at);
                    }
                    _ => {}
                }
                return;
            }
            let child = match node {
                Value::Object(m) => m.values_mut().nth(at),
                Value::Array(a) => a.get_mut(at),
                _ => None,
            };
            if let Some(child) = child {
                apply_edit(child, rest, edit);
                return;
            }
        }
    }
    match edit {
        Edit::Replace(v) => *node = v.clone(),
        Edit::Remove => *node = Value::Null,
        Edit::Insert(k, v) => match node {
            Value::Object(m) => {
                m.insert(k.clone(), v.clone());
            }
            other => *other = Value::Object(Map::from_iter([(k.clone(), v.clone())])),
        },
        Edit::Nest(depth, array) => {
            let mut v = node.take();
            for _ in 0..*depth {
                v = if *array {
                    Value::Array(vec![v])
                } else {
                    Value::Object(Map::from_iter([("action".to_owned(), v)]))
                };
            }
            *node = v;
        }
    }
}

fn structurally_mutated() -> impl Strategy<Value = Vec<u8>> {
    (
        example(),
        proptest::collection::vec(
            (proptest::collection::vec(any::<Index>(), 0..4), edit()),
            1..4,
        ),
        any::<bool>(),
    )
        .prop_map(|(bytes, edits, pretty)| {
            let mut doc: Value = serde_json::from_slice(&bytes).unwrap();
            for (path, e) in &edits {
                apply_edit(&mut doc, path, e);
            }
            if pretty {
                serde_json::to_vec_pretty(&doc).unwrap()
            } else {
                serde_json::to_vec(&doc).unwrap()
            }
        })
}

fn byte_mutated() -> impl Strategy<Value = Vec<u8>> {
    (example(), proptest::collection::vec(byte_edit(), 1..5)).prop_map(|(mut bytes, edits)| {
        for e in &edits {
            apply_byte_edit(&mut bytes, e);
        }
        bytes
    })
}

// ---------------------------------------------------------------------------------------------
// Properties.

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..600), today in today()) {
        check(&bytes, today)?;
    }

    #[test]
    fn arbitrary_json_documents(doc in json_value(), today in today()) {
        check(&serde_json::to_vec(&doc).unwrap(), today)?;
    }

    #[test]
    fn byte_mutated_examples(bytes in byte_mutated(), today in today()) {
        check(&bytes, today)?;
    }

    #[test]
    fn structurally_mutated_examples(bytes in structurally_mutated(), today in today()) {
        check(&bytes, today)?;
    }
}

#[test]
fn every_example_is_accepted() {
    for bytes in examples() {
        let r = check_document(contract(), bytes, example_day());
        assert!(r.is_ok(), "{:?}", r.err().map(|e| e.problem().errors));
    }
}

#[test]
fn the_pointer_check_itself() {
    for good in ["", "/", "/a", "/a~0b/~1", "/0/1"] {
        assert!(is_json_pointer(good), "{good}");
    }
    for bad in ["a", "a/b", "/~", "/~2", "/a~"] {
        assert!(!is_json_pointer(bad), "{bad}");
    }
}

/// The mutation strategies are not vacuous: they reach the parser, the schema and the
/// identifier checks, and leave some documents acceptable.
#[test]
fn mutations_reach_every_stage() {
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        proptest::test_runner::TestRng::deterministic_rng(
            proptest::test_runner::RngAlgorithm::ChaCha,
        ),
    );
    let mut seen = std::collections::BTreeSet::new();
    for strategy in [byte_mutated().boxed(), structurally_mutated().boxed()] {
        for _ in 0..400 {
            let bytes = strategy.new_tree(&mut runner).unwrap().current();
            let code = check(&bytes, example_day()).unwrap();
            seen.insert(code.unwrap_or_else(|| "accepted".to_owned()));
        }
    }
    for stage in [
        "malformed_json",
        "schema_violation",
        "validation_failed",
        "accepted",
    ] {
        assert!(seen.contains(stage), "{stage} never reached: {seen:?}");
    }
}

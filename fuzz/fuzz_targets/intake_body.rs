//! Fuzz target for the request body parser and validator: `dms_api::intake::check_document`, the
//! pure path of `POST /v1/registration-actions`. Properties: it never panics; every refusal is a
//! problem+json with a non-empty `code`, a 4xx status and valid JSON Pointers in `errors[]`;
//! everything accepted passes the schema. Seeds: `schemas/examples/*.json` (see `ops/fuzz`).

#![no_main]

use actix_web::body::MessageBody;
use actix_web::http::header;
use actix_web::ResponseError;
use chrono::NaiveDate;
use dms_api::intake::check_document;
use dms_api::problem::{ApiError, UKRAINIAN};
use dms_schemas::Contract;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use std::sync::OnceLock;

fn contract() -> &'static Contract {
    static CONTRACT: OnceLock<Contract> = OnceLock::new();
    CONTRACT.get_or_init(|| match Contract::registration_action_v1() {
        Ok(c) => c,
        Err(e) => panic!("the bundled schema does not compile: {e}"),
    })
}

/// The Kyiv day of receipt: two days after the examples' action date, so the seeds are accepted.
fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 22).unwrap_or_default()
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

fn check_refusal(err: &ApiError) {
    let problem = err.problem();
    assert!(!problem.code.is_empty(), "empty code");
    assert!(
        (400..500).contains(&problem.status),
        "status {}",
        problem.status
    );
    for e in &problem.errors {
        assert!(is_json_pointer(&e.pointer), "bad pointer {:?}", e.pointer);
        assert!(!e.code.is_empty(), "empty error code at {:?}", e.pointer);
    }
    if matches!(
        err,
        ApiError::SchemaViolation(_) | ApiError::ValidationFailed(_)
    ) {
        assert!(
            !problem.errors.is_empty(),
            "{} without errors[]",
            problem.code
        );
    }
    if let ApiError::ValidationFailed(errors) = err {
        assert!(
            errors.iter().all(|e| e.code != "schema"),
            "the schema passed but the typed model refused: {errors:?}"
        );
    }

    let response = err.error_response();
    assert!(response.status().is_client_error(), "{}", response.status());
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    assert_eq!(content_type.as_deref(), Some("application/problem+json"));
    let body = match response.into_body().try_into_bytes() {
        Ok(b) => b,
        Err(_) => panic!("the problem body is not in memory"),
    };
    let json: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => panic!("the problem body is not JSON: {e}"),
    };
    assert_eq!(json["code"].as_str(), Some(problem.code.as_str()));
    assert_eq!(json["status"].as_u64(), Some(u64::from(problem.status)));
    if let Some(errors) = json.get("errors") {
        let errors = errors.as_array().map(Vec::as_slice).unwrap_or_default();
        assert!(!errors.is_empty(), "errors present but empty");
        for e in errors {
            let pointer = e["pointer"].as_str();
            assert!(
                pointer.is_some_and(is_json_pointer),
                "bad pointer {pointer:?}"
            );
        }
    }

    let uk = UKRAINIAN.sync_scope(true, || err.problem());
    assert_eq!(uk.code, problem.code);
    assert_eq!(uk.status, problem.status);
}

fuzz_target!(|data: &[u8]| {
    match check_document(contract(), data, today()) {
        Ok((document, action)) => {
            assert!(
                contract().validate(&document).is_empty(),
                "accepted against the schema"
            );
            assert_eq!(
                document["external_id"].as_str(),
                Some(action.external_id.as_str())
            );
            assert!(
                action.action_date <= today(),
                "accepted an action dated after receipt"
            );
        }
        Err(err) => check_refusal(&err),
    }
});

//! The published test vectors of the identifiers (`schemas/test-vectors/identifiers.json`, in the
//! vendors' kit) agree with the service's checks: every valid value parses (and names its birth
//! date where it encodes one), every invalid value fails with the field code the vector names.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use dms_schemas::{Edrpou, Rnokpp, Unzr};
use serde_json::Value;

fn vectors() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/test-vectors/identifiers.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn each<'a>(v: &'a Value, kind: &str, part: &str) -> impl Iterator<Item = &'a Value> {
    let list = v[kind][part].as_array().unwrap();
    assert!(!list.is_empty(), "{kind}.{part} has vectors");
    list.iter()
}

#[test]
fn unzr_vectors() {
    let v = vectors();
    for x in each(&v, "unzr", "valid") {
        let u = Unzr::parse(x["value"].as_str().unwrap()).unwrap();
        assert_eq!(
            u.birth_date().unwrap().to_string(),
            x["birth_date"].as_str().unwrap()
        );
    }
    for x in each(&v, "unzr", "invalid") {
        let e = Unzr::parse(x["value"].as_str().unwrap()).unwrap_err();
        assert_eq!(e.field_code().as_str(), x["code"].as_str().unwrap(), "{x}");
    }
}

#[test]
fn rnokpp_vectors() {
    let v = vectors();
    for x in each(&v, "rnokpp", "valid") {
        let r = Rnokpp::parse(x["value"].as_str().unwrap()).unwrap();
        assert_eq!(
            r.birth_date().unwrap().to_string(),
            x["birth_date"].as_str().unwrap()
        );
    }
    for x in each(&v, "rnokpp", "invalid") {
        let e = Rnokpp::parse(x["value"].as_str().unwrap()).unwrap_err();
        assert_eq!(e.field_code().as_str(), x["code"].as_str().unwrap(), "{x}");
    }
}

#[test]
fn edrpou_vectors() {
    let v = vectors();
    for x in each(&v, "edrpou", "valid") {
        Edrpou::parse(x["value"].as_str().unwrap()).unwrap();
    }
    for x in each(&v, "edrpou", "invalid") {
        let e = Edrpou::parse(x["value"].as_str().unwrap()).unwrap_err();
        assert_eq!(e.field_code().as_str(), x["code"].as_str().unwrap(), "{x}");
    }
}

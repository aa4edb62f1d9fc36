//! The receipt test vector of the vendors' kit (`schemas/test-vectors/receipt.json`) verifies as
//! the guides' steps 1–5 say, with the reference client's check; a changed byte does not.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use sha2::{Digest, Sha256};

fn vector() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../schemas/test-vectors/receipt.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn the_receipt_vector_verifies_and_confirms_its_request() {
    let v = vector();
    let receipt = v["receipt"].as_str().unwrap();
    let verified = dms_client::verify_receipt(receipt, &v["jwks"]).unwrap();
    let claims: Value = serde_json::from_slice(&verified.payload).unwrap();
    let request_bytes = v["request_utf8"].as_str().unwrap().as_bytes();
    let request: Value = serde_json::from_slice(request_bytes).unwrap();
    assert_eq!(claims["external_id"], request["external_id"]);
    assert_eq!(claims["action_type"], request["action"]["type"]);
    assert_eq!(claims["action_date"], request["action"]["date"]);
    assert_eq!(
        claims["registration_body_edrpou"],
        v["registration_body_edrpou"]
    );
    assert_eq!(
        claims["body_sha256"],
        hex::encode(Sha256::digest(request_bytes)).as_str()
    );
}

#[test]
fn a_changed_receipt_does_not_verify() {
    let v = vector();
    let receipt = v["receipt"].as_str().unwrap();
    let (head, rest) = receipt.split_once('.').unwrap();
    let (payload, signature) = rest.split_once('.').unwrap();
    let mut bytes = payload.as_bytes().to_vec();
    let i = bytes.len() / 2;
    bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
    let changed = format!("{head}.{}.{signature}", String::from_utf8(bytes).unwrap());
    assert!(dms_client::verify_receipt(&changed, &v["jwks"]).is_err());
}

//! Independent checks used by the tests: receipts are verified here with ed25519-dalek directly,
//! not with the service's own verifier.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use serde_json::Value;

/// Verify a compact JWS receipt against the service's JWKS; return (header, claims).
pub fn verify_receipt(jws: &str, jwks: &Value) -> (Value, Value) {
    let parts: Vec<&str> = jws.split('.').collect();
    assert_eq!(parts.len(), 3, "compact JWS has three parts");
    let header: Value = serde_json::from_slice(&B64.decode(parts[0]).unwrap()).unwrap();
    assert_eq!(header["alg"], "EdDSA");
    assert_eq!(header["typ"], "dms-receipt+jws");
    let kid = header["kid"].as_str().expect("kid");
    let jwk = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == kid)
        .unwrap_or_else(|| panic!("kid {kid} is in the JWKS"));
    assert_eq!(
        (jwk["kty"].as_str(), jwk["crv"].as_str()),
        (Some("OKP"), Some("Ed25519"))
    );
    let x: [u8; 32] = B64
        .decode(jwk["x"].as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    let key = VerifyingKey::from_bytes(&x).unwrap();
    let sig: [u8; 64] = B64.decode(parts[2]).unwrap().try_into().unwrap();
    key.verify(
        format!("{}.{}", parts[0], parts[1]).as_bytes(),
        &Signature::from_bytes(&sig),
    )
    .expect("the receipt signature verifies against the JWKS");
    let payload = B64.decode(parts[1]).unwrap();
    let claims: Value = serde_json::from_slice(&payload).unwrap();
    // The payload is canonical JSON: keys sorted, no whitespace.
    assert_eq!(payload, canonical(&claims), "payload is canonical JSON");
    (header, claims)
}

fn canonical(v: &Value) -> Vec<u8> {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let mut out = b"{".to_vec();
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                out.extend(serde_json::to_vec(k).unwrap());
                out.push(b':');
                out.extend(canonical(&m[*k]));
            }
            out.push(b'}');
            out
        }
        Value::Array(a) => {
            let mut out = b"[".to_vec();
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                out.extend(canonical(x));
            }
            out.push(b']');
            out
        }
        other => serde_json::to_vec(other).unwrap(),
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

//! What the API and the feeder both sign and verify with: the key ring (Ed25519 keys in a
//! directory, published as a JWKS), compact JWS over canonical JSON, and durable file writes.

pub mod canonical;
pub mod keys;
pub mod tls;

pub use keys::{verify_compact, write_durably, ActiveKey, KeyError, KeyRing, VerifyError};

/// JOSE `typ` of receipts, distinct from other documents the service signs; here because the
/// service signs it and the vendors' client checks it.
pub const RECEIPT_TYP: &str = "dms-receipt+jws";

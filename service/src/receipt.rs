//! The receipt (підтвердження): the signed confirmation that makes a registration action legally
//! complete. A compact JWS (EdDSA) over canonical JSON, built inside the transaction that stores
//! it, and returned byte-identical on every retry.

use dms_db::actions::Assigned;
use serde_json::{json, Map, Value};

pub use dms_crypto::RECEIPT_TYP;

/// Timestamps are signed at microsecond precision, as PostgreSQL stores them.
pub fn timestamp(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// The signed claims. `confirmed_at` is when DMS produced the confirmation, just before commit.
pub fn claims(
    a: &Assigned<'_>,
    edrpou: &str,
    confirmed_at: chrono::DateTime<chrono::Utc>,
) -> Value {
    let n = a.action;
    let mut transport = Map::new();
    transport.insert("channel".into(), json!(n.transport.channel));
    for (k, v) in [
        ("client", &n.transport.client),
        ("query_id", &n.transport.query_id),
        ("user_id", &n.transport.user_id),
    ] {
        if let Some(v) = v {
            transport.insert(k.into(), json!(v));
        }
    }
    let mut claims = json!({
        "iss": "ДМС України",
        "typ": "registration-action-receipt",
        "action_id": n.id,
        "dms_number": a.dms_number,
        "registration_body_edrpou": edrpou,
        "external_id": n.external_id,
        "action_type": n.action_type,
        "action_date": n.action_date,
        "body_sha256": hex::encode(n.body_sha256),
        "schema_version": n.schema_version,
        "received_at": timestamp(n.received_at),
        "confirmed_at": timestamp(confirmed_at),
        "late": n.late,
        "request_id": n.request_id,
        "transport": transport,
    });
    if let Some(load) = n.bulk_load {
        // Historical: loaded from the register's existing data, never late.
        claims["historical"] = json!(true);
        claims["bulk_load_id"] = json!(load);
    }
    if let Some(id) = a.cancels_action_id {
        claims["cancels_action_id"] = json!(id);
    }
    claims
}

//! Channel authentication: each listener has one mode. A `token` listener maps a bearer token to
//! a registration body (only token hashes are stored); a `trembita` listener trusts the client
//! header set by the Трембіта security server in front of it. Client headers are ignored on a
//! token listener. Every refusal is audited.

use crate::problem::ApiError;
use crate::state::AppState;
use actix_web::HttpRequest;
use dms_db::actions::Transport;
use dms_db::audit::AuditEvent;
use dms_db::bodies::{self, CredentialKind, RegistrationBody};
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum ChannelMode {
    Token,
    Trembita,
}

impl ChannelMode {
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelMode::Token => "token",
            ChannelMode::Trembita => "trembita",
        }
    }
}

/// An authenticated registration body and how its request arrived.
#[derive(Debug, Clone)]
pub struct Caller {
    pub body: RegistrationBody,
    pub transport: Transport,
}

/// A new random bearer token (256 bits).
pub fn new_token() -> String {
    use base64::Engine;
    let bytes: [u8; 32] = rand::random();
    format!(
        "dms_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// The hex SHA-256 under which a bearer token is stored.
pub fn token_lookup(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn header<'a>(req: &'a HttpRequest, names: &[&str]) -> Option<&'a str> {
    names
        .iter()
        .find_map(|n| req.headers().get(*n))
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty() && v.len() <= 256)
}

/// A Трембіта/X-Road client id: INSTANCE/CLASS/MEMBER/SUBSYSTEM.
pub fn is_client_id(s: &str) -> bool {
    let parts: Vec<&str> = s.split('/').collect();
    parts.len() == 4
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c))
        })
}

pub async fn authenticate(
    req: &HttpRequest,
    state: &AppState,
    mode: ChannelMode,
) -> Result<Caller, ApiError> {
    let request_id = crate::request_id(req);
    let (kind, lookup, transport) = match mode {
        ChannelMode::Token => {
            let token = header(req, &["authorization"])
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(str::trim);
            let lookup = token.map(token_lookup);
            (
                CredentialKind::Token,
                lookup,
                Transport {
                    channel: "token".into(),
                    ..Transport::default()
                },
            )
        }
        ChannelMode::Trembita => {
            let client = header(req, &["uxp-client", "x-road-client"])
                .filter(|c| is_client_id(c))
                .map(str::to_owned);
            let transport = Transport {
                channel: "trembita".into(),
                client: client.clone(),
                query_id: header(req, &["uxp-queryid", "x-road-id"]).map(str::to_owned),
                user_id: header(req, &["uxp-subject-id", "x-road-userid"]).map(str::to_owned),
            };
            (CredentialKind::Trembita, client, transport)
        }
    };
    let mut conn = dms_db::pool::get(&state.pool).await?;
    let found = match &lookup {
        Some(l) => bodies::body_by_credential(&mut conn, kind, l).await?,
        None => None,
    };
    let refusal = match &found {
        None => Some(("auth.unknown_client", ApiError::Unauthenticated)),
        Some(b) if !b.is_active() => Some(("auth.body_suspended", ApiError::BodySuspended)),
        Some(_) => None,
    };
    if let Some((event, err)) = refusal {
        // For tokens only a short prefix of the hash is kept: enough to correlate, useless to replay.
        let presented = lookup.map(|l| match kind {
            CredentialKind::Token => format!("sha256:{}", &l[..12]),
            CredentialKind::Trembita => l,
        });
        dms_db::audit::record(
            &mut conn,
            &AuditEvent {
                actor_kind: "client".into(),
                actor_id: found.as_ref().map(|b| b.id.to_string()),
                channel: mode.as_str().into(),
                event: event.into(),
                target: None,
                request_id: Some(request_id),
                details: serde_json::json!({ "presented": presented, "path": req.path() }),
            },
        )
        .await?;
        return Err(err);
    }
    match found {
        Some(body) => Ok(Caller { body, transport }),
        None => Err(ApiError::Unauthenticated),
    }
}

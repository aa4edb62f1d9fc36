//! The calling registration body. Each listener has one channel mode: a `token` listener maps a
//! bearer token to a body (client headers are ignored there); an `mtls` listener maps the client
//! certificate's fingerprint to a body; a `trembita` listener trusts the client header set by the
//! Трембіта security server in front of it, and only on a connection that presented the security
//! server's client certificate (unless the listener runs in the loopback-only development mode).

use crate::problem::ApiError;
use actix_web::dev::Payload;
use actix_web::web::Data;
use actix_web::{FromRequest, HttpRequest};
use dms_db::actions::Transport;
use dms_db::enums::CredentialKind;
use dms_service::auth::{self, Attempt};
use dms_service::bodies::is_client_id;
use dms_service::Actor;
use futures_util::future::LocalBoxFuture;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum ChannelMode {
    Token,
    Mtls,
    Trembita,
}

/// Whether a listener's callers must have presented a client certificate (a TLS listener that
/// requires one); `false` only for the Трембіта listener's plain-HTTP development mode and
/// listeners that need no certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerRequired(pub bool);

impl ChannelMode {
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelMode::Token => "token",
            ChannelMode::Mtls => "mtls",
            ChannelMode::Trembita => "trembita",
        }
    }
}

/// An authenticated, active registration body, as the actor of the request.
#[derive(Debug, Clone)]
pub struct Caller(pub Actor);

fn header<'a>(req: &'a HttpRequest, names: &[&str]) -> Option<&'a str> {
    names
        .iter()
        .find_map(|n| req.headers().get(*n))
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty() && v.len() <= 256)
}

/// The Трембіта client the headers name. An empty or over-long value counts as absent, so an
/// empty `Uxp-Client` falls back to `X-Road-Client` (and the other way round). `Err` with every
/// value when they conflict: a header given twice, or the two naming different clients.
fn client_header(req: &HttpRequest) -> Result<Option<String>, Vec<String>> {
    let values = |name| -> Vec<String> {
        req.headers()
            .get_all(name)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).trim().to_owned())
            .collect()
    };
    let (uxp, xroad) = (values("uxp-client"), values("x-road-client"));
    let all: Vec<String> = uxp.iter().chain(&xroad).cloned().collect();
    if uxp.len() > 1 || xroad.len() > 1 {
        return Err(all);
    }
    let usable: Vec<&String> = all
        .iter()
        .filter(|v| !v.is_empty() && v.len() <= 256)
        .collect();
    if usable.windows(2).any(|w| w[0] != w[1]) {
        return Err(all);
    }
    Ok(usable.first().map(|v| (*v).clone()))
}

fn peer(req: &HttpRequest) -> Option<String> {
    req.conn_data::<crate::tls::PeerCertificate>()
        .map(|p| p.0.clone())
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = super::state(&req)?;
            let mode = req
                .app_data::<Data<ChannelMode>>()
                .map(|m| *m.get_ref())
                .ok_or(ApiError::Internal)?;
            let peer_required = req
                .app_data::<Data<PeerRequired>>()
                .is_some_and(|p| p.get_ref().0);
            let request_id = crate::request_id(&req);
            let attempt = Attempt {
                channel: mode.as_str(),
                request_id: Some(request_id.clone()),
                path: req.path(),
                source: req.peer_addr().map(|a| a.ip().to_string()),
            };
            let (kind, credential, transport) = match mode {
                ChannelMode::Token => {
                    let token = super::bearer(&req).map(str::to_owned);
                    let transport = Transport {
                        channel: "token".into(),
                        ..Transport::default()
                    };
                    (CredentialKind::Token, token, transport)
                }
                ChannelMode::Mtls => {
                    let transport = Transport {
                        channel: "mtls".into(),
                        ..Transport::default()
                    };
                    (CredentialKind::Certificate, peer(&req), transport)
                }
                ChannelMode::Trembita => {
                    if peer_required && peer(&req).is_none() {
                        let event = "auth.no_client_certificate";
                        return Err(auth::refuse(&state.services, event, &[], &attempt)
                            .await
                            .into());
                    }
                    let client = match client_header(&req) {
                        Ok(client) => client.filter(|c| is_client_id(c)),
                        Err(all) => {
                            let all: Vec<&str> = all.iter().map(String::as_str).collect();
                            let event = "auth.conflicting_client";
                            return Err(auth::refuse(&state.services, event, &all, &attempt)
                                .await
                                .into());
                        }
                    };
                    let transport = Transport {
                        channel: "trembita".into(),
                        client: client.clone(),
                        query_id: header(&req, &["uxp-queryid", "x-road-id"]).map(str::to_owned),
                        user_id: header(&req, &["uxp-subject-id", "x-road-userid"])
                            .map(str::to_owned),
                    };
                    (CredentialKind::Trembita, client, transport)
                }
            };
            let body =
                auth::registration_body(&state.services, kind, credential.as_deref(), &attempt)
                    .await?;
            if let Err(secs) = state.limits.check_client(&format!("body:{}", body.id)) {
                let who = Some(("client", body.id.to_string()));
                auth::rate_limited(&state.services, &attempt, who).await?;
                return Err(ApiError::RateLimited(secs));
            }
            let actor = Actor::body(body, transport, request_id);
            crate::refusals::mark(&req, &actor);
            Ok(Caller(actor))
        })
    }
}

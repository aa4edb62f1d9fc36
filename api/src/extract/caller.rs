//! The calling registration body. Each listener has one channel mode: a `token` listener maps a
//! bearer token to a body (client headers are ignored there); a `trembita` listener trusts the
//! client header set by the Трембіта security server in front of it.

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
            let (kind, credential, transport) = match mode {
                ChannelMode::Token => {
                    let token = super::bearer(&req);
                    let transport = Transport {
                        channel: "token".into(),
                        ..Transport::default()
                    };
                    (CredentialKind::Token, token, transport)
                }
                ChannelMode::Trembita => {
                    let client =
                        header(&req, &["uxp-client", "x-road-client"]).filter(|c| is_client_id(c));
                    let transport = Transport {
                        channel: "trembita".into(),
                        client: client.map(str::to_owned),
                        query_id: header(&req, &["uxp-queryid", "x-road-id"]).map(str::to_owned),
                        user_id: header(&req, &["uxp-subject-id", "x-road-userid"])
                            .map(str::to_owned),
                    };
                    (CredentialKind::Trembita, client, transport)
                }
            };
            let request_id = crate::request_id(&req);
            let attempt = Attempt {
                channel: mode.as_str(),
                request_id: Some(request_id.clone()),
                path: req.path(),
                source: req.peer_addr().map(|a| a.ip().to_string()),
            };
            let body = auth::registration_body(&state.services, kind, credential, &attempt).await?;
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

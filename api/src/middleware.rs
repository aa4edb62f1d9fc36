//! What wraps every request: its id (a sane `X-Request-Id`, else a new UUIDv7) in a tracing
//! span and echoed back, the language of problem texts, the Трембіта transport headers echoed
//! on that listener, and the access log and HTTP metrics (labels bounded: route patterns and
//! known methods only).

use crate::metrics::Metrics;
use crate::problem;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpRequest, ResponseError};
use std::time::Instant;
use tracing::Instrument;

use dms_service::actor::RequestId;

/// The id of the request being served.
pub fn request_id(req: &HttpRequest) -> String {
    req.extensions()
        .get::<RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_default()
}

fn incoming_request_id(value: Option<&HeaderValue>) -> Option<String> {
    let v = value?.to_str().ok()?;
    let ok = !v.is_empty()
        && v.len() <= 64
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    ok.then(|| v.to_owned())
}

/// The method as a metrics label: invented methods share one label, so they cannot grow the
/// number of series.
fn method_label(method: &actix_web::http::Method) -> &'static str {
    use actix_web::http::Method as M;
    match *method {
        M::GET => "GET",
        M::POST => "POST",
        M::PUT => "PUT",
        M::DELETE => "DELETE",
        M::PATCH => "PATCH",
        M::HEAD => "HEAD",
        M::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

const ECHOED_TRANSPORT_HEADERS: [&str; 2] = ["uxp-queryid", "x-road-id"];

/// Per-listener settings of the middleware.
#[derive(Debug, Clone)]
pub struct Wrap {
    pub metrics: Metrics,
    /// Echo the Трембіта query id headers (the Трембіта listener).
    pub echo_transport: bool,
    /// The per-address limit, where it applies.
    pub limits: Option<std::sync::Arc<crate::limits::Limits>>,
    /// The listener's channel, for the audit row of a refusal.
    pub channel: &'static str,
}

/// Over the per-address limit: the refusal (audited, bounded) and the seconds to wait.
async fn over_address_limit(wrap: &Wrap, req: &ServiceRequest) -> Option<u64> {
    let peer = req.peer_addr().map(|a| a.ip());
    let secs = wrap.limits.as_ref()?.check_address(peer).err()?;
    if let Some(state) = req.app_data::<actix_web::web::Data<crate::state::AppState>>() {
        let attempt = dms_service::auth::Attempt {
            channel: wrap.channel,
            request_id: Some(request_id(req.request())),
            path: req.path(),
            source: peer.map(|p| p.to_string()),
        };
        if let Err(e) = dms_service::auth::rate_limited(&state.services, &attempt, None).await {
            tracing::warn!(error.message = %e, "a rate-limit refusal could not be audited");
        }
    }
    Some(secs)
}

pub async fn around(
    wrap: Wrap,
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let started = Instant::now();
    let rid = incoming_request_id(req.headers().get("x-request-id"))
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    req.extensions_mut().insert(RequestId(rid.clone()));
    let echoed: Vec<(HeaderName, HeaderValue)> = if wrap.echo_transport {
        ECHOED_TRANSPORT_HEADERS
            .iter()
            .filter_map(|n| Some((HeaderName::from_static(n), req.headers().get(*n)?.clone())))
            .collect()
    } else {
        Vec::new()
    };
    let method = method_label(req.method());
    let span = tracing::info_span!("request", request.id = %rid);
    let uk = problem::prefers_ukrainian(
        req.headers()
            .get("accept-language")
            .and_then(|v| v.to_str().ok()),
    );
    async move {
        let res = match over_address_limit(&wrap, &req).await {
            Some(secs) => {
                let refusal = problem::UKRAINIAN
                    .sync_scope(uk, || problem::ApiError::RateLimited(secs).error_response());
                req.into_response(refusal).map_into_right_body()
            }
            None => problem::UKRAINIAN
                .scope(uk, next.call(req))
                .await?
                .map_into_left_body(),
        };
        let route = res
            .request()
            .match_pattern()
            .unwrap_or_else(|| "unmatched".into());
        // A refusal of an authenticated actor is audited (unknown credentials were already).
        let refused = res.status().is_client_error()
            && res.status() != actix_web::http::StatusCode::UNAUTHORIZED;
        let mut res = if refused
            && !crate::refusals::record(res.request(), method, &route, res.status().as_u16()).await
        {
            let unavailable = problem::UKRAINIAN.sync_scope(uk, || {
                problem::ApiError::Unavailable("the audit log is unavailable").error_response()
            });
            res.into_response(unavailable).map_into_right_body()
        } else {
            res.map_into_left_body()
        };
        let status = res.status().as_u16();
        let headers = res.headers_mut();
        // Callers of the Трембіта and mutual-TLS listeners prove themselves by certificate (and
        // the security server's header), never by a bearer token: no challenge to send one.
        if matches!(wrap.channel, "trembita" | "mtls") {
            headers.remove(actix_web::http::header::WWW_AUTHENTICATE);
        }
        if let Ok(v) = HeaderValue::from_str(&rid) {
            headers.insert(HeaderName::from_static("x-request-id"), v);
        }
        for (n, v) in echoed {
            headers.insert(n, v);
        }
        let elapsed = started.elapsed();
        wrap.metrics
            .requests
            .with_label_values(&[route.as_str(), method, &status.to_string()])
            .inc();
        wrap.metrics
            .latency
            .with_label_values(&[route.as_str()])
            .observe(elapsed.as_secs_f64());
        tracing::info!(
            http.method = %method,
            http.route = %route,
            http.status = status,
            duration_ms = elapsed.as_secs_f64() * 1000.0,
            "request completed"
        );
        Ok(res)
    }
    .instrument(span)
    .await
}

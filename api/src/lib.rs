//! The DMS registration-action API: community registers submit registration actions over a
//! token or Трембіта listener and receive signed receipts; operations endpoints beside them.

pub use config::Settings;
pub use dms_crypto::{canonical, keys};

pub mod auth;
pub mod codes;
pub mod config;
pub mod intake;
pub mod metrics;
pub mod openapi;
pub mod problem;
pub mod receipt;
pub mod routes;
pub mod staff;
pub mod state;
pub mod verification;

use actix_web::dev::{ServerHandle, Service};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::web::{self, Data};
use actix_web::{App, HttpMessage, HttpRequest, HttpServer};
use anyhow::Context;
use auth::ChannelMode;
use state::AppState;
use std::net::SocketAddr;
use std::time::Instant;
use tracing::Instrument;

#[derive(Debug, Clone)]
struct RequestId(String);

/// The database URL, for the few synchronous checks run off the async pool.
#[derive(Debug, Clone)]
pub struct DatabaseUrl(pub String);

/// The id of the request being served (taken from a sane `X-Request-Id`, else a new UUIDv7).
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

/// A path with its methods; any other method gets `405` with `Allow` listing these.
fn resource(path: &str, allow: &'static str) -> actix_web::Resource {
    web::resource(path).default_service(web::to(move || async move {
        Err::<actix_web::HttpResponse, _>(problem::ApiError::MethodNotAllowed(allow))
    }))
}

/// Routes shared by every listener.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/v1/registration-actions", "POST").route(web::post().to(routes::submit)))
        .service(
            resource("/v1/registration-actions/{id}", "GET")
                .route(web::get().to(routes::get_action)),
        )
        .service(resource("/.well-known/jwks.json", "GET").route(web::get().to(routes::jwks)))
        .service(resource("/metrics", "GET").route(web::get().to(routes::metrics)))
        .service(
            resource("/v1/verification-requests", "GET")
                .route(web::get().to(verification::list_for_body)),
        )
        .service(
            resource("/v1/verification-requests/{id}/answer", "POST")
                .route(web::post().to(verification::answer)),
        )
        .service(
            resource("/v1/notifications", "GET").route(web::get().to(verification::notifications)),
        );
    configure_common(cfg);
}

/// Health and the spec, on every listener.
fn configure_common(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/healthz", "GET").route(web::get().to(routes::healthz)))
        .service(resource("/readyz", "GET").route(web::get().to(routes::readyz)))
        .service(resource("/openapi.json", "GET").route(web::get().to(routes::openapi)));
}

/// Routes of the staff (admin) listener.
pub fn configure_admin(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/admin/v1/verification-requests", "GET, POST")
            .route(web::post().to(verification::create))
            .route(web::get().to(verification::list_for_staff)),
    )
    .service(
        resource("/admin/v1/calendar-overrides", "POST")
            .route(web::post().to(verification::set_calendar_override)),
    )
    .service(
        resource("/admin/v1/territory-restrictions", "GET, POST")
            .route(web::post().to(verification::add_restriction))
            .route(web::get().to(verification::list_restrictions)),
    )
    .service(
        resource("/admin/v1/audit/verify", "GET").route(web::get().to(verification::verify_audit)),
    )
    .service(
        resource("/admin/v1/registration-actions", "GET")
            .route(web::get().to(verification::search)),
    )
    .service(resource("/admin/v1/reports/{kind}", "GET").route(web::get().to(verification::report)))
    .service(
        resource("/admin/v1/registration-bodies", "POST")
            .route(web::post().to(verification::create_body)),
    )
    .service(
        resource("/admin/v1/registration-bodies/{edrpou}/{action}", "POST")
            .route(web::post().to(verification::manage_body)),
    );
    configure_common(cfg);
}

/// What a listener serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listener {
    /// The community API on one channel.
    Community(ChannelMode),
    /// The staff API.
    Admin,
}

const ECHOED_TRANSPORT_HEADERS: [&str; 2] = ["uxp-queryid", "x-road-id"];

fn build_server(
    state: Data<AppState>,
    database_url: &str,
    listener: Listener,
    addr: &str,
    workers: Option<usize>,
) -> anyhow::Result<(actix_web::dev::Server, SocketAddr)> {
    let database_url = Data::new(DatabaseUrl(database_url.to_owned()));
    let server = HttpServer::new(move || {
        let metrics = state.metrics.clone();
        let mode = match listener {
            Listener::Community(mode) => Some(mode),
            Listener::Admin => None,
        };
        App::new()
            .app_data(state.clone())
            .app_data(
                web::QueryConfig::default()
                    .error_handler(|_, _| problem::ApiError::MalformedQuery.into()),
            )
            .app_data(database_url.clone())
            .app_data(Data::new(mode.unwrap_or(ChannelMode::Token)))
            .wrap_fn(move |req, srv| {
                let started = Instant::now();
                let rid = incoming_request_id(req.headers().get("x-request-id"))
                    .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
                req.extensions_mut().insert(RequestId(rid.clone()));
                let echoed: Vec<(HeaderName, HeaderValue)> = if mode == Some(ChannelMode::Trembita)
                {
                    ECHOED_TRANSPORT_HEADERS
                        .iter()
                        .filter_map(|n| {
                            let v = req.headers().get(*n)?.clone();
                            Some((HeaderName::from_static(n), v))
                        })
                        .collect()
                } else {
                    Vec::new()
                };
                let method = req.method().to_string();
                let metrics = metrics.clone();
                let span = tracing::info_span!("request", request.id = %rid);
                let uk = problem::prefers_ukrainian(
                    req.headers()
                        .get("accept-language")
                        .and_then(|v| v.to_str().ok()),
                );
                let fut = problem::UKRAINIAN.scope(uk, srv.call(req));
                async move {
                    let mut res = fut.await?;
                    let route = res
                        .request()
                        .match_pattern()
                        .unwrap_or_else(|| "unmatched".into());
                    let status = res.status().as_u16();
                    let headers = res.headers_mut();
                    if let Ok(v) = HeaderValue::from_str(&rid) {
                        headers.insert(HeaderName::from_static("x-request-id"), v);
                    }
                    for (n, v) in echoed {
                        headers.insert(n, v);
                    }
                    let elapsed = started.elapsed();
                    metrics
                        .requests
                        .with_label_values(&[route.as_str(), method.as_str(), &status.to_string()])
                        .inc();
                    metrics
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
            })
            .configure(if mode.is_some() {
                configure
            } else {
                configure_admin
            })
            .default_service(web::to(routes::not_found))
    })
    .bind(addr)
    .with_context(|| format!("cannot listen on {addr}"))?;
    let server = match workers {
        Some(n) => server.workers(n),
        None => server,
    };
    let bound = server
        .addrs()
        .first()
        .copied()
        .with_context(|| format!("no address bound for {addr}"))?;
    Ok((server.run(), bound))
}

/// The running service: its bound addresses and handles to stop it.
pub struct Running {
    pub addr: SocketAddr,
    pub trembita_addr: Option<SocketAddr>,
    pub admin_addr: Option<SocketAddr>,
    pub handles: Vec<ServerHandle>,
    pub servers: Vec<actix_web::dev::Server>,
}

impl Running {
    /// Serve until every listener stops (Ctrl-C / SIGTERM stop them gracefully).
    pub async fn wait(self) -> anyhow::Result<()> {
        for result in futures_util::future::join_all(self.servers).await {
            result?;
        }
        Ok(())
    }
}

/// Prepare state and bind every configured listener. Nothing is served until the returned
/// servers are awaited (or spawned).
pub async fn start(settings: &Settings) -> anyhow::Result<Running> {
    let pool = dms_db::pool::connect_with(&settings.database_url, settings.pool_options())?;
    let keys = keys::KeyRing::load(&settings.keys_dir, settings.signing_kid.as_deref())?;
    if !keys.can_sign() {
        tracing::warn!(keys.dir = %settings.keys_dir.display(), "no signing key: submissions will be refused with 503");
    }
    let mut state = AppState::new(pool, keys, metrics::Metrics::new()?)?;
    state.body_timeout = std::time::Duration::from_secs(settings.body_timeout_secs.max(1));
    let state = Data::new(state);
    if let Err(e) = state.codifier().await {
        tracing::warn!(error.message = %e, "codifier not loaded yet; will retry on first use");
    }
    let mut servers = Vec::new();
    let (server, addr) = build_server(
        state.clone(),
        &settings.database_url,
        Listener::Community(ChannelMode::Token),
        &settings.listen,
        settings.workers,
    )?;
    servers.push(server);
    let mut optional =
        |listen: &Option<String>, listener: Listener| -> anyhow::Result<Option<SocketAddr>> {
            match listen {
                Some(listen) => {
                    let (server, addr) = build_server(
                        state.clone(),
                        &settings.database_url,
                        listener,
                        listen,
                        settings.workers,
                    )?;
                    servers.push(server);
                    Ok(Some(addr))
                }
                None => Ok(None),
            }
        };
    let trembita_addr = optional(
        &settings.trembita_listen,
        Listener::Community(ChannelMode::Trembita),
    )?;
    let admin_addr = optional(&settings.admin_listen, Listener::Admin)?;
    let handles = servers.iter().map(|s| s.handle()).collect();
    tracing::info!(listen = %addr, trembita = ?trembita_addr, admin = ?admin_addr, "dms-api listening");
    Ok(Running {
        addr,
        trembita_addr,
        admin_addr,
        handles,
        servers,
    })
}

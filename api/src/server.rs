//! Binding the listeners: each serves one side (community on a channel, staff, operations) with
//! the shared state, the middleware and the routes of that side.

use crate::config::Settings;
use crate::extract::{ChannelMode, PeerRequired};
use crate::middleware::{self, Wrap};
use crate::problem::ApiError;
use crate::routes;
use crate::state::AppState;
use crate::tls::ListenerTls;
use actix_web::dev::ServerHandle;
use actix_web::web::{self, Data};
use actix_web::{App, HttpServer};
use anyhow::Context;
use dms_crypto::KeyRing;
use std::net::SocketAddr;

/// What a listener serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listener {
    /// The community API on one channel.
    Community(ChannelMode),
    /// The staff API.
    Admin,
    /// Metrics and health.
    Operations,
}

fn bind(
    state: Data<AppState>,
    listener: Listener,
    addr: &str,
    tls: &ListenerTls,
    workers: Option<usize>,
) -> anyhow::Result<(actix_web::dev::Server, SocketAddr)> {
    let require_client = matches!(
        listener,
        Listener::Community(ChannelMode::Mtls | ChannelMode::Trembita)
    );
    let peer_required = PeerRequired(tls.enabled() && (require_client || tls.checks_clients()));
    let server = HttpServer::new(move || {
        let trembita = listener == Listener::Community(ChannelMode::Trembita);
        let wrap = Wrap {
            metrics: state.metrics.clone(),
            echo_transport: trembita,
            // The Трембіта listener's one peer is the security server, which carries every
            // community's traffic: there the limit is per client only.
            limits: (!trembita).then(|| state.limits.clone()),
            channel: match listener {
                Listener::Community(mode) => mode.as_str(),
                Listener::Admin => "admin",
                Listener::Operations => "operations",
            },
        };
        let mode = match listener {
            Listener::Community(mode) => mode,
            Listener::Admin | Listener::Operations => ChannelMode::Token,
        };
        App::new()
            .app_data(state.clone())
            .app_data(Data::new(mode))
            .app_data(Data::new(peer_required))
            .app_data(
                web::QueryConfig::default().error_handler(|_, _| ApiError::MalformedQuery.into()),
            )
            .wrap(actix_web::middleware::from_fn(move |req, next| {
                middleware::around(wrap.clone(), req, next)
            }))
            .configure(match listener {
                Listener::Community(_) => routes::community,
                Listener::Admin => routes::admin,
                Listener::Operations => routes::operations,
            })
            .default_service(web::to(routes::resource::not_found))
    })
    .on_connect(crate::tls::on_connect);
    let server = if tls.enabled() {
        let config = crate::tls::server_config(tls, require_client)
            .with_context(|| format!("TLS of the listener on {addr}"))?;
        server.bind_rustls_0_23(addr, config)
    } else {
        server.bind(addr)
    }
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

/// The web interface for officials: its pages and assets, the security headers, the same
/// request ids, access log, metrics and per-address limit as every listener.
fn bind_web(
    state: Data<AppState>,
    settings: &Settings,
    addr: &str,
    realm: dms_service::web_auth::Realm,
) -> anyhow::Result<(actix_web::dev::Server, SocketAddr)> {
    let tls = &settings.tls.web;
    let tls_on = tls.enabled();
    let peer_required = PeerRequired(tls_on && tls.checks_clients());
    let static_dir = &settings.web.static_dir;
    let assets = dms_web::assets::Assets::load(static_dir);
    if !assets.has("dms.css") {
        tracing::warn!(dir = %static_dir.display(), "the web interface's stylesheet is missing (run ops/web-assets): pages are served unstyled");
    }
    let web_state = Data::new(dms_web::WebState {
        services: state.services.on_pool(state.services.pool.clone()),
        settings: dms_web::WebSettings {
            tls: tls_on,
            policy: settings.web.policy(),
            realm,
        },
        assets,
    });
    let server = HttpServer::new(move || {
        let wrap = Wrap {
            metrics: state.metrics.clone(),
            echo_transport: false,
            limits: Some(state.limits.clone()),
            channel: "web",
        };
        App::new()
            .app_data(state.clone())
            .app_data(web_state.clone())
            .app_data(Data::new(peer_required))
            .app_data(web::FormConfig::default().limit(64 * 1024))
            .wrap(actix_web::middleware::from_fn(move |req, next| {
                dms_web::error::in_realm(realm, req, next)
            }))
            .wrap(actix_web::middleware::from_fn(move |req, next| {
                dms_web::headers::secure(tls_on, req, next)
            }))
            .wrap(actix_web::middleware::from_fn(move |req, next| {
                middleware::around(wrap.clone(), req, next)
            }))
            .configure(match realm {
                dms_service::web_auth::Realm::Officials => dms_web::routes,
                dms_service::web_auth::Realm::Staff => dms_web::console_routes,
            })
            .default_service(web::to(dms_web::pages::not_found))
    })
    .on_connect(crate::tls::on_connect);
    let server = if tls_on {
        let config = crate::tls::server_config(tls, false)
            .with_context(|| format!("TLS of the web listener on {addr}"))?;
        server.bind_rustls_0_23(addr, config)
    } else {
        server.bind(addr)
    }
    .with_context(|| format!("cannot listen on {addr}"))?;
    let server = match settings.workers {
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

/// The Трембіта listener trusts a header, so it serves plain HTTP only when asked for and only on
/// a loopback address; the configuration check says so too, this guards settings built in code.
fn refuse_plain_trembita(settings: &Settings) -> anyhow::Result<()> {
    let Some(addr) = &settings.trembita_listen else {
        return Ok(());
    };
    let tls = &settings.tls;
    if tls.trembita.enabled() {
        anyhow::ensure!(
            tls.trembita.checks_clients(),
            "the Трембіта listener requires the security server's client certificate: set \
             api.trembita_tls_client_ca or api.trembita_tls_client_fingerprints"
        );
        return Ok(());
    }
    anyhow::ensure!(
        tls.trembita_insecure_http,
        "the Трембіта listener on {addr} serves TLS: set api.trembita_tls_cert (plain HTTP only \
         for development: api.trembita_insecure_http on a loopback address)"
    );
    anyhow::ensure!(
        crate::config::is_loopback(addr),
        "api.trembita_insecure_http: plain HTTP only on a loopback address, not {addr}"
    );
    tracing::warn!(trembita = %addr, "the Трембіта listener serves plain HTTP (development mode)");
    Ok(())
}

/// The running service: its bound addresses and handles to stop it.
pub struct Running {
    pub addr: SocketAddr,
    pub trembita_addr: Option<SocketAddr>,
    pub admin_addr: Option<SocketAddr>,
    pub ops_addr: Option<SocketAddr>,
    pub web_addr: Option<SocketAddr>,
    pub console_addr: Option<SocketAddr>,
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

/// Every listener's own state: the same services on a pool of the listener's own.
struct States {
    services: dms_service::Services,
    metrics: crate::metrics::Metrics,
    openapi: Vec<u8>,
    limits: std::sync::Arc<crate::limits::Limits>,
    published: std::sync::Arc<crate::published::PublishedKeys>,
    bulk_wake: std::sync::Arc<tokio::sync::Notify>,
}

impl States {
    fn with_pool(&self, settings: &Settings, size: usize) -> anyhow::Result<Data<AppState>> {
        let pool =
            dms_db::pool::connect_with(&settings.database_url, settings.pool_options_of(size))?;
        Ok(Data::new(AppState {
            services: self.services.on_pool(pool),
            metrics: self.metrics.clone(),
            openapi: self.openapi.clone(),
            body_timeout: std::time::Duration::from_secs(settings.body_timeout_secs.max(1)),
            metrics_token: settings.metrics_token.clone().filter(|t| !t.is_empty()),
            limits: self.limits.clone(),
            published: self.published.clone(),
            web_base: settings.web.base_url(settings.web_listen.as_deref()),
            sandbox: settings.sandbox,
            bulk_limits: settings.bulk.limits(),
            bulk_wake: self.bulk_wake.clone(),
        }))
    }
}

/// Connections of the operations listener's pool (health checks).
const OPS_POOL_SIZE: usize = 2;

/// Every 15 s: write the counted repeats of refusals, forget idle rate-limit keys.
fn spawn_housekeeping(state: Data<AppState>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(15));
        loop {
            tick.tick().await;
            state.limits.forget_idle();
            if let Err(e) = dms_service::refusals::flush(&state.services).await {
                tracing::warn!(error.message = %e, "refusal counts not written yet; will retry");
            }
        }
    });
}

/// The bulk-load worker: applies open loads, then waits for a new one (or the poll interval).
/// A failed batch is rolled back whole and tried again on the next round.
fn spawn_bulk_worker(
    services: dms_service::Services,
    settings: &Settings,
    wake: std::sync::Arc<tokio::sync::Notify>,
) {
    let batch = settings.bulk.batch();
    let poll = std::time::Duration::from_secs(settings.bulk.poll_secs.max(1));
    tokio::spawn(async move {
        loop {
            match dms_service::bulk::apply::work(&services, batch, None).await {
                Ok(0) => {}
                Ok(_) => continue,
                Err(e) => {
                    tracing::warn!(error.message = %e, "bulk loads not applied yet; will retry")
                }
            }
            let _ = tokio::time::timeout(poll, wake.notified()).await;
        }
    });
}

/// Prepare state and bind every configured listener. Nothing is served until the returned
/// servers are awaited (or spawned).
pub async fn start(settings: &Settings) -> anyhow::Result<Running> {
    refuse_plain_trembita(settings)?;
    if settings.sandbox {
        tracing::warn!("sandbox switches are on (api.sandbox): never in production");
    }
    let pool = dms_db::pool::connect_with(&settings.database_url, settings.pool_options())?;
    let keys = KeyRing::load(&settings.keys_dir, settings.signing_kid.as_deref())?;
    if !keys.can_sign() {
        tracing::warn!(keys.dir = %settings.keys_dir.display(), "no signing key: submissions will be refused with 503");
    }
    let published = std::sync::Arc::new(crate::published::PublishedKeys::new(
        settings.keys_dir.clone(),
        keys.clone(),
    ));
    let services =
        dms_service::Services::new(pool, keys)?.with_database_url(&settings.database_url);
    if let Err(e) = services.codifier().await {
        tracing::warn!(error.message = %e, "codifier not loaded yet; will retry on first use");
    }
    let shared = States {
        services,
        metrics: crate::metrics::Metrics::new()?,
        openapi: crate::openapi::document_text().into_bytes(),
        limits: std::sync::Arc::new(crate::limits::Limits::from_settings(settings)),
        published,
        bulk_wake: std::sync::Arc::new(tokio::sync::Notify::new()),
    };
    let state = Data::new(AppState {
        services: shared.services.on_pool(shared.services.pool.clone()),
        metrics: shared.metrics.clone(),
        openapi: shared.openapi.clone(),
        body_timeout: std::time::Duration::from_secs(settings.body_timeout_secs.max(1)),
        metrics_token: settings.metrics_token.clone().filter(|t| !t.is_empty()),
        limits: shared.limits.clone(),
        published: shared.published.clone(),
        web_base: settings.web.base_url(settings.web_listen.as_deref()),
        sandbox: settings.sandbox,
        bulk_limits: settings.bulk.limits(),
        bulk_wake: shared.bulk_wake.clone(),
    });
    spawn_housekeeping(state.clone());
    if settings.bulk.worker {
        spawn_bulk_worker(
            shared.services.on_pool(shared.services.pool.clone()),
            settings,
            shared.bulk_wake.clone(),
        );
    }
    let mut servers = Vec::new();
    let (server, addr) = bind(
        state,
        Listener::Community(settings.tls.channel),
        &settings.listen,
        &settings.tls.direct,
        settings.workers,
    )?;
    servers.push(server);
    let mut optional = |listen: &Option<String>,
                        listener: Listener,
                        tls: &ListenerTls,
                        pool_size: usize|
     -> anyhow::Result<Option<SocketAddr>> {
        let Some(listen) = listen else {
            return Ok(None);
        };
        let state = shared.with_pool(settings, pool_size)?;
        let (server, addr) = bind(state, listener, listen, tls, settings.workers)?;
        servers.push(server);
        Ok(Some(addr))
    };
    let trembita_addr = optional(
        &settings.trembita_listen,
        Listener::Community(ChannelMode::Trembita),
        &settings.tls.trembita,
        settings.db_pool_size,
    )?;
    let admin_addr = optional(
        &settings.admin_listen,
        Listener::Admin,
        &settings.tls.admin,
        settings.db_admin_pool_size,
    )?;
    let ops_addr = optional(
        &settings.ops_listen,
        Listener::Operations,
        &settings.tls.ops,
        OPS_POOL_SIZE,
    )?;
    let web_addr = match &settings.web_listen {
        Some(listen) => {
            let state = shared.with_pool(settings, settings.db_pool_size)?;
            let (server, addr) = bind_web(
                state,
                settings,
                listen,
                dms_service::web_auth::Realm::Officials,
            )?;
            servers.push(server);
            Some(addr)
        }
        None => None,
    };
    // The staff console: the staff listener's pool size (staff work, not the intake's).
    let console_addr = match &settings.console_listen {
        Some(listen) => {
            let state = shared.with_pool(settings, settings.db_admin_pool_size)?;
            let (server, addr) =
                bind_web(state, settings, listen, dms_service::web_auth::Realm::Staff)?;
            servers.push(server);
            Some(addr)
        }
        None => None,
    };
    let handles = servers.iter().map(|s| s.handle()).collect();
    tracing::info!(listen = %addr, trembita = ?trembita_addr, admin = ?admin_addr, ops = ?ops_addr, web = ?web_addr, console = ?console_addr, "dms-api listening");
    Ok(Running {
        addr,
        trembita_addr,
        admin_addr,
        ops_addr,
        web_addr,
        console_addr,
        handles,
        servers,
    })
}

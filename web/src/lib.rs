//! The hosted community register (seed 000 §2, the first way): a web interface in Ukrainian in
//! which an official of a registration body without register software of its own performs every
//! registration action and everything around it. Pages are rendered on the server from
//! compile-time-checked templates and work without JavaScript. Every operation goes through the
//! service layer — the same rules, transaction, receipts and audit rows as the API; this crate
//! writes nothing itself.

pub mod assets;
pub mod charts;
pub mod console;
pub mod error;
pub mod fields;
pub mod form;
pub mod headers;
pub mod pages;
pub mod session;
pub mod uk;
pub mod views;
pub mod widgets;

use actix_web::web;
use dms_service::web_auth::{Policy, Realm};
use dms_service::Services;

/// How the web interface is served.
#[derive(Debug, Clone)]
pub struct WebSettings {
    /// The listener serves TLS: cookies are `Secure` and `__Host-` prefixed, HSTS is sent.
    pub tls: bool,
    pub policy: Policy,
    /// Whose door this is: the officials' web or the staff console.
    pub realm: Realm,
}

/// What every page handler shares.
pub struct WebState {
    pub services: Services,
    pub settings: WebSettings,
    pub assets: assets::Assets,
}

impl std::fmt::Debug for WebState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebState")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

/// Every page and asset of the web interface.
pub fn routes(cfg: &mut web::ServiceConfig) {
    pages::routes(cfg);
    cfg.route("/static/{name}", web::get().to(assets::serve));
}

/// Every page and asset of the staff console (its own listener).
pub fn console_routes(cfg: &mut web::ServiceConfig) {
    console::routes(cfg);
    cfg.route("/static/{name}", web::get().to(assets::serve));
}

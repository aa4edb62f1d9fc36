//! What every handler shares: the service layer's context, metrics, the OpenAPI document built
//! once at start-up, and the body arrival timeout.

use crate::metrics::Metrics;
use dms_service::Services;

pub struct AppState {
    pub services: Services,
    pub metrics: Metrics,
    /// The OpenAPI document as served (built once from the route modules).
    pub openapi: Vec<u8>,
    /// How long a client may take to send a request body.
    pub body_timeout: std::time::Duration,
    /// When set, `/metrics` on the operations listener asks for this bearer token.
    pub metrics_token: Option<String>,
    /// Rate limits, shared by every listener.
    pub limits: std::sync::Arc<crate::limits::Limits>,
    /// The keys `/.well-known/jwks.json` publishes (the key directory, re-read).
    pub published: std::sync::Arc<crate::published::PublishedKeys>,
    /// The web interface's address, for the one-time set-up links the staff API hands out.
    pub web_base: String,
    /// Sandbox switches honoured (`api.sandbox`).
    pub sandbox: bool,
    /// How large a bulk load may be (`[bulk]`).
    pub bulk_limits: dms_service::bulk::Limits,
    /// Wakes the bulk-load worker when a load arrives.
    pub bulk_wake: std::sync::Arc<tokio::sync::Notify>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("services", &self.services)
            .finish_non_exhaustive()
    }
}

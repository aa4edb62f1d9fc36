//! Refusals after authentication are audited. The extractors mark a request with the actor
//! they authenticated; when the answer is nevertheless a client error (a body that fails the
//! contract, a record that is not the caller's, a role the operation does not admit, an answer
//! already given, …) a `request.refused` row is written with the status, method and route. A
//! refusal changes nothing, so its row is written after the answer is known; if it cannot be
//! written the client gets `503` instead of the refusal. Refusals of unknown credentials are
//! audited by the extractors themselves (`auth.*`, `staff.*`).

use crate::state::AppState;
use actix_web::web::Data;
use actix_web::{HttpMessage, HttpRequest};
use dms_service::actor::Authenticated;
use dms_service::Actor;

/// Remember who the request was authenticated as.
pub fn mark(req: &HttpRequest, actor: &Actor) {
    req.extensions_mut().insert(Authenticated(actor.clone()));
}

/// Audit a refused request of an authenticated actor; false when the row could not be written.
/// Requests of no authenticated actor need nothing here.
pub async fn record(req: &HttpRequest, method: &str, route: &str, status: u16) -> bool {
    let actor = match req.extensions().get::<Authenticated>() {
        Some(a) => a.0.clone(),
        None => return true,
    };
    let Some(state) = req.app_data::<Data<AppState>>() else {
        return false;
    };
    let event = actor.audit(
        "request.refused",
        None,
        serde_json::json!({"status": status, "method": method, "route": route}),
    );
    let written = match state.services.conn().await {
        Ok(mut conn) => dms_db::audit::record(&mut conn, &event).await.is_ok(),
        Err(_) => false,
    };
    if !written {
        tracing::error!(
            http.status = status,
            http.route = route,
            "a refusal could not be audited"
        );
    }
    written
}

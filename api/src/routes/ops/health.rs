//! `/healthz` (the process answers) and `/readyz` (database reachable, migrations current,
//! codifier loaded, a signing key present).

use crate::routes::resource::resource;
use crate::state::AppState;
use actix_web::http::header;
use actix_web::web::{self, Data};
use actix_web::HttpResponse;
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checks: Option<serde_json::Map<String, serde_json::Value>>,
}

/// Liveness: the process answers.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, body = Health)))]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health {
        status: "ok".into(),
        checks: None,
    })
}

/// Readiness: the database is reachable, its migrations are current, the codifier is loaded and
/// a signing key is present.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses((status = 200, body = Health), (status = 503, body = Health, headers(("Retry-After" = u32)))))]
pub async fn readyz(state: Data<AppState>) -> HttpResponse {
    let services = &state.services;
    let mut checks = serde_json::Map::new();
    let database = match services.conn().await {
        Ok(mut conn) => dms_db::migrations::is_current(&mut conn)
            .await
            .map_err(|_| ()),
        Err(_) => Err(()),
    };
    let (db_ok, migrations_ok) = match database {
        Ok(current) => (true, current),
        Err(()) => (false, false),
    };
    checks.insert("database".into(), db_ok.into());
    checks.insert("migrations_current".into(), migrations_ok.into());
    let codifier_ok = db_ok && migrations_ok && services.codifier().await.is_ok();
    checks.insert("codifier".into(), codifier_ok.into());
    checks.insert("signing_key".into(), services.keys.can_sign().into());
    let ready = checks.values().all(|v| v == &serde_json::Value::Bool(true));
    let body = Health {
        status: if ready { "ready" } else { "not_ready" }.into(),
        checks: Some(checks),
    };
    if ready {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable()
            .insert_header((
                header::RETRY_AFTER,
                crate::problem::RETRY_AFTER_SECS.to_string(),
            ))
            .json(body)
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/healthz", "GET").route(web::get().to(healthz)))
        .service(resource("/readyz", "GET").route(web::get().to(readyz)));
}

#[derive(OpenApi)]
#[openapi(paths(healthz, readyz), components(schemas(Health)))]
pub struct Doc;

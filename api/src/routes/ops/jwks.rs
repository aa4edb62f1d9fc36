//! `/.well-known/jwks.json`: the public keys that verify receipts and data-set manifests.

use crate::routes::resource::resource;
use crate::state::AppState;
use actix_web::http::header;
use actix_web::web::{self, Data};
use actix_web::HttpResponse;
use utoipa::OpenApi;

/// The public keys that verify receipts (and, later, data-set manifests).
#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "keys",
    responses((status = 200, description = "JSON Web Key Set (RFC 7517, OKP/Ed25519 keys)", body = Object)))]
pub async fn jwks(state: Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .json(state.services.keys.jwks())
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/.well-known/jwks.json", "GET").route(web::get().to(jwks)));
}

#[derive(OpenApi)]
#[openapi(paths(jwks))]
pub struct Doc;

//! `/.well-known/jwks.json`: the public keys that verify receipts and data-set manifests.

use crate::routes::resource::resource;
use crate::state::AppState;
use actix_web::http::header;
use actix_web::web::{self, Data};
use actix_web::HttpResponse;
use utoipa::OpenApi;

/// The public keys that verify receipts and data-set manifests: every key of the key directory,
/// those added while the service runs too.
#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "keys",
    responses((status = 200, description = "JSON Web Key Set (RFC 7517, OKP/Ed25519 keys)", body = Object)))]
pub async fn jwks(state: Data<AppState>) -> HttpResponse {
    let published = state.published.clone();
    // The directory is read off the async workers (a few small files, at most every
    // couple of seconds).
    let jwks = match web::block(move || published.jwks()).await {
        Ok(jwks) => jwks,
        Err(_) => state.services.keys.jwks(),
    };
    // Clients may cache it briefly: a key added now is published within seconds.
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=60"))
        .json(jwks)
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/.well-known/jwks.json", "GET").route(web::get().to(jwks)));
}

#[derive(OpenApi)]
#[openapi(paths(jwks))]
pub struct Doc;

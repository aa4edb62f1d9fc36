//! A path with its methods: any other method gets `405` with `Allow` listing these.

use crate::problem::ApiError;
use actix_web::web;

pub fn resource(path: &str, allow: &'static str) -> actix_web::Resource {
    web::resource(path).default_service(web::to(move || async move {
        Err::<actix_web::HttpResponse, _>(ApiError::MethodNotAllowed(allow))
    }))
}

/// Every unmatched route: a problem+json `404`.
pub async fn not_found() -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::NotFound)
}

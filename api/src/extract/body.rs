//! The request body: `application/json`, at most [`BODY_LIMIT`] bytes, sent within the
//! configured arrival timeout (a client that trickles or stops half-way gets `408` instead of
//! holding a connection forever). [`Json`] also reads it strictly (no duplicate members, no
//! control characters) into a typed value.
//!
//! Actix runs a handler's extractors concurrently, so a body's fault is kept, not raised: the
//! handler takes it out (`body.bytes()?`, `body.value()?`) after the caller's extractor has
//! succeeded. An unauthenticated client therefore always gets `401`, whatever its body.

use crate::problem::ApiError;
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use futures_util::StreamExt;

/// Request bodies above this size are refused with `413`.
pub const BODY_LIMIT: usize = 256 * 1024;

/// The exact bytes of a JSON request body, or why there are none.
#[derive(Debug)]
pub struct JsonBytes(Result<Vec<u8>, ApiError>);

impl JsonBytes {
    pub fn bytes(self) -> Result<Vec<u8>, ApiError> {
        self.0
    }
}

/// A JSON request body read strictly into a `T`, or why it could not be.
#[derive(Debug)]
pub struct Json<T>(Result<T, ApiError>);

impl<T> Json<T> {
    pub fn value(self) -> Result<T, ApiError> {
        self.0
    }
}

fn is_json(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|m| m.trim().eq_ignore_ascii_case("application/json"))
        .unwrap_or(false)
}

async fn read(req: &HttpRequest, mut payload: Payload) -> Result<Vec<u8>, ApiError> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > BODY_LIMIT) {
        return Err(ApiError::PayloadTooLarge(BODY_LIMIT));
    }
    let mut body = Vec::with_capacity(declared.unwrap_or(4096).min(BODY_LIMIT));
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| {
            ApiError::MalformedJson("the request body could not be read completely".into())
        })?;
        if body.len() + chunk.len() > BODY_LIMIT {
            return Err(ApiError::PayloadTooLarge(BODY_LIMIT));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

async fn receive(req: HttpRequest, payload: Payload) -> Result<Vec<u8>, ApiError> {
    if !is_json(&req) {
        return Err(ApiError::UnsupportedMediaType("application/json"));
    }
    let timeout = super::state(&req)?.body_timeout;
    tokio::time::timeout(timeout, read(&req, payload))
        .await
        .map_err(|_| ApiError::RequestTimeout)?
}

impl FromRequest for JsonBytes {
    type Error = std::convert::Infallible;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let received = receive(req.clone(), payload.take());
        Box::pin(async move { Ok(JsonBytes(received.await)) })
    }
}

impl<T: serde::de::DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = std::convert::Infallible;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let received = receive(req.clone(), payload.take());
        Box::pin(async move {
            let typed = match received.await {
                Ok(bytes) => dms_service::intake::typed(&bytes).map_err(ApiError::from),
                Err(e) => Err(e),
            };
            Ok(Json(typed))
        })
    }
}

//! Operations: health, metrics, keys, the API description.

pub mod health;
pub mod jwks;
pub mod metrics;
pub mod openapi;

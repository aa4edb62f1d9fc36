//! The DMS registration-action API: community registers submit registration actions over a
//! token or Трембіта listener and receive signed receipts; DMS staff use the admin listener;
//! metrics and health are on the operations listener. Handlers are thin: extract, call one
//! operation of the service layer (`dms-service`), answer with a DTO.

pub use dms_crypto::{canonical, keys};
pub use dms_service::receipt;

pub mod codes;
pub mod config;
pub mod extract;
pub mod intake;
pub mod limits;
pub mod metrics;
pub mod middleware;
pub mod openapi;
pub mod problem;
pub mod published;
pub mod refusals;
pub mod routes;
pub mod server;
pub mod state;
pub mod tls;

pub use config::Settings;
pub use middleware::request_id;
pub use server::{start, Listener, Running};

//! Storage for the DMS registration exchange: embedded migrations, the connection pool and every
//! query. The only crate that speaks SQL. Every async query takes `&mut PgConn`, so it runs on a
//! pooled connection or inside a caller's transaction alike.

pub mod actions;
pub mod audit;
pub mod bodies;
pub mod bulk;
pub mod calendar;
pub mod codifier;
pub mod datasets;
pub mod enums;
pub mod error;
pub mod feed;
pub mod import;
pub mod logging;
pub mod migrations;
pub mod notices;
pub mod officials;
pub mod pool;
pub mod prepared;
pub mod register;
pub mod register_entries;
pub mod reports;
pub mod restrictions;
pub mod sandbox;
pub mod schema;
pub mod search;
pub mod staff;
pub mod verification_requests;

pub use error::DbError;
pub use pool::{connect, Conn, Pool};

/// The connection every async query runs on: a pooled one, or a transaction's.
pub type PgConn = diesel_async::AsyncPgConnection;

//! Storage for the DMS registration exchange: embedded migrations, the connection pool and every
//! query. The only crate that speaks SQL.

pub mod actions;
pub mod audit;
pub mod bodies;
pub mod codifier;
pub mod error;
pub mod feed;
pub mod import;
pub mod logging;
pub mod migrations;
pub mod pool;
pub mod schema;
pub mod staff;

pub use error::DbError;
pub use pool::{connect, Conn, Pool};

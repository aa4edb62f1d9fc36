//! The async connection pool (diesel-async over deadpool) with bounded waits, so that a database
//! outage turns into a fast "unavailable" rather than a hung request.

use crate::DbError;
use diesel_async::pooled_connection::deadpool::{Object, Pool as DeadPool};
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
};
use diesel_async::AsyncPgConnection;
use std::time::Duration;

pub type Pool = DeadPool<AsyncPgConnection>;
pub type Conn = Object<AsyncPgConnection>;

/// The pool's size and how long each step may take before the caller gets `Unavailable`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolOptions {
    pub max_size: usize,
    /// Waiting for a free connection.
    pub wait_timeout: Duration,
    /// Opening a new connection.
    pub create_timeout: Duration,
    /// Checking a pooled connection before reuse.
    pub recycle_timeout: Duration,
}

impl PoolOptions {
    /// The service's defaults (`db.*` in the configuration) with `max_size` connections.
    pub fn with_size(max_size: usize) -> Self {
        PoolOptions {
            max_size,
            wait_timeout: Duration::from_secs(5),
            create_timeout: Duration::from_secs(3),
            recycle_timeout: Duration::from_secs(2),
        }
    }
}

/// Build a pool with the default timeouts; no connection is opened until first use.
pub fn connect(database_url: &str, max_size: usize) -> Result<Pool, DbError> {
    connect_with(database_url, PoolOptions::with_size(max_size))
}

/// Build a pool; no connection is opened until first use.
pub fn connect_with(database_url: &str, options: PoolOptions) -> Result<Pool, DbError> {
    // Reuse checks no more than the connection's own state (an open or failed transaction, a
    // socket the server closed): a test query on every checkout was a round trip per request,
    // and a connection to a primary that died is closed by then and is replaced, not reused.
    let mut config = ManagerConfig::default();
    config.recycling_method = RecyclingMethod::Fast;
    let manager =
        AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(database_url, config);
    DeadPool::builder(manager)
        .max_size(options.max_size)
        .wait_timeout(Some(options.wait_timeout))
        .create_timeout(Some(options.create_timeout))
        .recycle_timeout(Some(options.recycle_timeout))
        .runtime(deadpool::Runtime::Tokio1)
        .build()
        .map_err(|e| DbError::Unavailable(e.to_string()))
}

/// Take a connection, mapping every pool failure to `Unavailable`.
pub async fn get(pool: &Pool) -> Result<Conn, DbError> {
    pool.get()
        .await
        .map_err(|e| DbError::Unavailable(e.to_string()))
}

//! The async connection pool (diesel-async over deadpool) with bounded waits, so that a database
//! outage turns into a fast "unavailable" rather than a hung request.

use crate::DbError;
use diesel_async::pooled_connection::deadpool::{Object, Pool as DeadPool};
use diesel_async::pooled_connection::AsyncDieselConnectionManager;
use diesel_async::AsyncPgConnection;
use std::time::Duration;

pub type Pool = DeadPool<AsyncPgConnection>;
pub type Conn = Object<AsyncPgConnection>;

/// Build a pool; no connection is opened until first use.
pub fn connect(database_url: &str, max_size: usize) -> Result<Pool, DbError> {
    let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new(database_url);
    DeadPool::builder(manager)
        .max_size(max_size)
        .wait_timeout(Some(Duration::from_secs(5)))
        .create_timeout(Some(Duration::from_secs(3)))
        .recycle_timeout(Some(Duration::from_secs(2)))
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

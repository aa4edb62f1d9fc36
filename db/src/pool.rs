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
    // A link that dies silently is bounded by the TCP user timeout every connection gets.
    let mut config = ManagerConfig::default();
    config.recycling_method = RecyclingMethod::Fast;
    config.custom_setup = Box::new(|url| Box::pin(establish(url.to_owned())));
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

/// How long data sent to PostgreSQL may stay unacknowledged before the connection is closed
/// (a host or link lost without a reset): the statement then fails and the client gets 503,
/// instead of waiting for the kernel's retransmissions to give up (a quarter of an hour). A
/// `tcp_user_timeout` in the database URL takes precedence. Not an upper bound on a query:
/// a slow statement or a commit waiting for the synchronous standby sends nothing meanwhile.
pub const TCP_USER_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a session may sit inside a transaction doing nothing before PostgreSQL ends it. A
/// caller that goes away mid-transaction leaves its connection in the pool, holding its locks
/// (an intake's key lock, which its retry waits on) until the next checkout drops it; at low
/// traffic that can be long. No transaction of ours waits on its client for more than moments.
pub const IDLE_IN_TRANSACTION: Duration = Duration::from_secs(60);

/// Open one connection as diesel-async does, with [`TCP_USER_TIMEOUT`] and
/// [`IDLE_IN_TRANSACTION`] unless the URL sets them.
async fn establish(url: String) -> diesel::ConnectionResult<AsyncPgConnection> {
    let bad = |e: tokio_postgres::Error| diesel::ConnectionError::BadConnection(e.to_string());
    let mut config: tokio_postgres::Config = url.parse().map_err(bad)?;
    if config.get_tcp_user_timeout().is_none() {
        config.tcp_user_timeout(TCP_USER_TIMEOUT);
    }
    let options = config.get_options().unwrap_or_default().to_owned();
    if !options.contains("idle_in_transaction_session_timeout") {
        config.options(format!(
            "{options} -c idle_in_transaction_session_timeout={}s",
            IDLE_IN_TRANSACTION.as_secs()
        ));
    }
    let (client, connection) = config.connect(tokio_postgres::NoTls).await.map_err(bad)?;
    AsyncPgConnection::try_from_client_and_connection(client, connection).await
}

/// Take a connection, mapping every pool failure to `Unavailable`.
pub async fn get(pool: &Pool) -> Result<Conn, DbError> {
    pool.get()
        .await
        .map_err(|e| DbError::Unavailable(e.to_string()))
}

//! The API service's settings: defaults, overridden by `DMS_*` environment variables or flags.

use std::path::PathBuf;

#[derive(Debug, Clone, clap::Args)]
pub struct Settings {
    /// PostgreSQL connection URL.
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: String,
    /// Address of the direct-channel listener (bearer tokens).
    #[arg(long, env = "DMS_API_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Address of the Трембіта listener (trusts Uxp-Client / X-Road-Client); bind it only where
    /// the security server alone can reach it.
    #[arg(long, env = "DMS_TREMBITA_LISTEN")]
    pub trembita_listen: Option<String>,
    /// Address of the staff (admin) listener; not started when absent.
    #[arg(long, env = "DMS_ADMIN_LISTEN")]
    pub admin_listen: Option<String>,
    /// Address of the operations listener (`/metrics`, health); not started when absent.
    #[arg(long, env = "DMS_OPS_LISTEN")]
    pub ops_listen: Option<String>,
    /// A bearer token `/metrics` asks for; open on the operations listener when absent.
    #[arg(long, env = "DMS_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    /// Directory of signing keys (`<kid>.ed25519`, `<kid>.pub`).
    #[arg(long, env = "DMS_KEYS_DIR", default_value = ".local/keys")]
    pub keys_dir: PathBuf,
    /// The kid to sign with; default: the newest private key in the directory.
    #[arg(long, env = "DMS_SIGNING_KID")]
    pub signing_kid: Option<String>,
    /// Database connections in the pool.
    #[arg(long, env = "DMS_DB_POOL_SIZE", default_value_t = 16)]
    pub db_pool_size: usize,
    /// HTTP worker threads per listener (default: one per core).
    #[arg(long, env = "DMS_HTTP_WORKERS")]
    pub workers: Option<usize>,
    /// Seconds a client has to send a whole request body; a slower one gets `408`.
    #[arg(long, env = "DMS_BODY_TIMEOUT_SECS", default_value_t = 20)]
    pub body_timeout_secs: u64,
}

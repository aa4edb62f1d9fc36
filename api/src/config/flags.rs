//! The command-line flags of `dms-api serve`: the highest layer of the configuration.

use dms_config::Flags;
use std::path::PathBuf;

/// Command-line flags of `dms-api serve` (and `--database-url` of the other commands); each
/// overrides its key in the file and its environment variable.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ServeFlags {
    /// PostgreSQL connection URL [env DATABASE_URL]
    #[arg(long)]
    pub database_url: Option<String>,
    /// Address of the direct-channel listener (bearer tokens) [env DMS_API_LISTEN; default
    /// 127.0.0.1:8080]
    #[arg(long)]
    pub listen: Option<String>,
    /// Address of the Трембіта listener (trusts Uxp-Client / X-Road-Client); bind it only where
    /// the security server alone can reach it [env DMS_TREMBITA_LISTEN]
    #[arg(long)]
    pub trembita_listen: Option<String>,
    /// Address of the staff (admin) listener; not started when absent [env DMS_ADMIN_LISTEN]
    #[arg(long)]
    pub admin_listen: Option<String>,
    /// Address of the operations listener (metrics) [env DMS_OPS_LISTEN]
    #[arg(long)]
    pub ops_listen: Option<String>,
    /// Address of the web interface for officials of registration bodies; not started when
    /// absent [env DMS_WEB_LISTEN]
    #[arg(long)]
    pub web_listen: Option<String>,
    /// The staff console's address (same TLS as the web interface); not started when absent
    /// [env DMS_CONSOLE_LISTEN]
    #[arg(long)]
    pub console_listen: Option<String>,
    /// Directory of signing keys (`<kid>.ed25519`, `<kid>.pub`) [env DMS_KEYS_DIR; default
    /// .local/keys]
    #[arg(long)]
    pub keys_dir: Option<PathBuf>,
    /// The kid to sign with; required when the directory holds more than one private key [env
    /// DMS_SIGNING_KID]
    #[arg(long)]
    pub signing_kid: Option<String>,
    /// Database connections in the pool [env DMS_DB_POOL_SIZE; default 16]
    #[arg(long)]
    pub db_pool_size: Option<usize>,
    /// HTTP worker threads per listener (default: one per core) [env DMS_HTTP_WORKERS]
    #[arg(long)]
    pub workers: Option<usize>,
    /// Seconds a client has to send a whole request body; a slower one gets `408` [env
    /// DMS_BODY_TIMEOUT_SECS; default 20]
    #[arg(long)]
    pub body_timeout_secs: Option<u64>,
}

impl ServeFlags {
    pub fn to_layer(&self) -> Flags {
        Flags::new()
            .set("database_url", "--database-url", self.database_url.as_ref())
            .set("api.listen", "--listen", self.listen.as_ref())
            .set(
                "api.trembita_listen",
                "--trembita-listen",
                self.trembita_listen.as_ref(),
            )
            .set(
                "api.admin_listen",
                "--admin-listen",
                self.admin_listen.as_ref(),
            )
            .set("api.ops_listen", "--ops-listen", self.ops_listen.as_ref())
            .set("api.web_listen", "--web-listen", self.web_listen.as_ref())
            .set(
                "api.console_listen",
                "--console-listen",
                self.console_listen.as_ref(),
            )
            .set("keys_dir", "--keys-dir", self.keys_dir.as_ref())
            .set("signing_kid", "--signing-kid", self.signing_kid.as_ref())
            .set("db.pool_size", "--db-pool-size", self.db_pool_size)
            .set("api.workers", "--workers", self.workers)
            .set(
                "api.body_timeout_secs",
                "--body-timeout-secs",
                self.body_timeout_secs,
            )
    }
}

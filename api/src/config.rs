//! The API's settings: built-in defaults, then the configuration file, then `DMS_*` environment
//! variables, then flags (see `dms_config`); checked as a whole before anything starts.

use dms_config::Layers;
pub use dms_config::Needs;
use dms_service::jobs::JobsSettings;
use std::path::PathBuf;
use std::time::Duration;

pub use dms_config::ConfigError;

mod bulk;
mod flags;
mod tls;
mod web;
pub use bulk::BulkSettings;
pub use flags::ServeFlags;
pub use tls::{is_loopback, TlsSettings};
pub use web::WebSettings;

/// Everything `dms-api` is configured with.
#[derive(Clone, PartialEq, Eq)]
pub struct Settings {
    /// PostgreSQL connection URL (`database_url`, `DATABASE_URL`).
    pub database_url: String,
    /// The schema owner's URL for `migrate` and `import-katottg` (`owner_database_url`,
    /// `DMS_OWNER_DATABASE_URL`); `database_url` when unset (a one-role set-up).
    pub owner_database_url: Option<String>,
    /// Direct-channel listener, bearer tokens (`api.listen`, `DMS_API_LISTEN`).
    pub listen: String,
    /// Трембіта listener; trusts Uxp-Client / X-Road-Client, so bind it only where the
    /// security server alone can reach it (`api.trembita_listen`, `DMS_TREMBITA_LISTEN`).
    pub trembita_listen: Option<String>,
    /// Staff listener; not started when absent (`api.admin_listen`, `DMS_ADMIN_LISTEN`).
    pub admin_listen: Option<String>,
    /// Operations listener (metrics); not started when absent (`api.ops_listen`,
    /// `DMS_OPS_LISTEN`).
    pub ops_listen: Option<String>,
    /// The web interface for officials; not started when absent (`api.web_listen`,
    /// `DMS_WEB_LISTEN`).
    pub web_listen: Option<String>,
    /// The staff console; not started when absent (`api.console_listen`,
    /// `DMS_CONSOLE_LISTEN`). Same TLS as the web interface.
    pub console_listen: Option<String>,
    /// The web interface's own settings (`[web]`).
    pub web: WebSettings,
    /// Bulk loads (`[bulk]`).
    pub bulk: BulkSettings,
    /// Bearer token for the operations listener's metrics (`api.metrics_token`,
    /// `DMS_METRICS_TOKEN`; secret).
    pub metrics_token: Option<String>,
    /// Signing keys (`keys_dir`, `DMS_KEYS_DIR`).
    pub keys_dir: PathBuf,
    /// The kid to sign with (`signing_kid`, `DMS_SIGNING_KID`); required when the key directory
    /// holds more than one private key.
    pub signing_kid: Option<String>,
    /// Connections in the pool (`db.pool_size`, `DMS_DB_POOL_SIZE`).
    pub db_pool_size: usize,
    /// The staff listener's own pool.
    pub db_admin_pool_size: usize,
    pub rate_per_address: u32,
    pub rate_burst_per_address: u32,
    pub rate_per_client: u32,
    pub rate_burst_per_client: u32,
    /// Seconds a request waits for a pooled connection (`db.wait_timeout_secs`).
    pub db_wait_timeout_secs: u64,
    /// Seconds to open a connection (`db.create_timeout_secs`).
    pub db_create_timeout_secs: u64,
    /// Seconds to check a pooled connection before reuse (`db.recycle_timeout_secs`).
    pub db_recycle_timeout_secs: u64,
    /// HTTP worker threads per listener; default one per core (`api.workers`,
    /// `DMS_HTTP_WORKERS`).
    pub workers: Option<usize>,
    /// Sandbox switches for vendors (`api.sandbox`, `DMS_SANDBOX`): `Dms-Sandbox-Next` on a
    /// submission makes its answer a 503, a slow one or a territorial ban.
    pub sandbox: bool,
    /// Seconds a client has to send a whole request body (`api.body_timeout_secs`,
    /// `DMS_BODY_TIMEOUT_SECS`).
    pub body_timeout_secs: u64,
    /// The scheduled jobs' settings (`[jobs]`), for the commands that run a job once.
    pub jobs: JobsSettings,
    /// TLS of the listeners, the direct channel's mode (`api.channel`, `api.*tls_*`).
    pub tls: TlsSettings,
}

// By hand, so that the password and the metrics token never reach a log line.
impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("database_url", &dms_config::redact_url(&self.database_url))
            .field(
                "owner_database_url",
                &self
                    .owner_database_url
                    .as_deref()
                    .map(dms_config::redact_url),
            )
            .field("listen", &self.listen)
            .field("trembita_listen", &self.trembita_listen)
            .field("admin_listen", &self.admin_listen)
            .field("ops_listen", &self.ops_listen)
            .field("web_listen", &self.web_listen)
            .field("console_listen", &self.console_listen)
            .field("web", &self.web)
            .field("bulk", &self.bulk)
            .field(
                "metrics_token",
                &self.metrics_token.as_ref().map(|_| "<hidden>"),
            )
            .field("keys_dir", &self.keys_dir)
            .field("signing_kid", &self.signing_kid)
            .field("db_pool_size", &self.db_pool_size)
            .field("db_admin_pool_size", &self.db_admin_pool_size)
            .field("rate_per_address", &self.rate_per_address)
            .field("rate_burst_per_address", &self.rate_burst_per_address)
            .field("rate_per_client", &self.rate_per_client)
            .field("rate_burst_per_client", &self.rate_burst_per_client)
            .field("db_wait_timeout_secs", &self.db_wait_timeout_secs)
            .field("db_create_timeout_secs", &self.db_create_timeout_secs)
            .field("db_recycle_timeout_secs", &self.db_recycle_timeout_secs)
            .field("workers", &self.workers)
            .field("sandbox", &self.sandbox)
            .field("body_timeout_secs", &self.body_timeout_secs)
            .field("jobs", &self.jobs)
            .field("tls", &self.tls)
            .finish()
    }
}

impl Settings {
    /// The built-in defaults with this database; for tests and embedding.
    pub fn new(database_url: impl Into<String>) -> Settings {
        let mut s = Settings::read(&mut Layers::builtin());
        s.database_url = database_url.into();
        s
    }

    /// Load every layer (`config`: the `--config` file, else the default file when present)
    /// and check the result as a whole.
    pub fn load(
        config: Option<&std::path::Path>,
        flags: &ServeFlags,
        needs: Needs,
    ) -> Result<Settings, ConfigError> {
        let (settings, layers) = Settings::layered(Layers::load(config, flags.to_layer()), needs);
        layers.finish(settings)
    }

    /// Read and check `layers`; the layers keep what was read (for `config show`) and every
    /// problem found.
    pub fn layered(mut layers: Layers, needs: Needs) -> (Settings, Layers) {
        let settings = Settings::read(&mut layers);
        settings.check(&mut layers, needs);
        (settings, layers)
    }

    fn read(l: &mut Layers) -> Settings {
        Settings {
            database_url: l.get("database_url").unwrap_or_default(),
            owner_database_url: l.get("owner_database_url"),
            listen: l.get("api.listen").unwrap_or_default(),
            trembita_listen: l.get("api.trembita_listen"),
            admin_listen: l.get("api.admin_listen"),
            ops_listen: l.get("api.ops_listen"),
            web_listen: l.get("api.web_listen"),
            console_listen: l.get("api.console_listen"),
            web: WebSettings::read(l),
            bulk: BulkSettings::read(l),
            metrics_token: l.get("api.metrics_token"),
            keys_dir: l.get("keys_dir").unwrap_or_default(),
            signing_kid: l.get("signing_kid"),
            db_pool_size: l.get("db.pool_size").unwrap_or_default(),
            db_admin_pool_size: l.get("db.admin_pool_size").unwrap_or_default(),
            rate_per_address: l.get("api.rate_per_address").unwrap_or_default(),
            rate_burst_per_address: l.get("api.rate_burst_per_address").unwrap_or_default(),
            rate_per_client: l.get("api.rate_per_client").unwrap_or_default(),
            rate_burst_per_client: l.get("api.rate_burst_per_client").unwrap_or_default(),
            db_wait_timeout_secs: l.get("db.wait_timeout_secs").unwrap_or_default(),
            db_create_timeout_secs: l.get("db.create_timeout_secs").unwrap_or_default(),
            db_recycle_timeout_secs: l.get("db.recycle_timeout_secs").unwrap_or_default(),
            workers: l.get("api.workers"),
            sandbox: l.get("api.sandbox").unwrap_or_default(),
            body_timeout_secs: l.get("api.body_timeout_secs").unwrap_or_default(),
            jobs: JobsSettings::read(l),
            tls: TlsSettings::read(l),
        }
    }

    /// Rules no type expresses. Values that failed to read were already reported.
    fn check(&self, l: &mut Layers, needs: Needs) {
        if needs == Needs::Database {
            l.require("database_url");
        }
        let listeners = [
            ("api.listen", Some(&self.listen)),
            ("api.trembita_listen", self.trembita_listen.as_ref()),
            ("api.admin_listen", self.admin_listen.as_ref()),
            ("api.ops_listen", self.ops_listen.as_ref()),
            ("api.web_listen", self.web_listen.as_ref()),
            ("api.console_listen", self.console_listen.as_ref()),
        ];
        for (i, (path, addr)) in listeners.iter().enumerate() {
            let Some(addr) = addr else { continue };
            if !is_host_port(addr) {
                l.invalid(path, "not HOST:PORT");
            } else if let Some((other, _)) = listeners[..i]
                .iter()
                .find(|(_, a)| a.is_some_and(|a| a == *addr && !addr.ends_with(":0")))
            {
                l.invalid(path, &format!("the same address as {other}"));
            }
        }
        for (path, listen) in [
            ("api.web_listen", &self.web_listen),
            ("api.console_listen", &self.console_listen),
        ] {
            let Some(addr) = listen else { continue };
            if !self.tls.web.enabled() && !is_loopback(addr) {
                l.invalid(
                    path,
                    &format!(
                        "the web interface serves TLS (api.web_tls_cert, api.web_tls_key); plain \
                         HTTP only on a loopback address, not {addr}"
                    ),
                );
            }
        }
        for (path, value) in [
            ("web.session_idle_minutes", self.web.session_idle_minutes),
            ("web.session_max_hours", self.web.session_max_hours),
            ("web.max_failures", self.web.max_failures),
            ("web.lock_minutes", self.web.lock_minutes),
            ("bulk.max_bytes", self.bulk.max_bytes),
            ("bulk.max_lines", self.bulk.max_lines),
            ("bulk.batch_lines", self.bulk.batch_lines),
            ("bulk.poll_secs", self.bulk.poll_secs),
        ] {
            if value == 0 {
                l.invalid(path, "must be at least 1");
            }
        }
        if let Some(token) = &self.metrics_token {
            if token.chars().count() < 16 {
                l.invalid("api.metrics_token", "at least 16 characters");
            }
        }
        for (path, value) in [
            ("db.pool_size", self.db_pool_size as u64),
            ("db.admin_pool_size", self.db_admin_pool_size as u64),
            ("db.wait_timeout_secs", self.db_wait_timeout_secs),
            ("db.create_timeout_secs", self.db_create_timeout_secs),
            ("db.recycle_timeout_secs", self.db_recycle_timeout_secs),
            ("api.body_timeout_secs", self.body_timeout_secs),
        ] {
            if value == 0 {
                l.invalid(path, "must be at least 1");
            }
        }
        if self.workers == Some(0) {
            l.invalid("api.workers", "must be at least 1");
        }
        self.jobs.check(l);
        self.tls.check(l, self.trembita_listen.as_deref());
    }

    /// The pool's size and timeouts.
    pub fn pool_options(&self) -> dms_db::pool::PoolOptions {
        self.pool_options_of(self.db_pool_size)
    }

    /// The pool's timeouts with another size (each listener has a pool of its own).
    pub fn pool_options_of(&self, max_size: usize) -> dms_db::pool::PoolOptions {
        dms_db::pool::PoolOptions {
            max_size,
            wait_timeout: Duration::from_secs(self.db_wait_timeout_secs),
            create_timeout: Duration::from_secs(self.db_create_timeout_secs),
            recycle_timeout: Duration::from_secs(self.db_recycle_timeout_secs),
        }
    }
}

/// `HOST:PORT` (a name, an IPv4 address or a bracketed IPv6 address), without resolving the
/// name: a configuration check must not depend on DNS.
fn is_host_port(addr: &str) -> bool {
    match addr.rsplit_once(':') {
        Some((host, port)) => {
            let host_ok = if let Some(v6) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']'))
            {
                v6.parse::<std::net::Ipv6Addr>().is_ok()
            } else {
                !host.is_empty()
                    && host
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
            };
            host_ok && port.parse::<u16>().is_ok()
        }
        None => false,
    }
}

#[cfg(test)]
mod tests;

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
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::result_large_err)]
    use super::*;
    use std::collections::HashMap;

    fn layers(file: Option<&std::path::Path>, env: &[(&str, &str)], flags: &ServeFlags) -> Layers {
        let env: HashMap<String, String> = env
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect();
        Layers::load_with(file, flags.to_layer(), move |k| env.get(k).cloned())
    }

    #[test]
    fn the_defaults_are_the_documented_ones() {
        let s = Settings::new("postgres://localhost/dms");
        assert_eq!(s.listen, "127.0.0.1:8080");
        assert_eq!(s.keys_dir, PathBuf::from(".local/keys"));
        assert_eq!(s.db_pool_size, 16);
        assert_eq!(
            (
                s.db_wait_timeout_secs,
                s.db_create_timeout_secs,
                s.db_recycle_timeout_secs
            ),
            (5, 3, 2)
        );
        assert_eq!(s.body_timeout_secs, 20);
        assert_eq!(
            (s.trembita_listen, s.admin_listen, s.ops_listen),
            (None, None, None)
        );
        assert_eq!(
            (s.metrics_token, s.workers, s.signing_kid),
            (None, None, None)
        );
        assert_eq!(s.jobs, JobsSettings::default());
        let (_, l) = Settings::layered(Layers::builtin(), Needs::Nothing);
        assert!(l.problems().is_empty(), "{:?}", l.problems());
    }

    #[test]
    fn default_then_file_then_environment_then_flag() {
        figment::Jail::expect_with(|jail| {
            let file = jail.directory().join("dms.toml");
            jail.create_file(
                &file,
                "database_url = \"postgres://file/dms\"\n\
                 [api]\nlisten = \"127.0.0.1:1001\"\nadmin_listen = \"127.0.0.1:1002\"\n\
                 trembita_listen = \"127.0.0.1:1003\"\n[db]\npool_size = 3\n\
                 [jobs]\naudit_seal_grace_secs = 9\n",
            )?;
            let env = [
                ("DMS_ADMIN_LISTEN", "127.0.0.1:2002"),
                ("DMS_TREMBITA_LISTEN", "127.0.0.1:2003"),
                ("DMS_TREMBITA_INSECURE_HTTP", "true"),
                ("DMS_HTTP_WORKERS", "2"),
            ];
            let flags = ServeFlags {
                trembita_listen: Some("127.0.0.1:3003".into()),
                ..ServeFlags::default()
            };
            let (s, l) = Settings::layered(layers(Some(&file), &env, &flags), Needs::Database);
            assert!(l.problems().is_empty(), "{:?}", l.problems());
            assert_eq!(s.body_timeout_secs, 20, "default");
            assert_eq!(s.database_url, "postgres://file/dms", "file");
            assert_eq!(s.listen, "127.0.0.1:1001", "file");
            assert_eq!(s.db_pool_size, 3, "file");
            assert_eq!(s.jobs.audit_seal_grace_secs, 9, "file");
            assert_eq!(
                s.admin_listen.as_deref(),
                Some("127.0.0.1:2002"),
                "env over file"
            );
            assert_eq!(s.workers, Some(2), "env");
            assert_eq!(
                s.trembita_listen.as_deref(),
                Some("127.0.0.1:3003"),
                "flag over env"
            );
            let shown = l.show("dms-api");
            assert!(shown.contains("# flag --trembita-listen"), "{shown}");
            assert!(shown.contains("# env DMS_ADMIN_LISTEN"), "{shown}");
            Ok(())
        });
    }

    #[test]
    fn every_problem_is_named_at_once() {
        let env = [
            ("DMS_API_LISTEN", "no-port"),
            ("DMS_ADMIN_LISTEN", "127.0.0.1:8080"),
            ("DMS_DB_POOL_SIZE", "0"),
            ("DMS_BODY_TIMEOUT_SECS", "twenty"),
            ("DMS_METRICS_TOKEN", "short"),
            ("DMS_MARK_OVERDUE_CRON", "*/15 * * * *"),
        ];
        let flags = ServeFlags {
            listen: Some("127.0.0.1:8080".into()),
            ..ServeFlags::default()
        };
        // The flag fixes the listener, so the admin listener now collides with it.
        let (_, l) = Settings::layered(layers(None, &env, &flags), Needs::Database);
        let err = l.finish(()).unwrap_err();
        let text = err.to_string();
        assert_eq!(err.problems.len(), 6, "{text}");
        for needle in [
            "database_url is not set",
            "api.admin_listen = \"127.0.0.1:8080\" (env DMS_ADMIN_LISTEN): the same address as api.listen",
            "db.pool_size = \"0\" (env DMS_DB_POOL_SIZE): must be at least 1",
            "api.body_timeout_secs = \"twenty\" (env DMS_BODY_TIMEOUT_SECS)",
            "api.metrics_token = \"<hidden>\" (env DMS_METRICS_TOKEN): at least 16 characters",
            "jobs.mark_overdue_cron = \"*/15 * * * *\" (env DMS_MARK_OVERDUE_CRON): not a cron",
        ] {
            assert!(text.contains(needle), "{needle} missing from\n{text}");
        }
        assert!(!text.contains("short"), "{text}");
    }

    #[test]
    fn the_trembita_listener_serves_tls_or_plain_http_only_when_asked_on_loopback() {
        let problems = |env: &[(&str, &str)]| {
            let (_, l) =
                Settings::layered(layers(None, env, &ServeFlags::default()), Needs::Nothing);
            l.problems().join("\n")
        };
        let plain = problems(&[("DMS_TREMBITA_LISTEN", "127.0.0.1:8081")]);
        assert!(
            plain.contains("api.trembita_listen") && plain.contains("serves TLS"),
            "{plain}"
        );
        let dev = [
            ("DMS_TREMBITA_LISTEN", "127.0.0.1:8081"),
            ("DMS_TREMBITA_INSECURE_HTTP", "true"),
        ];
        assert_eq!(problems(&dev), "");
        let exposed = problems(&[
            ("DMS_TREMBITA_LISTEN", "0.0.0.0:8081"),
            ("DMS_TREMBITA_INSECURE_HTTP", "true"),
        ]);
        assert!(
            exposed.contains("DMS_TREMBITA_INSECURE_HTTP") && exposed.contains("loopback"),
            "{exposed}"
        );
        let no_client_auth = problems(&[
            ("DMS_TREMBITA_LISTEN", "0.0.0.0:8081"),
            ("DMS_TREMBITA_TLS_CERT", "server.crt"),
            ("DMS_TREMBITA_TLS_KEY", "server.key"),
        ]);
        assert!(
            no_client_auth.contains("client certificate"),
            "{no_client_auth}"
        );
        let tls = [
            ("DMS_TREMBITA_LISTEN", "0.0.0.0:8081"),
            ("DMS_TREMBITA_TLS_CERT", "server.crt"),
            ("DMS_TREMBITA_TLS_KEY", "server.key"),
            ("DMS_TREMBITA_TLS_CLIENT_FINGERPRINTS", &"ab".repeat(32)),
        ];
        assert_eq!(problems(&tls), "");
        let mtls = problems(&[("DMS_API_CHANNEL", "mtls")]);
        assert!(mtls.contains("api.tls_cert"), "{mtls}");
    }

    #[test]
    fn commands_without_the_database_do_not_need_its_url() {
        let (_, l) = Settings::layered(layers(None, &[], &ServeFlags::default()), Needs::Nothing);
        assert!(l.problems().is_empty(), "{:?}", l.problems());
    }

    #[test]
    fn the_password_never_reaches_debug_output() {
        let mut s = Settings::new("postgres://dms:hunter22@db/dms");
        s.metrics_token = Some("0123456789abcdefXYZ".into());
        let text = format!("{s:?}");
        assert!(
            !text.contains("hunter22") && !text.contains("XYZ"),
            "{text}"
        );
    }

    #[test]
    fn listener_addresses_are_host_and_port() {
        for ok in [
            "127.0.0.1:8080",
            "localhost:80",
            "[::1]:8080",
            "0.0.0.0:0",
            "dms-api.internal:443",
        ] {
            assert!(is_host_port(ok), "{ok}");
        }
        for bad in [
            "8080",
            "127.0.0.1",
            "127.0.0.1:99999",
            ":8080",
            "[::1",
            "a b:80",
        ] {
            assert!(!is_host_port(bad), "{bad}");
        }
    }
}

//! The feeder's settings: built-in defaults, then the configuration file, then `DMS_*`
//! environment variables, then flags (see `dms_config`); checked as a whole before anything runs.

pub use dms_config::Needs;
use dms_config::{ConfigError, Flags, Layers};
use dms_service::jobs::{check_cron, JobsSettings, KyivDaily};
use std::path::{Path, PathBuf};

/// Everything `dms-feeder` is configured with.
#[derive(Clone, PartialEq, Eq)]
pub struct Settings {
    /// `database_url`, `DATABASE_URL`.
    pub database_url: String,
    /// Directory data sets are written to, the embedded sink (`feeder.outbox`).
    pub outbox: PathBuf,
    /// ЄДДР endpoint; data sets are PUT to `<url>/datasets/<seq>` when set (`feeder.eddr_url`).
    pub eddr_url: Option<String>,
    /// PEM CA certificates trusted for an https ЄДДР endpoint (`feeder.eddr_ca`).
    pub eddr_ca: Option<PathBuf>,
    /// PEM client certificate (chain) for mutual TLS with ЄДДР (`feeder.eddr_client_cert`).
    pub eddr_client_cert: Option<PathBuf>,
    /// PEM private key of the client certificate (`feeder.eddr_client_key`).
    pub eddr_client_key: Option<PathBuf>,
    /// `keys_dir`, `DMS_KEYS_DIR`.
    pub keys_dir: PathBuf,
    /// `signing_kid`, `DMS_SIGNING_KID`.
    pub signing_kid: Option<String>,
    /// Records per data set at most.
    pub max_records: i64,
    /// Delivery attempts before a data set is marked failed.
    pub max_attempts: i32,
    /// First retry delay; doubles on each failure up to the ceiling.
    pub backoff_secs: u64,
    pub backoff_max_secs: u64,
    /// HTTP timeout of one delivery.
    pub http_timeout_secs: u64,
    /// A pending item older than this is logged as an alert.
    pub alert_pending_secs: u64,
    /// Regular data-set runs (cron, seconds first, UTC).
    pub cron: Vec<String>,
    /// The daily data-set run at this Kyiv time; none when configured empty.
    pub daily_kyiv: Option<KyivDaily>,
    /// The other scheduled jobs (`[jobs]`).
    pub jobs: JobsSettings,
}

// By hand, so that passwords in the URLs never reach a log line.
impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("database_url", &dms_config::redact_url(&self.database_url))
            .field("outbox", &self.outbox)
            .field(
                "eddr_url",
                &self.eddr_url.as_deref().map(dms_config::redact_url),
            )
            .field("eddr_ca", &self.eddr_ca)
            .field("eddr_client_cert", &self.eddr_client_cert)
            .field("eddr_client_key", &self.eddr_client_key)
            .field("keys_dir", &self.keys_dir)
            .field("signing_kid", &self.signing_kid)
            .field("max_records", &self.max_records)
            .field("max_attempts", &self.max_attempts)
            .field("backoff_secs", &self.backoff_secs)
            .field("backoff_max_secs", &self.backoff_max_secs)
            .field("http_timeout_secs", &self.http_timeout_secs)
            .field("alert_pending_secs", &self.alert_pending_secs)
            .field("cron", &self.cron)
            .field("daily_kyiv", &self.daily_kyiv)
            .field("jobs", &self.jobs)
            .finish()
    }
}

/// Flags of `run-once` and `schedule`; each overrides its key in the file and its environment
/// variable.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct RunFlags {
    /// PostgreSQL connection URL [env DATABASE_URL]
    #[arg(long)]
    pub database_url: Option<String>,
    /// Directory data sets are written to (the embedded sink) [env DMS_FEEDER_OUTBOX; default
    /// .local/outbox]
    #[arg(long)]
    pub outbox: Option<PathBuf>,
    /// ЄДДР endpoint; data sets are PUT to `<url>/datasets/<seq>` when set [env DMS_EDDR_URL]
    #[arg(long)]
    pub eddr_url: Option<String>,
    /// [env DMS_KEYS_DIR; default .local/keys]
    #[arg(long)]
    pub keys_dir: Option<PathBuf>,
    /// [env DMS_SIGNING_KID]
    #[arg(long)]
    pub signing_kid: Option<String>,
    /// Records per data set at most [env DMS_FEEDER_MAX_RECORDS; default 50000]
    #[arg(long)]
    pub max_records: Option<i64>,
    /// Delivery attempts before a data set is marked failed [env DMS_FEEDER_MAX_ATTEMPTS;
    /// default 8]
    #[arg(long)]
    pub max_attempts: Option<i32>,
    /// First retry delay; doubles on each failure up to the ceiling [env
    /// DMS_FEEDER_BACKOFF_SECS; default 30]
    #[arg(long)]
    pub backoff_secs: Option<u64>,
    /// [env DMS_FEEDER_BACKOFF_MAX_SECS; default 3600]
    #[arg(long)]
    pub backoff_max_secs: Option<u64>,
    /// HTTP timeout of one delivery [env DMS_FEEDER_HTTP_TIMEOUT_SECS; default 120]
    #[arg(long)]
    pub http_timeout_secs: Option<u64>,
    /// A pending item older than this is logged as an alert [env
    /// DMS_FEEDER_ALERT_PENDING_SECS; default 3600]
    #[arg(long)]
    pub alert_pending_secs: Option<u64>,
}

/// Flags of `schedule` only.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ScheduleFlags {
    /// Cron expressions (seconds first, UTC) for regular runs [env DMS_FEEDER_CRON, separated
    /// by `;`; default "0 */10 * * * *"]
    #[arg(long, value_delimiter = ';')]
    pub cron: Option<Vec<String>>,
    /// The daily run at this Kyiv time (HH:MM), whatever the daylight-saving offset [env
    /// DMS_FEEDER_DAILY_KYIV; default 23:55]
    #[arg(long)]
    pub daily_kyiv: Option<String>,
}

impl RunFlags {
    pub fn to_layer(&self) -> Flags {
        Flags::new()
            .set("database_url", "--database-url", self.database_url.as_ref())
            .set("feeder.outbox", "--outbox", self.outbox.as_ref())
            .set("feeder.eddr_url", "--eddr-url", self.eddr_url.as_ref())
            .set("keys_dir", "--keys-dir", self.keys_dir.as_ref())
            .set("signing_kid", "--signing-kid", self.signing_kid.as_ref())
            .set("feeder.max_records", "--max-records", self.max_records)
            .set("feeder.max_attempts", "--max-attempts", self.max_attempts)
            .set("feeder.backoff_secs", "--backoff-secs", self.backoff_secs)
            .set(
                "feeder.backoff_max_secs",
                "--backoff-max-secs",
                self.backoff_max_secs,
            )
            .set(
                "feeder.http_timeout_secs",
                "--http-timeout-secs",
                self.http_timeout_secs,
            )
            .set(
                "feeder.alert_pending_secs",
                "--alert-pending-secs",
                self.alert_pending_secs,
            )
    }
}

impl ScheduleFlags {
    pub fn add_to(&self, flags: Flags) -> Flags {
        flags.set("feeder.cron", "--cron", self.cron.as_ref()).set(
            "feeder.daily_kyiv",
            "--daily-kyiv",
            self.daily_kyiv.as_ref(),
        )
    }
}

impl Settings {
    /// The built-in defaults with this database.
    pub fn new(database_url: impl Into<String>) -> Settings {
        let mut s = Settings::read(&mut Layers::builtin());
        s.database_url = database_url.into();
        s
    }

    /// Load every layer (`config`: the `--config` file, else the default file when present)
    /// and check the result as a whole.
    pub fn load(
        config: Option<&Path>,
        flags: Flags,
        needs: Needs,
    ) -> Result<Settings, ConfigError> {
        let (settings, layers) = Settings::layered(Layers::load(config, flags), needs);
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
        let daily_kyiv = match l.get::<String>("feeder.daily_kyiv") {
            Some(text) if text.trim().is_empty() => None,
            Some(text) => KyivDaily::parse(text.trim()).or_else(|| {
                l.invalid("feeder.daily_kyiv", "not HH:MM (or empty for no daily run)");
                None
            }),
            None => None,
        };
        Settings {
            database_url: l.get("database_url").unwrap_or_default(),
            outbox: l.get("feeder.outbox").unwrap_or_default(),
            eddr_url: l.get("feeder.eddr_url"),
            eddr_ca: l.get("feeder.eddr_ca"),
            eddr_client_cert: l.get("feeder.eddr_client_cert"),
            eddr_client_key: l.get("feeder.eddr_client_key"),
            keys_dir: l.get("keys_dir").unwrap_or_default(),
            signing_kid: l.get("signing_kid"),
            max_records: l.get("feeder.max_records").unwrap_or_default(),
            max_attempts: l.get("feeder.max_attempts").unwrap_or_default(),
            backoff_secs: l.get("feeder.backoff_secs").unwrap_or_default(),
            backoff_max_secs: l.get("feeder.backoff_max_secs").unwrap_or_default(),
            http_timeout_secs: l.get("feeder.http_timeout_secs").unwrap_or_default(),
            alert_pending_secs: l.get("feeder.alert_pending_secs").unwrap_or_default(),
            cron: l.get_list("feeder.cron").unwrap_or_default(),
            daily_kyiv,
            jobs: JobsSettings::read(l),
        }
    }

    /// Rules no type expresses. Values that failed to read were already reported.
    fn check(&self, l: &mut Layers, needs: Needs) {
        if needs == Needs::Database {
            l.require("database_url");
        }
        if let Some(url) = &self.eddr_url {
            let ok = reqwest::Url::parse(url)
                .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host());
            if !ok {
                l.invalid("feeder.eddr_url", "not an http(s) URL");
            } else if url.starts_with("https:") && self.eddr_ca.is_none() {
                l.invalid(
                    "feeder.eddr_url",
                    "an https URL needs feeder.eddr_ca (the CA of ЄДДР's certificate)",
                );
            }
        }
        match (&self.eddr_client_cert, &self.eddr_client_key) {
            (Some(_), None) => l.invalid("feeder.eddr_client_cert", "needs feeder.eddr_client_key"),
            (None, Some(_)) => l.invalid("feeder.eddr_client_key", "needs feeder.eddr_client_cert"),
            _ => {}
        }
        for (path, value) in [
            ("feeder.max_records", self.max_records),
            ("feeder.max_attempts", i64::from(self.max_attempts)),
            (
                "feeder.http_timeout_secs",
                i64::try_from(self.http_timeout_secs).unwrap_or(i64::MAX),
            ),
        ] {
            if value < 1 {
                l.invalid(path, "must be at least 1");
            }
        }
        if self.backoff_max_secs < self.backoff_secs {
            l.invalid("feeder.backoff_max_secs", "below feeder.backoff_secs");
        }
        for cron in &self.cron {
            if let Err(e) = check_cron(cron) {
                l.invalid("feeder.cron", &format!("\"{cron}\": {e}"));
            }
        }
        self.jobs.check(l);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::result_large_err)]
    use super::*;
    use std::collections::HashMap;

    fn layered(env: &[(&str, &str)], flags: Flags) -> (Settings, Layers) {
        let env: HashMap<String, String> = env
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect();
        Settings::layered(
            Layers::load_with(None, flags, move |k| env.get(k).cloned()),
            Needs::Database,
        )
    }

    #[test]
    fn the_defaults_are_the_documented_ones() {
        let s = Settings::new("postgres://localhost/dms");
        assert_eq!(s.outbox, PathBuf::from(".local/outbox"));
        assert_eq!((s.max_records, s.max_attempts), (50_000, 8));
        assert_eq!((s.backoff_secs, s.backoff_max_secs), (30, 3600));
        assert_eq!((s.http_timeout_secs, s.alert_pending_secs), (120, 3600));
        assert_eq!(s.cron, ["0 */10 * * * *"]);
        assert_eq!(
            s.daily_kyiv,
            Some(KyivDaily {
                hour: 23,
                minute: 55
            })
        );
        assert_eq!(s.eddr_url, None);
    }

    #[test]
    fn environment_then_flags_and_the_documented_variable_names() {
        let env = [
            ("DATABASE_URL", "postgres://env/dms"),
            ("DMS_FEEDER_OUTBOX", "/var/lib/dms/outbox"),
            ("DMS_FEEDER_MAX_RECORDS", "4"),
            ("DMS_FEEDER_BACKOFF_SECS", "0"),
            ("DMS_FEEDER_CRON", "0 */5 * * * *;0 0 * * * *"),
            ("DMS_FEEDER_DAILY_KYIV", "01:30"),
            ("DMS_EDDR_URL", "http://127.0.0.1:9/eddr"),
        ];
        let flags = ScheduleFlags {
            daily_kyiv: Some("02:00".into()),
            ..ScheduleFlags::default()
        }
        .add_to(
            RunFlags {
                max_records: Some(7),
                ..RunFlags::default()
            }
            .to_layer(),
        );
        let (s, l) = layered(&env, flags);
        assert!(l.problems().is_empty(), "{:?}", l.problems());
        assert_eq!(s.database_url, "postgres://env/dms");
        assert_eq!(s.outbox, PathBuf::from("/var/lib/dms/outbox"));
        assert_eq!(s.max_records, 7);
        assert_eq!(s.backoff_secs, 0);
        assert_eq!(s.cron, ["0 */5 * * * *", "0 0 * * * *"]);
        assert_eq!(s.daily_kyiv, Some(KyivDaily { hour: 2, minute: 0 }));
        assert_eq!(s.eddr_url.as_deref(), Some("http://127.0.0.1:9/eddr"));
    }

    #[test]
    fn every_problem_is_named_at_once() {
        let env = [
            ("DMS_FEEDER_MAX_RECORDS", "0"),
            ("DMS_FEEDER_MAX_ATTEMPTS", "lots"),
            ("DMS_FEEDER_DAILY_KYIV", "25:00"),
            ("DMS_FEEDER_CRON", "*/10 * * * *"),
            ("DMS_EDDR_URL", "ftp://x"),
            ("DMS_AUDIT_SEAL_CRON", "never"),
        ];
        let (_, l) = layered(&env, Flags::new());
        let text = l.problems().join("\n");
        assert_eq!(l.problems().len(), 7, "{text}");
        for needle in [
            "database_url is not set",
            "feeder.max_records = \"0\"",
            "feeder.max_attempts = \"lots\"",
            "feeder.daily_kyiv = \"25:00\"",
            "feeder.cron = \"*/10 * * * *\"",
            "feeder.eddr_url = \"ftp://x\"",
            "jobs.audit_seal_cron = \"never\"",
        ] {
            assert!(text.contains(needle), "{needle} missing from\n{text}");
        }
    }

    #[test]
    fn an_empty_daily_time_turns_the_daily_run_off() {
        figment::Jail::expect_with(|jail| {
            let file = jail.directory().join("dms.toml");
            jail.create_file(&file, "[feeder]\ndaily_kyiv = \"\"\ncron = []\n")?;
            let (s, l) = Settings::layered(
                Layers::load_with(Some(&file), Flags::new(), |_| None),
                Needs::Nothing,
            );
            assert!(l.problems().is_empty(), "{:?}", l.problems());
            assert_eq!(s.daily_kyiv, None);
            assert!(s.cron.is_empty());
            Ok(())
        });
    }
}

//! Every configuration key of the DMS binaries, listed once: its place in the TOML file, the
//! environment variable that sets it, its built-in default and whether it is secret.
//!
//! The environment variable names predate the file and are a contract with operators; they do
//! not follow the file's sections mechanically, so each is written out here.

/// The file read when `--config` is not given, if it exists.
pub const DEFAULT_FILE: &str = "/etc/dms/dms.toml";

/// How a value is shown in `config show` and in error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Secret {
    /// Shown as it is.
    No,
    /// Never shown.
    Whole,
    /// A connection URL: shown with its password replaced.
    UrlPassword,
}

/// One configuration key.
#[derive(Debug)]
pub struct Key {
    /// Dotted path in the TOML file (`section.name`, or `name` at the top).
    pub path: &'static str,
    /// The environment variable that sets it.
    pub env: &'static str,
    /// The built-in default as a TOML value; `None` when the key is unset by default.
    pub default: Option<&'static str>,
    /// For a key without a default: a value as it would be written (for the example file).
    pub example: &'static str,
    pub secret: Secret,
    /// One line for the example file.
    pub doc: &'static str,
}

const fn key(
    path: &'static str,
    env: &'static str,
    default: &'static str,
    doc: &'static str,
) -> Key {
    Key {
        path,
        env,
        default: Some(default),
        example: "",
        secret: Secret::No,
        doc,
    }
}

const fn unset(
    path: &'static str,
    env: &'static str,
    example: &'static str,
    doc: &'static str,
) -> Key {
    Key {
        path,
        env,
        default: None,
        example,
        secret: Secret::No,
        doc,
    }
}

const fn secret(mut k: Key, how: Secret) -> Key {
    k.secret = how;
    k
}

/// The sections of the file, in the order the example file and `config show` use.
pub const SECTIONS: [(&str, &str); 7] = [
    ("", "Shared by dms-api and dms-feeder"),
    ("db", "The API's connection pool"),
    ("api", "dms-api serve"),
    (
        "web",
        "dms-api serve: the web interface for officials of registration bodies (api.web_listen)",
    ),
    (
        "bulk",
        "dms-api serve: bulk loads of registers' existing data (POST /v1/bulk-loads)",
    ),
    ("feeder", "dms-feeder: data sets for ЄДДР"),
    (
        "jobs",
        "Scheduled jobs (run by dms-feeder schedule; one-off: dms-api mark-overdue, audit-seal, bulk-lines-purge)",
    ),
];

/// Every key, grouped by section.
pub const KEYS: &[Key] = &[
    secret(
        unset(
            "database_url",
            "DATABASE_URL",
            "\"postgres://dms:secret@127.0.0.1:5432/dms\"",
            "PostgreSQL connection URL (required by every command that uses the database; its password is never printed)",
        ),
        Secret::UrlPassword,
    ),
    secret(
        unset(
            "owner_database_url",
            "DMS_OWNER_DATABASE_URL",
            "\"postgres://dms_owner@127.0.0.1:5432/dms\"",
            "Connection URL of the role that owns the schema, for migrate and import-katottg only; default: database_url (a one-role set-up)",
        ),
        Secret::UrlPassword,
    ),
    key(
        "keys_dir",
        "DMS_KEYS_DIR",
        "\".local/keys\"",
        "Directory of signing keys (<kid>.ed25519, <kid>.pub)",
    ),
    unset(
        "signing_kid",
        "DMS_SIGNING_KID",
        "\"dms-20260101T000000Z-abcd\"",
        "The kid to sign with; required when keys_dir holds more than one private key",
    ),
    key(
        "db.pool_size",
        "DMS_DB_POOL_SIZE",
        "16",
        "Database connections in the API's pool",
    ),
    key(
        "db.admin_pool_size",
        "DMS_DB_ADMIN_POOL_SIZE",
        "4",
        "Database connections of the staff listener's own pool (the operations listener has 2 of its own; each community listener has db.pool_size)",
    ),
    key(
        "db.wait_timeout_secs",
        "DMS_DB_WAIT_TIMEOUT_SECS",
        "5",
        "Seconds a request waits for a free connection before it is answered 503",
    ),
    key(
        "db.create_timeout_secs",
        "DMS_DB_CREATE_TIMEOUT_SECS",
        "3",
        "Seconds to open a new database connection",
    ),
    key(
        "db.recycle_timeout_secs",
        "DMS_DB_RECYCLE_TIMEOUT_SECS",
        "2",
        "Seconds to check a pooled connection before reusing it",
    ),
    key(
        "api.listen",
        "DMS_API_LISTEN",
        "\"127.0.0.1:8080\"",
        "Direct-channel listener (bearer tokens), HOST:PORT",
    ),
    unset(
        "api.trembita_listen",
        "DMS_TREMBITA_LISTEN",
        "\"127.0.0.1:8081\"",
        "Трембіта listener (trusts Uxp-Client); bind it where only the security server reaches it",
    ),
    unset(
        "api.admin_listen",
        "DMS_ADMIN_LISTEN",
        "\"127.0.0.1:8082\"",
        "Staff (admin) listener; not started when unset",
    ),
    unset(
        "api.ops_listen",
        "DMS_OPS_LISTEN",
        "\"127.0.0.1:9090\"",
        "Operations listener (metrics); not started when unset",
    ),
    unset(
        "api.web_listen",
        "DMS_WEB_LISTEN",
        "\"127.0.0.1:8083\"",
        "Web interface for officials of registration bodies (the hosted community register); not started when unset",
    ),
    unset(
        "api.console_listen",
        "DMS_CONSOLE_LISTEN",
        "\"127.0.0.1:8085\"",
        "The staff console (DMS officers, supervisors, auditors on the web); TLS as the web interface's (api.web_tls_*); not started when unset",
    ),
    key(
        "web.static_dir",
        "DMS_WEB_STATIC_DIR",
        "\"web/static\"",
        "Directory of the web interface's stylesheet and scripts (built by ops/web-assets)",
    ),
    unset(
        "web.public_url",
        "DMS_WEB_PUBLIC_URL",
        "\"https://rtg.dmsu.gov.ua\"",
        "The web interface's address as officials reach it, for the one-time set-up links the command line prints; default: http://<api.web_listen>",
    ),
    unset(
        "web.console_public_url",
        "DMS_CONSOLE_PUBLIC_URL",
        "\"https://console.dmsu.gov.ua\"",
        "The staff console's address as DMS staff reach it, for the set-up links of staff accounts the command line prints; default: http://<api.console_listen>",
    ),
    key(
        "web.session_idle_minutes",
        "DMS_WEB_SESSION_IDLE_MINUTES",
        "30",
        "Minutes without a request after which a web session ends",
    ),
    key(
        "web.session_max_hours",
        "DMS_WEB_SESSION_MAX_HOURS",
        "12",
        "Hours after sign-in at which a web session ends, however active",
    ),
    key(
        "web.max_failures",
        "DMS_WEB_MAX_FAILURES",
        "5",
        "Failed sign-ins in a row that lock an official out",
    ),
    key(
        "web.lock_minutes",
        "DMS_WEB_LOCK_MINUTES",
        "15",
        "Minutes an official stays locked out after too many failed sign-ins",
    ),
    secret(
        unset(
            "api.metrics_token",
            "DMS_METRICS_TOKEN",
            "\"a-long-random-string\"",
            "Bearer token required to read metrics on the operations listener (secret, at least 16 characters)",
        ),
        Secret::Whole,
    ),
    unset(
        "api.workers",
        "DMS_HTTP_WORKERS",
        "4",
        "HTTP worker threads per listener; default: one per core",
    ),
    key(
        "api.sandbox",
        "DMS_SANDBOX",
        "false",
        "Sandbox for register vendors: a submission with the header Dms-Sandbox-Next (unavailable, slow or territory_restricted) gets that answer; never in production",
    ),
    key(
        "api.body_timeout_secs",
        "DMS_BODY_TIMEOUT_SECS",
        "20",
        "Seconds a client has to send a whole request body (then 408)",
    ),
    key(
        "api.rate_per_address",
        "DMS_RATE_PER_ADDRESS",
        "50",
        "Requests per second one peer address may make, sustained (0: no limit; not applied on the Трембіта listener, whose only peer is the security server); more gets 429",
    ),
    key(
        "api.rate_burst_per_address",
        "DMS_RATE_BURST_PER_ADDRESS",
        "100",
        "Requests one peer address may make at once before api.rate_per_address applies",
    ),
    key(
        "api.rate_per_client",
        "DMS_RATE_PER_CLIENT",
        "100",
        "Requests per second one authenticated client (registration body, staff member) may make, sustained (0: no limit); more gets 429",
    ),
    key(
        "api.rate_burst_per_client",
        "DMS_RATE_BURST_PER_CLIENT",
        "200",
        "Requests one authenticated client may make at once before api.rate_per_client applies",
    ),
    key(
        "api.channel",
        "DMS_API_CHANNEL",
        "\"token\"",
        "How the direct channel authenticates a body: token (bearer token) or mtls (client certificate registered by fingerprint; needs api.tls_cert)",
    ),
    key(
        "api.trembita_insecure_http",
        "DMS_TREMBITA_INSECURE_HTTP",
        "false",
        "Development only: serve the Трембіта listener over plain HTTP; refused unless its address is loopback",
    ),
    unset(
        "api.tls_cert",
        "DMS_API_TLS_CERT",
        "\".local/tls/server.crt\"",
        "PEM certificate chain: the direct-channel listener (api.listen) serves TLS when set (with tls_key)",
    ),
    unset(
        "api.tls_key",
        "DMS_API_TLS_KEY",
        "\".local/tls/server.key\"",
        "PEM private key of tls_cert",
    ),
    unset(
        "api.tls_client_ca",
        "DMS_API_TLS_CLIENT_CA",
        "\".local/tls/ca.crt\"",
        "PEM CA certificates: the direct-channel listener (api.listen) requires a client certificate issued by one of them",
    ),
    unset(
        "api.tls_client_fingerprints",
        "DMS_API_TLS_CLIENT_FINGERPRINTS",
        "[\"3f2a…(64 hex digits)\"]",
        "Pinned SHA-256 fingerprints (hex) of the client certificates the direct-channel listener (api.listen) accepts (the variable separates them with ;)",
    ),
    unset(
        "api.trembita_tls_cert",
        "DMS_TREMBITA_TLS_CERT",
        "\".local/tls/server.crt\"",
        "PEM certificate chain: the Трембіта listener serves TLS when set (with trembita_tls_key)",
    ),
    unset(
        "api.trembita_tls_key",
        "DMS_TREMBITA_TLS_KEY",
        "\".local/tls/server.key\"",
        "PEM private key of trembita_tls_cert",
    ),
    unset(
        "api.trembita_tls_client_ca",
        "DMS_TREMBITA_TLS_CLIENT_CA",
        "\".local/tls/ca.crt\"",
        "PEM CA certificates: the Трембіта listener requires a client certificate issued by one of them",
    ),
    unset(
        "api.trembita_tls_client_fingerprints",
        "DMS_TREMBITA_TLS_CLIENT_FINGERPRINTS",
        "[\"3f2a…(64 hex digits)\"]",
        "Pinned SHA-256 fingerprints (hex) of the client certificates the Трембіта listener accepts (the variable separates them with ;)",
    ),
    unset(
        "api.admin_tls_cert",
        "DMS_ADMIN_TLS_CERT",
        "\".local/tls/server.crt\"",
        "PEM certificate chain: the staff listener serves TLS when set (with admin_tls_key)",
    ),
    unset(
        "api.admin_tls_key",
        "DMS_ADMIN_TLS_KEY",
        "\".local/tls/server.key\"",
        "PEM private key of admin_tls_cert",
    ),
    unset(
        "api.admin_tls_client_ca",
        "DMS_ADMIN_TLS_CLIENT_CA",
        "\".local/tls/ca.crt\"",
        "PEM CA certificates: the staff listener requires a client certificate issued by one of them",
    ),
    unset(
        "api.admin_tls_client_fingerprints",
        "DMS_ADMIN_TLS_CLIENT_FINGERPRINTS",
        "[\"3f2a…(64 hex digits)\"]",
        "Pinned SHA-256 fingerprints (hex) of the client certificates the staff listener accepts (the variable separates them with ;)",
    ),
    unset(
        "api.web_tls_cert",
        "DMS_WEB_TLS_CERT",
        "\".local/tls/server.crt\"",
        "PEM certificate chain: the web interface serves TLS when set (with web_tls_key); required unless api.web_listen is a loopback address",
    ),
    unset(
        "api.web_tls_key",
        "DMS_WEB_TLS_KEY",
        "\".local/tls/server.key\"",
        "PEM private key of web_tls_cert",
    ),
    unset(
        "api.web_tls_client_ca",
        "DMS_WEB_TLS_CLIENT_CA",
        "\".local/tls/ca.crt\"",
        "PEM CA certificates: the web listener requires a client certificate issued by one of them",
    ),
    unset(
        "api.web_tls_client_fingerprints",
        "DMS_WEB_TLS_CLIENT_FINGERPRINTS",
        "[\"3f2a…(64 hex digits)\"]",
        "Pinned SHA-256 fingerprints (hex) of the client certificates the web listener accepts (the variable separates them with ;)",
    ),
    unset(
        "api.ops_tls_cert",
        "DMS_OPS_TLS_CERT",
        "\".local/tls/server.crt\"",
        "PEM certificate chain: the operations listener serves TLS when set (with ops_tls_key)",
    ),
    unset(
        "api.ops_tls_key",
        "DMS_OPS_TLS_KEY",
        "\".local/tls/server.key\"",
        "PEM private key of ops_tls_cert",
    ),
    unset(
        "api.ops_tls_client_ca",
        "DMS_OPS_TLS_CLIENT_CA",
        "\".local/tls/ca.crt\"",
        "PEM CA certificates: the operations listener requires a client certificate issued by one of them",
    ),
    unset(
        "api.ops_tls_client_fingerprints",
        "DMS_OPS_TLS_CLIENT_FINGERPRINTS",
        "[\"3f2a…(64 hex digits)\"]",
        "Pinned SHA-256 fingerprints (hex) of the client certificates the operations listener accepts (the variable separates them with ;)",
    ),
    key(
        "bulk.max_bytes",
        "DMS_BULK_MAX_BYTES",
        "4294967296",
        "Largest bulk load accepted, in bytes after gzip is undone (POST /v1/bulk-loads)",
    ),
    key(
        "bulk.max_lines",
        "DMS_BULK_MAX_LINES",
        "2000000",
        "Most lines one bulk load may hold",
    ),
    key(
        "bulk.batch_lines",
        "DMS_BULK_BATCH_LINES",
        "2000",
        "Lines the bulk-load worker applies per transaction",
    ),
    key(
        "bulk.worker",
        "DMS_BULK_WORKER",
        "true",
        "Apply bulk loads in this process (false: another instance of dms-api serve applies them)",
    ),
    key(
        "bulk.poll_secs",
        "DMS_BULK_POLL_SECS",
        "2",
        "Seconds between the bulk-load worker's looks for work when idle",
    ),
    unset(
        "feeder.eddr_ca",
        "DMS_EDDR_CA",
        "\"/etc/dms/eddr-ca.crt\"",
        "PEM CA certificates trusted for the ЄДДР endpoint (instead of none: an https URL needs it)",
    ),
    unset(
        "feeder.eddr_client_cert",
        "DMS_EDDR_CLIENT_CERT",
        "\"/etc/dms/feeder.crt\"",
        "PEM client certificate (chain) presented to ЄДДР for mutual TLS (with eddr_client_key)",
    ),
    unset(
        "feeder.eddr_client_key",
        "DMS_EDDR_CLIENT_KEY",
        "\"/etc/dms/feeder.key\"",
        "PEM private key of eddr_client_cert",
    ),
    key(
        "feeder.outbox",
        "DMS_FEEDER_OUTBOX",
        "\".local/outbox\"",
        "Directory data sets are written to",
    ),
    secret(
        unset(
            "feeder.eddr_url",
            "DMS_EDDR_URL",
            "\"https://eddr.example/api\"",
            "ЄДДР endpoint; data sets are PUT to <url>/datasets/<seq> when set",
        ),
        Secret::UrlPassword,
    ),
    key(
        "feeder.max_records",
        "DMS_FEEDER_MAX_RECORDS",
        "50000",
        "Records per data set at most",
    ),
    key(
        "feeder.max_attempts",
        "DMS_FEEDER_MAX_ATTEMPTS",
        "8",
        "Delivery attempts before a data set is marked failed",
    ),
    key(
        "feeder.backoff_secs",
        "DMS_FEEDER_BACKOFF_SECS",
        "30",
        "First retry delay after a failed delivery; doubles on each failure",
    ),
    key(
        "feeder.backoff_max_secs",
        "DMS_FEEDER_BACKOFF_MAX_SECS",
        "3600",
        "Ceiling of the retry delay",
    ),
    key(
        "feeder.http_timeout_secs",
        "DMS_FEEDER_HTTP_TIMEOUT_SECS",
        "120",
        "HTTP timeout of one delivery",
    ),
    key(
        "feeder.alert_pending_secs",
        "DMS_FEEDER_ALERT_PENDING_SECS",
        "3600",
        "A feed item pending longer than this is logged as an alert",
    ),
    key(
        "feeder.cron",
        "DMS_FEEDER_CRON",
        "[\"0 */10 * * * *\"]",
        "Regular data-set runs: cron expressions, seconds first, in UTC (the variable separates them with ;)",
    ),
    key(
        "feeder.daily_kyiv",
        "DMS_FEEDER_DAILY_KYIV",
        "\"23:55\"",
        "The daily data-set run at this Kyiv wall-clock time (HH:MM), across daylight-saving changes",
    ),
    key(
        "jobs.mark_overdue_cron",
        "DMS_MARK_OVERDUE_CRON",
        "\"0 */15 * * * *\"",
        "Flag verification requests unanswered after their due day: cron, seconds first, UTC",
    ),
    key(
        "jobs.audit_seal_cron",
        "DMS_AUDIT_SEAL_CRON",
        "\"30 */10 * * * *\"",
        "Seal new audit rows into the hash chain: cron, seconds first, UTC",
    ),
    key(
        "jobs.audit_seal_grace_secs",
        "DMS_AUDIT_SEAL_GRACE_SECS",
        "5",
        "No longer used (seal runs record a horizon, so late commits are sealed); accepted and ignored",
    ),
    key(
        "jobs.bulk_lines_purge_cron",
        "DMS_BULK_LINES_PURGE_CRON",
        "\"0 40 0 * * *\"",
        "Clear the text of finished bulk loads' lines after the retention period: cron, seconds first, UTC",
    ),
    key(
        "jobs.bulk_lines_retention_days",
        "DMS_BULK_LINES_RETENTION_DAYS",
        "30",
        "Days a bulk load's lines keep their text after the load is done (results and receipts stay)",
    ),
];

/// The key at `path`.
pub fn find(path: &str) -> Option<&'static Key> {
    KEYS.iter().find(|k| k.path == path)
}

impl Key {
    /// The section the key is in (`""` at the top of the file).
    pub fn section(&self) -> &'static str {
        self.path.split_once('.').map_or("", |(s, _)| s)
    }

    /// The key's name inside its section.
    pub fn name(&self) -> &'static str {
        self.path.split_once('.').map_or(self.path, |(_, n)| n)
    }
}

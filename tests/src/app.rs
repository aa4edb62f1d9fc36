//! The real service in-process on `127.0.0.1:0`: a fresh database with three provisioned
//! registration bodies, optionally behind a [`DbProxy`]. The one place that builds
//! `dms_api::Settings` for tests.

use crate::client::{Admin, Community, Listener};
use crate::db::{self, DbProxy};
use crate::fixtures::bodies::{self, KHMELNYTSKYI_CLIENT};
use crate::fixtures::store;
use crate::process::feeder::Feeder;
use crate::process::run::binary;
use dms_db::bodies::RegistrationBody;
use serde_json::Value;
use std::path::{Path, PathBuf};

#[derive(Default)]
pub struct AppOptions {
    /// Put a switchable proxy between the service and PostgreSQL.
    pub proxy: bool,
    pub keys_dir: Option<PathBuf>,
    /// The kid to sign with (`signing_kid`); needed when `keys_dir` holds several private keys.
    pub signing_kid: Option<String>,
    /// Reuse this database instead of a fresh one.
    pub database_url: Option<String>,
    /// The bearer token `/metrics` asks for.
    pub metrics_token: Option<String>,
    /// Rate limits (per second, burst) per address and per client; default: none, so that
    /// tests sending many requests are not refused (the limits have tests of their own).
    pub per_address: Option<(u32, u32)>,
    pub per_client: Option<(u32, u32)>,
    /// Connections of each community listener's pool (default 8).
    pub pool_size: Option<usize>,
    /// Seconds a request waits for a pooled connection (default 5).
    pub pool_wait_secs: Option<u64>,
    /// The direct channel in `mtls` mode (TLS with client certificates) instead of `token`.
    pub mtls: bool,
    /// The sandbox's switches on (`api.sandbox`).
    pub sandbox: bool,
    /// No bulk-load worker in the service: the test applies loads itself (`bulk.worker`).
    pub no_bulk_worker: bool,
    /// Seconds a client has to send a request body (`api.body_timeout_secs`; default 20).
    pub body_timeout_secs: Option<u64>,
}

/// A private CA for one test app: the service's server certificate, the Трембіта security
/// server's client certificate, and the CA file a client trusts.
pub struct TestPki {
    pub dir: PathBuf,
    pub ca: dms_api::tls::demo::Ca,
    pub security_server: dms_api::tls::demo::Issued,
}

impl TestPki {
    pub fn new() -> TestPki {
        let dir =
            std::env::temp_dir().join(format!("dms-test-tls-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let ca = dms_api::tls::demo::Ca::new("DMS test CA").unwrap();
        let server = ca.server(&["127.0.0.1", "localhost"]).unwrap();
        let security_server = ca.client("Trembita security server (test)").unwrap();
        std::fs::write(dir.join("ca.crt"), ca.cert_pem()).unwrap();
        std::fs::write(dir.join("server.crt"), &server.cert_pem).unwrap();
        std::fs::write(dir.join("server.key"), &server.key_pem).unwrap();
        let pki = TestPki {
            dir,
            ca,
            security_server,
        };
        pki.write_identity("security-server", &pki.security_server);
        pki
    }

    /// Write an issued certificate and key as `<name>.crt`, `<name>.key`.
    pub fn write_identity(&self, name: &str, issued: &dms_api::tls::demo::Issued) {
        std::fs::write(self.dir.join(format!("{name}.crt")), &issued.cert_pem).unwrap();
        std::fs::write(self.dir.join(format!("{name}.key")), &issued.key_pem).unwrap();
    }

    /// TLS of a listener with this PKI's server certificate, requiring clients of this CA.
    pub fn listener(&self, client_ca: bool) -> dms_api::tls::ListenerTls {
        dms_api::tls::ListenerTls {
            cert: Some(self.dir.join("server.crt")),
            key: Some(self.dir.join("server.key")),
            client_ca: client_ca.then(|| self.dir.join("ca.crt")),
            client_fingerprints: Vec::new(),
        }
    }

    /// An HTTP client trusting this CA, presenting `<identity>.crt`/`.key` when given.
    pub fn client(&self, identity: Option<&str>) -> reqwest::Client {
        let roots = dms_crypto::tls::load_roots(&self.dir.join("ca.crt")).unwrap();
        let (cert, key) = match identity {
            Some(name) => (
                self.dir.join(format!("{name}.crt")),
                self.dir.join(format!("{name}.key")),
            ),
            None => (PathBuf::new(), PathBuf::new()),
        };
        let identity = identity.map(|_| (cert.as_path(), key.as_path()));
        let tls = dms_crypto::tls::client_config(roots, identity).unwrap();
        reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .use_preconfigured_tls(tls)
            .build()
            .unwrap()
    }
}

impl Default for TestPki {
    fn default() -> Self {
        TestPki::new()
    }
}

/// The real service on ephemeral ports, a fresh database and provisioned registration bodies.
pub struct TestApp {
    pub url: String,
    pub trembita_url: String,
    pub admin_url: String,
    /// The operations listener (`/metrics`, health).
    pub ops_url: String,
    /// The web interface for officials (plain HTTP on loopback).
    pub web_url: String,
    /// The staff console (plain HTTP on loopback).
    pub console_url: String,
    /// The test database as the admin (fixtures that set up data).
    pub database_url: String,
    /// The same database as the runtime role: what the service and the feeder connect as.
    pub runtime_url: String,
    pub keys_dir: PathBuf,
    pub token: String,
    pub body: RegistrationBody,
    pub lviv_token: String,
    pub lviv: RegistrationBody,
    pub kyiv_token: String,
    pub proxy: Option<DbProxy>,
    pub http: reqwest::Client,
    /// The private CA of this app's TLS listeners (Трембіта; the direct channel in mtls mode).
    pub pki: TestPki,
    /// Client of the Трембіта listener: the security server's certificate, over mutual TLS.
    pub trembita_http: reqwest::Client,
    handles: Vec<actix_web::dev::ServerHandle>,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(AppOptions::default()).await
}

pub async fn spawn_app_with(opts: AppOptions) -> TestApp {
    let database_url = match opts.database_url {
        Some(u) => u,
        None => db::fresh_database().await,
    };
    let keys_dir = match opts.keys_dir {
        Some(d) => d,
        None => {
            let d = std::env::temp_dir()
                .join(format!("dms-test-keys-{}", uuid::Uuid::now_v7().simple()));
            dms_api::keys::KeyRing::generate(&d).unwrap();
            d
        }
    };
    let mut conn = db::connect(&database_url).await;
    let (body, token) = bodies::provision(&mut conn, bodies::KHMELNYTSKYI).await;
    let (lviv, lviv_token) = bodies::provision(&mut conn, bodies::LVIV).await;
    let (_, kyiv_token) = bodies::provision(&mut conn, bodies::KYIV).await;
    store::add_trembita_client(&mut conn, &body, KHMELNYTSKYI_CLIENT).await;
    drop(conn);
    let proxy = if opts.proxy {
        Some(DbProxy::start(db::server(&database_url)).await)
    } else {
        None
    };
    let runtime_url = db::runtime_url(&database_url);
    let service_url = match &proxy {
        Some(p) => db::through(&runtime_url, p.addr),
        None => runtime_url.clone(),
    };
    let pki = TestPki::new();
    let mut settings = dms_api::Settings {
        listen: "127.0.0.1:0".into(),
        trembita_listen: Some("127.0.0.1:0".into()),
        admin_listen: Some("127.0.0.1:0".into()),
        ops_listen: Some("127.0.0.1:0".into()),
        web_listen: Some("127.0.0.1:0".into()),
        console_listen: Some("127.0.0.1:0".into()),
        metrics_token: opts.metrics_token,
        keys_dir: keys_dir.clone(),
        signing_kid: opts.signing_kid,
        db_pool_size: opts.pool_size.unwrap_or(8),
        db_wait_timeout_secs: opts.pool_wait_secs.unwrap_or(5),
        workers: Some(2),
        rate_per_address: opts.per_address.map_or(0, |r| r.0),
        rate_burst_per_address: opts.per_address.map_or(0, |r| r.1),
        rate_per_client: opts.per_client.map_or(0, |r| r.0),
        rate_burst_per_client: opts.per_client.map_or(0, |r| r.1),
        sandbox: opts.sandbox,
        ..dms_api::Settings::new(service_url)
    };
    settings.tls.trembita = pki.listener(true);
    settings.bulk.worker = !opts.no_bulk_worker;
    if let Some(secs) = opts.body_timeout_secs {
        settings.body_timeout_secs = secs;
    }
    settings.bulk.poll_secs = 1;
    if opts.mtls {
        settings.tls.channel = dms_api::extract::ChannelMode::Mtls;
        settings.tls.direct = pki.listener(false);
    }
    let running = dms_api::start(&settings).await.expect("start the service");
    let scheme = if opts.mtls { "https" } else { "http" };
    let url = format!("{scheme}://{}", running.addr);
    let trembita_url = format!("https://{}", running.trembita_addr.unwrap());
    let admin_url = format!("http://{}", running.admin_addr.unwrap());
    let ops_url = format!("http://{}", running.ops_addr.unwrap());
    let web_url = format!("http://{}", running.web_addr.unwrap());
    let console_url = format!("http://{}", running.console_addr.unwrap());
    let handles = running.handles.clone();
    for server in running.servers {
        tokio::spawn(server);
    }
    TestApp {
        url,
        trembita_url,
        admin_url,
        ops_url,
        web_url,
        console_url,
        database_url,
        runtime_url,
        keys_dir,
        token,
        body,
        lviv_token,
        lviv,
        kyiv_token,
        proxy,
        http: reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .unwrap(),
        trembita_http: pki.client(Some("security-server")),
        pki,
        handles,
    }
}

impl TestApp {
    /// The direct-channel listener (community requests and operations endpoints).
    pub fn listener(&self) -> Listener {
        Listener::new(self.http.clone(), &self.url)
    }

    /// The operations listener (`/metrics`, health).
    pub fn operations(&self) -> Listener {
        Listener::new(self.http.clone(), &self.ops_url)
    }

    /// The Трембіта listener: no bearer tokens, the security server's headers instead.
    pub fn trembita(&self) -> Listener {
        Listener::new(self.trembita_http.clone(), &self.trembita_url)
    }

    /// The registration body holding `token`, on the direct channel.
    pub fn community(&self, token: &str) -> Community {
        Community {
            listener: self.listener(),
            token: token.to_owned(),
        }
    }

    /// Requests on the admin listener with `token` (a staff member's, someone else's or none).
    pub fn admin(&self, token: Option<&str>) -> Admin {
        Admin {
            listener: Listener::new(self.http.clone(), &self.admin_url),
            token: token.map(str::to_owned),
        }
    }

    /// A new staff member with `role` in `unit` (and `territory`), on the admin listener.
    pub async fn as_staff(&self, role: &str, unit: &str, territory: Option<&str>) -> Admin {
        let (_, token) = self.staff(role, unit, territory).await;
        self.admin(Some(&token))
    }

    /// POST raw bytes as a registration action with a bearer token.
    pub async fn submit_bytes(&self, token: &str, body: Vec<u8>) -> reqwest::Response {
        self.community(token).submit_bytes(body).await
    }

    /// Submit a document as the Khmelnytskyi body.
    pub async fn submit(&self, doc: &Value) -> reqwest::Response {
        self.submit_bytes(&self.token, serde_json::to_vec(doc).unwrap())
            .await
    }

    /// Submit a document as the Khmelnytskyi body; it must be confirmed (`201`).
    pub async fn submit_ok(&self, doc: &Value) -> Value {
        self.community(&self.token).submit_ok(doc).await
    }

    /// `GET /v1/registration-actions/{id}` as the Khmelnytskyi body.
    pub async fn action_state(&self, id: &str) -> Value {
        self.community(&self.token).action_state(id).await
    }

    /// A staff member with a token: `(id, token)`.
    pub async fn staff(
        &self,
        role: &str,
        unit: &str,
        territory: Option<&str>,
    ) -> (uuid::Uuid, String) {
        let mut conn = self.db().await;
        store::add_staff(&mut conn, role, unit, territory).await
    }

    /// Suspend a registration body (`suspended`) or make it active again (`active`).
    pub async fn set_body_status(&self, body: &RegistrationBody, status: &str) {
        let mut conn = self.db().await;
        store::set_body_status(&mut conn, body, status).await;
    }

    /// `dms-feeder run-once` against this service's database and keys, writing to `outbox`.
    pub fn feeder(&self, outbox: &Path) -> Feeder {
        Feeder::new(
            binary("dms-feeder"),
            &self.runtime_url,
            &self.keys_dir,
            outbox,
        )
    }

    /// Stop the service (listeners close; in-flight requests finish).
    pub async fn stop(&self) {
        for h in &self.handles {
            h.stop(true).await;
        }
    }

    /// A direct connection to the test database, bypassing the service.
    pub async fn db(&self) -> dms_db::Conn {
        db::connect(&self.database_url).await
    }

    /// `SELECT count(*)` of a table in the test database.
    pub async fn count(&self, sql_from: &str) -> i64 {
        db::count(&self.database_url, sql_from).await
    }
}

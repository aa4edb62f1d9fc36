//! Test harness: a fresh database per test cloned from the migrated template that `ops/test`
//! prepares, the real service on `127.0.0.1:0`, and a TCP proxy in front of PostgreSQL that
//! can cut the database off to prove what the service does when it is gone.

#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod eddr;
pub mod faults;

use dms_db::bodies::{self, CredentialKind, RegistrationBody};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

pub const KHMELNYTSKYI_EDRPOU: &str = "04060772";
pub const KHMELNYTSKYI_HROMADA: &str = "UA68040470000053519";
pub const KHMELNYTSKYI_CITY: &str = "UA68040470010096613";
pub const KHMELNYTSKYI_CLIENT: &str = "SEVDEIR-TEST/GOV/04060772/KhmelnytskyiRTG_cons";
pub const LVIV_EDRPOU: &str = "04055896";
pub const LVIV_HROMADA: &str = "UA46060250000025047";
pub const KYIV_EDRPOU: &str = "00022527";
pub const KYIV_CITY: &str = "UA80000000000093317";
pub const KYIV_PECHERSKYI: &str = "UA80000000000624772";

fn admin_url() -> String {
    std::env::var("DMS_TEST_ADMIN_URL")
        .expect("DMS_TEST_ADMIN_URL is not set: run the tests with ops/test")
}

fn template() -> String {
    std::env::var("DMS_TEST_TEMPLATE").unwrap_or_else(|_| "dms_test_template".into())
}

/// `postgres://user@host:port/db` → (host:port, url without db).
fn split_url(url: &str) -> (String, String) {
    let (base, _db) = url.rsplit_once('/').expect("database URL");
    let host = base
        .rsplit_once('@')
        .map(|(_, h)| h)
        .unwrap_or(base.trim_start_matches("postgres://"));
    (host.to_owned(), base.to_owned())
}

/// A fresh database cloned from the template.
pub async fn fresh_database() -> String {
    use diesel_async::RunQueryDsl;
    let name = format!("dms_test_{}", uuid::Uuid::now_v7().simple());
    let admin = dms_db::connect(&admin_url(), 1).unwrap();
    let mut conn = dms_db::pool::get(&admin).await.unwrap();
    diesel::sql_query(format!("CREATE DATABASE {name} TEMPLATE {}", template()))
        .execute(&mut conn)
        .await
        .expect("clone the template database");
    let (_, base) = split_url(&admin_url());
    format!("{base}/{name}")
}

/// A TCP proxy to PostgreSQL that can be switched off (every connection cut, new ones refused).
#[derive(Clone)]
pub struct DbProxy {
    pub addr: SocketAddr,
    down: Arc<AtomicBool>,
    cut: Arc<Notify>,
}

impl DbProxy {
    pub async fn start(upstream: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let proxy = DbProxy {
            addr,
            down: Arc::new(AtomicBool::new(false)),
            cut: Arc::new(Notify::new()),
        };
        let p = proxy.clone();
        tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    return;
                };
                if p.down.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let upstream = upstream.clone();
                let cut = p.cut.clone();
                tokio::spawn(async move {
                    let Ok(server) = TcpStream::connect(&upstream).await else {
                        return;
                    };
                    let (mut cr, mut cw) = client.into_split();
                    let (mut sr, mut sw) = server.into_split();
                    tokio::select! {
                        _ = tokio::io::copy(&mut cr, &mut sw) => {}
                        _ = tokio::io::copy(&mut sr, &mut cw) => {}
                        _ = cut.notified() => {}
                    }
                });
            }
        });
        proxy
    }

    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
        if down {
            self.cut.notify_waiters();
        }
    }
}

#[derive(Default)]
pub struct AppOptions {
    /// Put a switchable proxy between the service and PostgreSQL.
    pub proxy: bool,
    pub keys_dir: Option<PathBuf>,
    /// Reuse this database instead of a fresh one.
    pub database_url: Option<String>,
}

/// The real service on ephemeral ports, a fresh database and two provisioned registration bodies.
pub struct TestApp {
    pub url: String,
    pub trembita_url: String,
    pub admin_url: String,
    pub database_url: String,
    pub keys_dir: PathBuf,
    pub token: String,
    pub body: RegistrationBody,
    pub lviv_token: String,
    pub lviv: RegistrationBody,
    pub kyiv_token: String,
    pub proxy: Option<DbProxy>,
    pub http: reqwest::Client,
    handles: Vec<actix_web::dev::ServerHandle>,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(AppOptions::default()).await
}

pub async fn provision(
    pool: &dms_db::Pool,
    edrpou: &str,
    name: &str,
    hromada: &str,
) -> (RegistrationBody, String) {
    let mut conn = dms_db::pool::get(pool).await.unwrap();
    let body = bodies::ensure_body(&mut conn, edrpou, name, hromada)
        .await
        .unwrap();
    let token = format!("test-token-{edrpou}-{}", uuid::Uuid::now_v7().simple());
    bodies::add_credential(
        &mut conn,
        body.id,
        CredentialKind::Token,
        &dms_api::auth::token_lookup(&token),
        "test",
    )
    .await
    .unwrap();
    (body, token)
}

pub async fn spawn_app_with(opts: AppOptions) -> TestApp {
    let database_url = match opts.database_url {
        Some(u) => u,
        None => fresh_database().await,
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
    let setup = dms_db::connect(&database_url, 1).unwrap();
    let (body, token) = provision(
        &setup,
        KHMELNYTSKYI_EDRPOU,
        "Виконавчий комітет Хмельницької міської ради",
        KHMELNYTSKYI_HROMADA,
    )
    .await;
    let (lviv, lviv_token) = provision(
        &setup,
        LVIV_EDRPOU,
        "Виконавчий комітет Львівської міської ради",
        LVIV_HROMADA,
    )
    .await;
    let (_, kyiv_token) = provision(
        &setup,
        KYIV_EDRPOU,
        "Київська міська державна адміністрація",
        KYIV_CITY,
    )
    .await;
    {
        let mut conn = dms_db::pool::get(&setup).await.unwrap();
        bodies::add_credential(
            &mut conn,
            body.id,
            CredentialKind::Trembita,
            KHMELNYTSKYI_CLIENT,
            "",
        )
        .await
        .unwrap();
    }
    let proxy = if opts.proxy {
        let (host, _) = split_url(&database_url);
        Some(DbProxy::start(host).await)
    } else {
        None
    };
    let service_url = match &proxy {
        Some(p) => {
            let (host, _) = split_url(&database_url);
            database_url.replacen(&host, &p.addr.to_string(), 1)
        }
        None => database_url.clone(),
    };
    let settings = dms_api::Settings {
        listen: "127.0.0.1:0".into(),
        trembita_listen: Some("127.0.0.1:0".into()),
        admin_listen: Some("127.0.0.1:0".into()),
        keys_dir: keys_dir.clone(),
        db_pool_size: 8,
        workers: Some(2),
        ..dms_api::Settings::new(service_url)
    };
    let running = dms_api::start(&settings).await.expect("start the service");
    let url = format!("http://{}", running.addr);
    let trembita_url = format!("http://{}", running.trembita_addr.unwrap());
    let admin_url = format!("http://{}", running.admin_addr.unwrap());
    let handles = running.handles.clone();
    for server in running.servers {
        tokio::spawn(server);
    }
    TestApp {
        url,
        trembita_url,
        admin_url,
        database_url,
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
        handles,
    }
}

impl TestApp {
    /// POST raw bytes as a registration action with a bearer token.
    pub async fn submit_bytes(&self, token: &str, body: Vec<u8>) -> reqwest::Response {
        self.http
            .post(format!("{}/v1/registration-actions", self.url))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn submit(&self, doc: &serde_json::Value) -> reqwest::Response {
        self.submit_bytes(&self.token, serde_json::to_vec(doc).unwrap())
            .await
    }

    /// A staff member with a token: `(id, token)`.
    pub async fn staff(
        &self,
        role: &str,
        unit: &str,
        territory: Option<&str>,
    ) -> (uuid::Uuid, String) {
        let mut conn = self.db().await;
        let s = dms_db::staff::add_staff(
            &mut conn,
            &format!("{role} of {unit}"),
            role,
            unit,
            territory,
        )
        .await
        .unwrap();
        let token = format!("staff-{role}-{}", uuid::Uuid::now_v7().simple());
        dms_db::staff::add_token(&mut conn, s.id, &dms_api::auth::token_lookup(&token))
            .await
            .unwrap();
        (s.id, token)
    }

    /// `GET /v1/registration-actions/{id}` as the Khmelnytskyi body.
    pub async fn action_state(&self, id: &str) -> serde_json::Value {
        self.http
            .get(format!("{}/v1/registration-actions/{id}", self.url))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// Stop the service (listeners close; in-flight requests finish).
    pub async fn stop(&self) {
        for h in &self.handles {
            h.stop(true).await;
        }
    }

    /// A direct connection to the test database, bypassing the service.
    pub async fn db(&self) -> dms_db::Conn {
        let pool = dms_db::connect(&self.database_url, 1).unwrap();
        dms_db::pool::get(&pool).await.unwrap()
    }

    /// `SELECT count(*)` of a table in the test database.
    pub async fn count(&self, sql_from: &str) -> i64 {
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::Int8)]
            n: i64,
        }
        use diesel_async::RunQueryDsl;
        let mut conn = self.db().await;
        diesel::sql_query(format!("SELECT count(*) AS n FROM {sql_from}"))
            .get_result::<N>(&mut conn)
            .await
            .unwrap()
            .n
    }
}

/// A shipped example document from `schemas/examples/`.
pub fn example(name: &str) -> serde_json::Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../schemas/examples")
        .join(format!("{name}.json"));
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// Today's Kyiv date as `YYYY-MM-DD`, plus or minus days.
pub fn kyiv_day(offset_days: i64) -> String {
    (dms_schemas::time::kyiv_date(chrono::Utc::now()) + chrono::Duration::days(offset_days))
        .to_string()
}

/// A valid person document for Khmelnytskyi dated today, with a unique external id.
pub fn person_action(kind: &str, seq: u32) -> serde_json::Value {
    let mut d = example("declaration-of-residence");
    d["external_id"] = format!("T-{}-{seq}", uuid::Uuid::now_v7().simple()).into();
    d["action"]["type"] = kind.into();
    d["action"]["date"] = kyiv_day(0).into();
    if kind.starts_with("deregistration") {
        d["action"]["ground"] = serde_json::json!({"code": "application"});
    }
    d
}

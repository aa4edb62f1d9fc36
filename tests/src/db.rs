//! The test databases: a fresh one per test cloned from the migrated template that `ops/test`
//! prepares, direct connections to it, and [`DbProxy`], a TCP proxy in front of PostgreSQL that
//! faults are injected into.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

/// The maintenance database of the test server (`DMS_TEST_ADMIN_URL`, set by `ops/test`).
pub fn admin_url() -> String {
    std::env::var("DMS_TEST_ADMIN_URL")
        .expect("DMS_TEST_ADMIN_URL is not set: run the tests with ops/test")
}

/// The same database as the runtime role, with its password: what the service, the feeder and
/// the everyday commands under test connect as (`DMS_TEST_RUNTIME_URL`, set by `ops/test`, names
/// the role on the maintenance database). Without it, a one-role set-up: `database_url` itself.
pub fn runtime_url(database_url: &str) -> String {
    let Ok(runtime) = std::env::var("DMS_TEST_RUNTIME_URL") else {
        return database_url.to_owned();
    };
    let (_, name) = database_url.rsplit_once('/').expect("database URL");
    let (base, _) = runtime.rsplit_once('/').expect("runtime URL");
    let (host, _) = split_url(database_url);
    // The runtime URL's credentials, the database URL's server (it may be a proxy).
    let credentials = base
        .trim_start_matches("postgres://")
        .rsplit_once('@')
        .map(|(c, _)| c)
        .expect("runtime URL with user and password");
    format!("postgres://{credentials}@{host}/{name}")
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

/// The `host:port` of the server a database URL names.
pub fn server(url: &str) -> String {
    split_url(url).0
}

/// The same database reached through `proxy` instead of directly.
pub fn through(url: &str, proxy: SocketAddr) -> String {
    url.replacen(&server(url), &proxy.to_string(), 1)
}

/// A fresh database cloned from the template.
pub async fn fresh_database() -> String {
    use diesel_async::RunQueryDsl;
    let name = format!("dms_test_{}", uuid::Uuid::now_v7().simple());
    let mut conn = connect(&admin_url()).await;
    diesel::sql_query(format!("CREATE DATABASE {name} TEMPLATE {}", template()))
        .execute(&mut conn)
        .await
        .expect("clone the template database");
    // As `ops/run` does: nobody but the owner creates temporary objects.
    diesel::sql_query(format!("REVOKE TEMPORARY ON DATABASE {name} FROM PUBLIC"))
        .execute(&mut conn)
        .await
        .expect("revoke TEMPORARY");
    let (_, base) = split_url(&admin_url());
    format!("{base}/{name}")
}

/// Drop a database [`fresh_database`] made; any other name is left alone.
pub async fn drop_database(url: &str) {
    use diesel_async::RunQueryDsl;
    let Some((_, name)) = url.rsplit_once('/') else {
        return;
    };
    let ours = name.starts_with("dms_test_")
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    let Ok(admin) = std::env::var("DMS_TEST_ADMIN_URL") else {
        return;
    };
    if !ours {
        return;
    }
    let Ok(pool) = dms_db::connect(&admin, 1) else {
        return;
    };
    if let Ok(mut conn) = dms_db::pool::get(&pool).await {
        let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut conn)
            .await;
    }
}

/// A direct connection to a database, bypassing the service.
/// The URL of the database a synchronous connection is on (the same server and user as the
/// tests' admin URL).
pub fn url_of(conn: &mut diesel::PgConnection) -> Result<String, String> {
    #[derive(diesel::QueryableByName)]
    struct Name {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
    }
    use diesel::RunQueryDsl;
    let db: Name = diesel::sql_query("SELECT current_database() AS name")
        .get_result(conn)
        .map_err(|e| e.to_string())?;
    let (_, base) = split_url(&admin_url());
    Ok(format!("{base}/{}", db.name))
}

pub async fn connect(url: &str) -> dms_db::Conn {
    let pool = dms_db::connect(url, 1).unwrap();
    dms_db::pool::get(&pool).await.unwrap()
}

/// `SELECT count(*) FROM <sql_from>` in a database.
pub async fn count(url: &str, sql_from: &str) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::Int8)]
        n: i64,
    }
    use diesel_async::RunQueryDsl;
    let mut conn = connect(url).await;
    diesel::sql_query(format!("SELECT count(*) AS n FROM {sql_from}"))
        .get_result::<N>(&mut conn)
        .await
        .unwrap()
        .n
}

/// A TCP proxy to PostgreSQL with two faults: switched off (every connection cut, new ones
/// refused) and a one-shot cut of the connection whose client sends a given pattern.
#[derive(Clone)]
pub struct DbProxy {
    pub addr: SocketAddr,
    down: Arc<AtomicBool>,
    cut: Arc<Notify>,
    trap: Arc<Trap>,
}

/// The armed pattern of [`DbProxy::cut_when_client_sends`]; `None` once it has fired.
type Trap = Mutex<Option<Vec<u8>>>;

impl DbProxy {
    pub async fn start(upstream: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let proxy = DbProxy {
            addr,
            down: Arc::new(AtomicBool::new(false)),
            cut: Arc::new(Notify::new()),
            trap: Arc::new(Mutex::new(None)),
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
                let (cut, trap) = (p.cut.clone(), p.trap.clone());
                tokio::spawn(async move {
                    let Ok(server) = TcpStream::connect(&upstream).await else {
                        return;
                    };
                    let (mut cr, mut cw) = client.into_split();
                    let (mut sr, mut sw) = server.into_split();
                    // Whichever ends first drops all four halves: both connections close.
                    tokio::select! {
                        _ = forward_watched(&mut cr, &mut sw, &trap) => {}
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

    /// Arm a one-shot fault: the first connection whose client sends `pattern` (open already or
    /// not, the pattern possibly split across reads) is cut in both directions before that chunk
    /// reaches PostgreSQL; then the proxy disarms and forwards everything again.
    pub fn cut_when_client_sends(&self, pattern: &[u8]) {
        assert!(!pattern.is_empty(), "an empty pattern would cut at once");
        *self.trap.lock().unwrap_or_else(PoisonError::into_inner) = Some(pattern.to_vec());
    }

    /// Whether a [`DbProxy::cut_when_client_sends`] pattern is armed and has not fired yet.
    pub fn is_armed(&self) -> bool {
        self.trap
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_some()
    }
}

/// Client → server until either side closes, or until the armed pattern shows up (then the trap
/// is disarmed and the chunk that completed the pattern is not forwarded).
async fn forward_watched(from: &mut OwnedReadHalf, to: &mut OwnedWriteHalf, trap: &Trap) {
    let mut buf = vec![0u8; 16 * 1024];
    // The end of what was already forwarded, so that a pattern split across reads is seen.
    let mut tail: Vec<u8> = Vec::new();
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        let chunk = &buf[..n];
        {
            let mut armed = trap.lock().unwrap_or_else(PoisonError::into_inner);
            match armed.as_deref() {
                Some(pattern) => {
                    tail.extend_from_slice(chunk);
                    if tail.windows(pattern.len()).any(|w| w == pattern) {
                        *armed = None;
                        return;
                    }
                    let keep = (pattern.len() - 1).min(tail.len());
                    tail.drain(..tail.len() - keep);
                }
                None => tail.clear(),
            }
        }
        if to.write_all(chunk).await.is_err() {
            return;
        }
    }
}

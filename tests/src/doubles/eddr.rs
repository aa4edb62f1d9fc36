//! A faithful ЄДДР double: an HTTP server that takes `PUT /datasets/{seq}` (records.jsonl body,
//! manifest JWS header), answers per-record verdicts, and is idempotent by sequence — a second
//! delivery of the same sequence gets the same answer. It can be down, slow, or reject chosen
//! records, and it remembers everything it was sent.

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Default)]
pub struct EddrState {
    /// Accepted data sets by sequence: (records, answer).
    pub datasets: BTreeMap<i64, (Vec<Value>, Value)>,
    /// Every PUT received, including repeats.
    pub deliveries: Vec<i64>,
    pub down: bool,
    pub delay: Option<Duration>,
    pub reject: HashSet<String>,
    /// A delivery whose body has been read but not yet answered.
    pub in_flight: bool,
}

#[derive(Clone)]
pub struct Eddr {
    pub url: String,
    pub state: Arc<Mutex<EddrState>>,
    handle: actix_web::dev::ServerHandle,
}

async fn put_dataset(
    req: HttpRequest,
    path: web::Path<i64>,
    body: web::Bytes,
    state: web::Data<Arc<Mutex<EddrState>>>,
) -> HttpResponse {
    let seq = path.into_inner();
    let (down, delay) = {
        let s = state.lock().unwrap();
        (s.down, s.delay)
    };
    if down {
        return HttpResponse::ServiceUnavailable().body("ЄДДР is down");
    }
    if req.headers().get("dms-manifest-jws").is_none() {
        return HttpResponse::BadRequest().body("no manifest signature");
    }
    state.lock().unwrap().in_flight = true;
    if let Some(d) = delay {
        tokio::time::sleep(d).await;
    }
    let mut s = state.lock().unwrap();
    s.in_flight = false;
    s.deliveries.push(seq);
    if let Some((_, answer)) = s.datasets.get(&seq) {
        return HttpResponse::Ok().json(answer.clone());
    }
    let records: Vec<Value> = body
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).unwrap())
        .collect();
    let results: Vec<Value> = records
        .iter()
        .map(|r| {
            let id = r["action_id"].as_str().unwrap().to_owned();
            if s.reject.contains(&id) {
                json!({"action_id": id, "status": "rejected", "reason": "особу не знайдено в ЄДДР за УНЗР"})
            } else {
                json!({"action_id": id, "status": "accepted"})
            }
        })
        .collect();
    let answer = json!({"sequence": seq, "results": results});
    s.datasets.insert(seq, (records, answer.clone()));
    HttpResponse::Ok().json(answer)
}

/// `POST /control/down` or `/control/up`: the double's own switch for tests that drive it from
/// another process (the console's browser tests); the feeder never calls it.
async fn control(path: web::Path<String>, state: web::Data<Arc<Mutex<EddrState>>>) -> HttpResponse {
    let down = match path.as_str() {
        "down" => true,
        "up" => false,
        _ => return HttpResponse::NotFound().finish(),
    };
    state.lock().unwrap().down = down;
    HttpResponse::NoContent().finish()
}

impl Eddr {
    pub async fn start() -> Self {
        Eddr::start_with(None).await
    }

    /// The double over HTTPS with this listener TLS (a client CA makes it require mutual TLS).
    pub async fn start_tls(tls: dms_api::tls::ListenerTls) -> Self {
        Eddr::start_with(Some(tls)).await
    }

    async fn start_with(tls: Option<dms_api::tls::ListenerTls>) -> Self {
        let state = Arc::new(Mutex::new(EddrState::default()));
        let data = web::Data::new(state.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .app_data(web::PayloadConfig::new(512 * 1024 * 1024))
                .route("/datasets/{seq}", web::put().to(put_dataset))
                .route("/control/{state}", web::post().to(control))
        })
        .workers(1);
        let (server, scheme) = match &tls {
            Some(tls) => {
                let config = dms_api::tls::server_config(tls, false).unwrap();
                (
                    server.bind_rustls_0_23("127.0.0.1:0", config).unwrap(),
                    "https",
                )
            }
            None => (server.bind("127.0.0.1:0").unwrap(), "http"),
        };
        let url = format!("{scheme}://{}", server.addrs()[0]);
        let server = server.run();
        let handle = server.handle();
        tokio::spawn(server);
        Eddr { url, state, handle }
    }

    pub fn set_down(&self, down: bool) {
        self.state.lock().unwrap().down = down;
    }

    /// How many times each accepted action id appears across distinct accepted data sets.
    pub fn accepted_counts(&self) -> BTreeMap<String, usize> {
        let s = self.state.lock().unwrap();
        let mut counts = BTreeMap::new();
        for (_, answer) in s.datasets.values() {
            for r in answer["results"].as_array().unwrap() {
                if r["status"] == "accepted" {
                    *counts
                        .entry(r["action_id"].as_str().unwrap().to_owned())
                        .or_insert(0) += 1;
                }
            }
        }
        counts
    }

    pub async fn stop(&self) {
        self.handle.stop(false).await;
    }
}

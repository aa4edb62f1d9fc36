//! Requests to the service, one helper per thing each side does: a community (submit, read an
//! action, verification requests, notifications), DMS staff on the admin listener, and
//! operations (health, readiness, metrics, JWKS, OpenAPI). Tests, fault scenarios and the load
//! clients all build their requests here.

use reqwest::{Method, RequestBuilder, Response};
use serde_json::Value;

/// Where registration actions are submitted.
pub const ACTIONS: &str = "/v1/registration-actions";

/// One listener of the service and the HTTP client that talks to it.
#[derive(Clone)]
pub struct Listener {
    pub http: reqwest::Client,
    /// `http://host:port`, no trailing slash.
    pub url: String,
}

impl Listener {
    pub fn new(http: reqwest::Client, url: impl Into<String>) -> Self {
        Listener {
            http,
            url: url.into(),
        }
    }

    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.http.request(method, format!("{}{path}", self.url))
    }

    /// `POST` of raw bytes as a registration action, with no credentials.
    pub fn submission(&self, body: Vec<u8>) -> RequestBuilder {
        self.request(Method::POST, ACTIONS)
            .header("content-type", "application/json")
            .body(body)
    }

    /// Any request; the answer's status and JSON body (`Null` when it is not JSON).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = self.request(method, path);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let text = res.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn get(&self, path: &str) -> Response {
        self.request(Method::GET, path).send().await.unwrap()
    }

    pub async fn healthz(&self) -> Response {
        self.get("/healthz").await
    }

    pub async fn readyz(&self) -> Response {
        self.get("/readyz").await
    }

    pub async fn metrics(&self) -> Response {
        self.get("/metrics").await
    }

    pub async fn jwks(&self) -> Value {
        self.get("/.well-known/jwks.json")
            .await
            .json()
            .await
            .unwrap()
    }

    pub async fn openapi(&self) -> Value {
        self.get("/openapi.json").await.json().await.unwrap()
    }
}

/// A registration body on the direct channel: a listener and its bearer token.
#[derive(Clone)]
pub struct Community {
    pub listener: Listener,
    pub token: String,
}

impl Community {
    /// `POST` of raw bytes as a registration action with the bearer token.
    pub fn submission(&self, body: Vec<u8>) -> RequestBuilder {
        self.listener.submission(body).bearer_auth(&self.token)
    }

    pub async fn submit_bytes(&self, body: Vec<u8>) -> Response {
        self.submission(body).send().await.unwrap()
    }

    /// Submit a document: the answer's status and JSON.
    pub async fn submit(&self, doc: &Value) -> (u16, Value) {
        let res = self.submit_bytes(serde_json::to_vec(doc).unwrap()).await;
        (res.status().as_u16(), res.json().await.unwrap())
    }

    /// Submit a document that must be confirmed (`201`): the answer.
    pub async fn submit_ok(&self, doc: &Value) -> Value {
        let (status, answer) = self.submit(doc).await;
        assert_eq!(status, 201, "{answer}");
        answer
    }

    /// `GET /v1/registration-actions/{id}`.
    pub async fn action(&self, id: &str) -> Response {
        self.listener
            .request(Method::GET, &format!("{ACTIONS}/{id}"))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
    }

    /// The action's state as the community sees it.
    pub async fn action_state(&self, id: &str) -> Value {
        self.action(id).await.json().await.unwrap()
    }

    /// Any request on the community's listener with its token.
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        self.listener
            .call(method, path, Some(&self.token), body)
            .await
    }

    /// `GET /v1/verification-requests?<query>` (the first listing is the receipt).
    pub async fn verification_requests(&self, query: &str) -> (u16, Value) {
        let path = match query {
            "" => "/v1/verification-requests".to_owned(),
            q => format!("/v1/verification-requests?{q}"),
        };
        self.call(Method::GET, &path, None).await
    }

    /// Answer a verification request.
    pub async fn answer_verification_request(&self, id: &str, answer: Value) -> (u16, Value) {
        let path = format!("/v1/verification-requests/{id}/answer");
        self.call(Method::POST, &path, Some(answer)).await
    }

    /// The notifications after `cursor`, which must be readable (`200`).
    pub async fn notifications(&self, after: i64) -> Value {
        let (status, page) = self
            .call(
                Method::GET,
                &format!("/v1/notifications?after={after}"),
                None,
            )
            .await;
        assert_eq!(status, 200, "{page}");
        page
    }
}

/// Someone on the admin listener: a staff member with a role, or anyone else's token, or none.
#[derive(Clone)]
pub struct Admin {
    pub listener: Listener,
    pub token: Option<String>,
}

impl Admin {
    /// A request with the token (if any), to send as it is or with more to it.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let req = self.listener.request(method, path);
        match &self.token {
            Some(t) => req.bearer_auth(t),
            None => req,
        }
    }

    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        self.listener
            .call(method, path, self.token.as_deref(), body)
            .await
    }
}

//! The reference client for register vendors: what a register's integration does, as a library
//! and a command line (`dms-client`, also `dms-api client`): submit a registration action and
//! verify a receipt offline against the service's published keys.

pub mod cli;
pub mod secret;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use dms_crypto::RECEIPT_TYP;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("HTTP: {0}")]
    Http(#[from] reqwest::Error),
    #[error("the JWKS is not JSON: {0}")]
    Jwks(serde_json::Error),
    #[error("the answer has no receipt member")]
    NoReceipt,
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Secret(#[from] secret::SecretError),
}

/// The service's answer to a submission, unchanged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub body: String,
}

impl Answer {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// A receipt whose signature and `typ` check out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedReceipt {
    /// The key it was signed with.
    pub kid: String,
    /// The signed claims (canonical JSON).
    pub payload: Vec<u8>,
}

/// How the client does TLS: which CA it trusts (the public web roots when none is given) and the
/// client certificate it presents (the direct channel in `mtls` mode).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tls {
    /// PEM CA certificates to trust instead of the public web roots.
    pub ca_file: Option<PathBuf>,
    /// PEM client certificate (chain) and its private key.
    pub identity: Option<(PathBuf, PathBuf)>,
}

impl Tls {
    fn config(&self) -> Result<rustls::ClientConfig, ClientError> {
        let invalid = |e: dms_crypto::tls::TlsError| ClientError::Invalid(e.to_string());
        let roots = match &self.ca_file {
            Some(ca) => dms_crypto::tls::load_roots(ca).map_err(invalid)?,
            None => rustls::RootCertStore {
                roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
            },
        };
        let identity = self
            .identity
            .as_ref()
            .map(|(c, k)| (c.as_path(), k.as_path()));
        dms_crypto::tls::client_config(roots, identity).map_err(invalid)
    }
}

fn http(tls: &Tls) -> Result<reqwest::blocking::Client, ClientError> {
    // Generous: a retry is always safe, but a client that gives up early makes people retry
    // by hand.
    Ok(reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(60))
        .use_preconfigured_tls(tls.config()?)
        .build()?)
}

/// POST `body` (a registration action, JSON) to `<url>/v1/registration-actions` with a bearer
/// token. Retrying with the same `external_id` is safe: the same receipt comes back.
pub fn submit(url: &str, token: &str, body: Vec<u8>) -> Result<Answer, ClientError> {
    submit_with(url, Some(token), body, &Tls::default())
}

/// [`submit`] with TLS settings; without a token when the client certificate identifies the
/// body (the direct channel in `mtls` mode).
pub fn submit_with(
    url: &str,
    token: Option<&str>,
    body: Vec<u8>,
    tls: &Tls,
) -> Result<Answer, ClientError> {
    let mut req = http(tls)?
        .post(format!(
            "{}/v1/registration-actions",
            url.trim_end_matches('/')
        ))
        .header("content-type", "application/json")
        .body(body);
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    let res = req.send()?;
    let status = res.status().as_u16();
    Ok(Answer {
        status,
        body: res.text()?,
    })
}

/// The JWKS from a file, or from `<base url>/.well-known/jwks.json`.
pub fn load_jwks(source: &str) -> Result<Value, ClientError> {
    load_jwks_with(source, &Tls::default())
}

/// [`load_jwks`] with TLS settings.
pub fn load_jwks_with(source: &str, tls: &Tls) -> Result<Value, ClientError> {
    if Path::new(source).is_file() {
        let bytes = std::fs::read(source).map_err(|e| ClientError::Read {
            path: source.into(),
            source: e,
        })?;
        serde_json::from_slice(&bytes).map_err(ClientError::Jwks)
    } else {
        Ok(http(tls)?
            .get(format!(
                "{}/.well-known/jwks.json",
                source.trim_end_matches('/')
            ))
            .send()?
            .error_for_status()?
            .json()?)
    }
}

/// The compact JWS in `text`: the JWS itself, or a submission answer with a `receipt` member.
pub fn receipt_of(text: &str) -> Result<String, ClientError> {
    let text = text.trim();
    match serde_json::from_str::<Value>(text) {
        Ok(answer) => answer["receipt"]
            .as_str()
            .map(str::to_owned)
            .ok_or(ClientError::NoReceipt),
        Err(_) => Ok(text.to_owned()),
    }
}

/// Check a receipt's signature against `jwks` and that it is a receipt (its `typ`).
pub fn verify_receipt(jws: &str, jwks: &Value) -> Result<VerifiedReceipt, ClientError> {
    let (kid, typ, payload) =
        dms_crypto::verify_compact(jws, jwks).map_err(|e| ClientError::Invalid(e.to_string()))?;
    if typ != RECEIPT_TYP {
        return Err(ClientError::Invalid(format!("not a receipt (typ {typ})")));
    }
    Ok(VerifiedReceipt { kid, payload })
}

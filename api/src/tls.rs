//! TLS on the listeners: one stack (rustls with the ring provider). A listener with a client CA
//! or pinned fingerprints requires a client certificate; the direct channel in `mtls` mode
//! requires one without judging it here (the body is found by the certificate's fingerprint).
//! The SHA-256 fingerprint of the client's leaf certificate is put into the connection's
//! extensions ([`PeerCertificate`]) for the extractors.

pub mod demo;

use anyhow::Context;
use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::server::WebPkiClientVerifier;
use rustls::{DigitallySignedStruct, DistinguishedName, ServerConfig};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use dms_crypto::tls::{fingerprint, provider};

/// TLS settings of one listener.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListenerTls {
    /// PEM certificate chain; the listener serves TLS when set.
    pub cert: Option<PathBuf>,
    /// PEM private key of `cert`.
    pub key: Option<PathBuf>,
    /// PEM CA certificates a client certificate must chain to.
    pub client_ca: Option<PathBuf>,
    /// Pinned SHA-256 fingerprints (lower-case hex) of the accepted client certificates.
    pub client_fingerprints: Vec<String>,
}

impl ListenerTls {
    /// Whether the listener serves TLS.
    pub fn enabled(&self) -> bool {
        self.cert.is_some()
    }

    /// Whether the listener checks client certificates itself (a CA or pins).
    pub fn checks_clients(&self) -> bool {
        self.client_ca.is_some() || !self.client_fingerprints.is_empty()
    }
}

/// The SHA-256 fingerprint (lower-case hex) of the client certificate of a TLS connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerCertificate(pub String);

/// A fingerprint as configured or registered: 64 hex digits, optionally separated by colons;
/// returned in lower case without separators.
pub fn normalize_fingerprint(text: &str) -> Option<String> {
    dms_service::bodies::certificate_fingerprint(text)
}

/// For `HttpServer::on_connect`: remember the client certificate's fingerprint.
pub fn on_connect(conn: &dyn std::any::Any, ext: &mut actix_web::dev::Extensions) {
    type Tls = actix_tls::accept::rustls_0_23::TlsStream<actix_web::rt::net::TcpStream>;
    if let Some(tls) = conn.downcast_ref::<Tls>() {
        let (_, session) = tls.get_ref();
        if let Some(leaf) = session.peer_certificates().and_then(|c| c.first()) {
            ext.insert(PeerCertificate(fingerprint(leaf)));
        }
    }
}

/// Every certificate in a PEM file.
pub fn load_certs(path: &Path) -> anyhow::Result<Vec<CertificateDer<'static>>> {
    Ok(dms_crypto::tls::load_certs(path)?)
}

/// The server configuration of a TLS listener. `require_client`: demand a client certificate
/// even when the listener judges none itself (the `mtls` direct channel).
pub fn server_config(tls: &ListenerTls, require_client: bool) -> anyhow::Result<ServerConfig> {
    let (Some(cert), Some(key)) = (&tls.cert, &tls.key) else {
        anyhow::bail!("a TLS listener needs a certificate and a key");
    };
    let provider = provider();
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .context("TLS protocol versions")?;
    let builder = if tls.checks_clients() || require_client {
        let ca = match &tls.client_ca {
            Some(path) => Some(
                WebPkiClientVerifier::builder_with_provider(
                    Arc::new(dms_crypto::tls::load_roots(path)?),
                    provider.clone(),
                )
                .build()
                .context("client certificate verifier")?,
            ),
            None => None,
        };
        let pins = (!tls.client_fingerprints.is_empty()).then(|| {
            tls.client_fingerprints
                .iter()
                .filter_map(|f| normalize_fingerprint(f))
                .collect()
        });
        builder.with_client_cert_verifier(Arc::new(ClientVerifier { ca, pins, provider }))
    } else {
        builder.with_no_client_auth()
    };
    builder
        .with_single_cert(
            dms_crypto::tls::load_certs(cert)?,
            dms_crypto::tls::load_key(key)?,
        )
        .context("the listener's certificate and key do not fit together")
}

/// Requires a client certificate; checks it against the CA when one is configured and against
/// the pinned fingerprints when there are some. The handshake signature is always verified, so
/// the client holds the certificate's private key.
#[derive(Debug)]
struct ClientVerifier {
    ca: Option<Arc<dyn ClientCertVerifier>>,
    pins: Option<HashSet<String>>,
    provider: Arc<CryptoProvider>,
}

impl ClientCertVerifier for ClientVerifier {
    fn client_auth_mandatory(&self) -> bool {
        true
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        self.ca.as_ref().map_or(&[], |ca| ca.root_hint_subjects())
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        if let Some(ca) = &self.ca {
            ca.verify_client_cert(end_entity, intermediates, now)?;
        }
        if let Some(pins) = &self.pins {
            if !pins.contains(&fingerprint(end_entity)) {
                return Err(rustls::Error::InvalidCertificate(
                    rustls::CertificateError::ApplicationVerificationFailure,
                ));
            }
        }
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_64_hex_digits_in_any_case_with_or_without_colons() {
        let lower = "ab".repeat(32);
        assert_eq!(normalize_fingerprint(&"AB".repeat(32)), Some(lower.clone()));
        let colons = vec!["ab"; 32].join(":");
        assert_eq!(normalize_fingerprint(&colons), Some(lower));
        assert_eq!(normalize_fingerprint(&"ab".repeat(31)), None);
        assert_eq!(normalize_fingerprint(&"zz".repeat(32)), None);
    }
}

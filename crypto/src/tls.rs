//! The one TLS stack of the workspace: rustls with the ring crypto provider, for the listeners,
//! the feeder's delivery to ЄДДР and the reference client. PEM files are read here.

use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{ClientConfig, RootCertStore};
use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::Arc;

/// A TLS set-up that cannot be made, with the file it is about.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct TlsError(pub String);

fn fail(path: &Path, what: &str, e: impl std::fmt::Display) -> TlsError {
    TlsError(format!("{what} {}: {e}", path.display()))
}

/// The one crypto provider of every TLS connection made or accepted.
pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The lower-case hex SHA-256 of a DER certificate: its fingerprint.
pub fn fingerprint(der: &[u8]) -> String {
    hex::encode(Sha256::digest(der))
}

/// Every certificate in a PEM file (at least one).
pub fn load_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| fail(path, "cannot read certificates from", e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| fail(path, "cannot read certificates from", e))?;
    if certs.is_empty() {
        return Err(TlsError(format!("no certificate in {}", path.display())));
    }
    Ok(certs)
}

/// The private key in a PEM file.
pub fn load_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    PrivateKeyDer::from_pem_file(path).map_err(|e| fail(path, "cannot read a private key from", e))
}

/// The certificates of a PEM file as trust anchors.
pub fn load_roots(path: &Path) -> Result<RootCertStore, TlsError> {
    let mut roots = RootCertStore::empty();
    for cert in load_certs(path)? {
        roots
            .add(cert)
            .map_err(|e| fail(path, "not a CA certificate in", e))?;
    }
    Ok(roots)
}

/// A client configuration trusting `roots`, presenting the certificate chain and key in the PEM
/// files of `identity` when given (mutual TLS).
pub fn client_config(
    roots: RootCertStore,
    identity: Option<(&Path, &Path)>,
) -> Result<ClientConfig, TlsError> {
    let builder = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError(format!("TLS protocol versions: {e}")))?
        .with_root_certificates(roots);
    match identity {
        None => Ok(builder.with_no_client_auth()),
        Some((cert, key)) => builder
            .with_client_auth_cert(load_certs(cert)?, load_key(key)?)
            .map_err(|e| {
                fail(
                    cert,
                    "the client certificate and key do not fit together:",
                    e,
                )
            }),
    }
}

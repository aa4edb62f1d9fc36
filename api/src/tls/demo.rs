//! A private CA and the certificates a development set-up (and the tests) need: the service's
//! server certificate for 127.0.0.1/localhost and a "security server" client certificate.
//! Never for production: the keys are made on the spot and written next to the certificates.

use anyhow::Context;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};
use std::path::Path;

/// A certificate authority that can issue certificates.
pub struct Ca {
    cert: rcgen::Certificate,
    key: KeyPair,
}

/// An issued certificate with its private key, both PEM.
#[derive(Debug, Clone)]
pub struct Issued {
    pub cert_pem: String,
    pub key_pem: String,
    /// SHA-256 of the DER certificate, lower-case hex.
    pub fingerprint: String,
}

impl std::fmt::Debug for Ca {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ca").finish_non_exhaustive()
    }
}

fn named(mut params: CertificateParams, name: &str) -> CertificateParams {
    params.distinguished_name.push(DnType::CommonName, name);
    params
}

impl Ca {
    /// A new self-signed CA.
    pub fn new(name: &str) -> anyhow::Result<Ca> {
        let mut params = named(CertificateParams::new(Vec::new())?, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let key = KeyPair::generate()?;
        let cert = params.self_signed(&key)?;
        Ok(Ca { cert, key })
    }

    /// The CA certificate, PEM.
    pub fn cert_pem(&self) -> String {
        self.cert.pem()
    }

    fn issue(&self, mut params: CertificateParams) -> anyhow::Result<Issued> {
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        let key = KeyPair::generate()?;
        let cert = params.signed_by(&key, &self.cert, &self.key)?;
        Ok(Issued {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
            fingerprint: super::fingerprint(cert.der()),
        })
    }

    /// A server certificate for these names (DNS names or IP addresses).
    pub fn server(&self, names: &[&str]) -> anyhow::Result<Issued> {
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        let mut params = named(CertificateParams::new(names.clone())?, &names.join(" "));
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        self.issue(params)
    }

    /// A client certificate with this common name.
    pub fn client(&self, name: &str) -> anyhow::Result<Issued> {
        let mut params = named(CertificateParams::new(Vec::new())?, name);
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        self.issue(params)
    }
}

fn write(path: &Path, text: &str, private: bool) -> anyhow::Result<()> {
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?;
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .with_context(|| format!("cannot restrict {}", path.display()))?;
    }
    #[cfg(not(unix))]
    let _ = private;
    Ok(())
}

/// Write `ca.crt`, `server.crt`/`server.key` (127.0.0.1, localhost) and
/// `security-server.crt`/`security-server.key` into `dir` (private keys 0600). Returns the
/// security server certificate's fingerprint.
pub fn write_demo(dir: &Path) -> anyhow::Result<String> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let ca = Ca::new("DMS demo CA (development only)")?;
    let server = ca.server(&["127.0.0.1", "localhost"])?;
    let client = ca.client("Trembita security server (demo)")?;
    write(&dir.join("ca.crt"), &ca.cert_pem(), false)?;
    write(&dir.join("server.crt"), &server.cert_pem, false)?;
    write(&dir.join("server.key"), &server.key_pem, true)?;
    write(&dir.join("security-server.crt"), &client.cert_pem, false)?;
    write(&dir.join("security-server.key"), &client.key_pem, true)?;
    Ok(client.fingerprint)
}

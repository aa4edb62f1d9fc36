//! Signing keys and compact JWS (RFC 7515) with EdDSA over Ed25519.
//!
//! Keys live in a directory: `<kid>.ed25519` holds a private key (base64url of the 32-byte seed),
//! `<kid>.pub` a public key kept after its private part was destroyed. Every key in the directory
//! is published in the JWKS, so receipts signed by a retired key still verify. The active key is
//! the one configured by name (`signing_kid`); a directory holding a single private key may be
//! used without naming it, but with several and none named, loading refuses to guess.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("key directory {0}: {1}")]
    Io(PathBuf, std::io::Error),
    #[error("key file {0} is not a base64url 32-byte key")]
    Malformed(PathBuf),
    #[error("the configured signing key {0} has no private key in the directory")]
    MissingActive(String),
    #[error("the key directory {0} holds several private keys ({1}) and no signing key is named: set DMS_SIGNING_KID (signing_kid) to the kid to sign with")]
    Ambiguous(PathBuf, String),
    #[error("private key file {0} is readable by its group or others (mode {1:o}); refusing it: chmod 600 it")]
    Exposed(PathBuf, u32),
}

/// A private key readable by anyone but its owner is refused (and named), not used.
fn check_private(path: &Path) -> Result<(), KeyError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map_err(|e| KeyError::Io(path.to_owned(), e))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(KeyError::Exposed(path.to_owned(), mode & 0o777));
        }
    }
    Ok(())
}

/// The service's keys: one active signing key (if any) and every public key ever used.
#[derive(Clone)]
pub struct KeyRing {
    active: Option<(String, SigningKey)>,
    public: BTreeMap<String, VerifyingKey>,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRing")
            .field("active", &self.active_kid())
            .field("public", &self.public.keys().collect::<Vec<_>>())
            .finish()
    }
}

fn read_key_bytes(path: &Path) -> Result<[u8; 32], KeyError> {
    let text = std::fs::read_to_string(path).map_err(|e| KeyError::Io(path.to_owned(), e))?;
    B64.decode(text.trim())
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b.as_slice()).ok())
        .ok_or_else(|| KeyError::Malformed(path.to_owned()))
}

/// Write a file durably: temporary name, fsync, rename, fsync the directory.
pub fn write_durably(path: &Path, contents: &[u8], private: bool) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let tmp = path.with_extension("tmp");
    {
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        if private {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(&tmp)?;
        f.write_all(contents)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    std::fs::File::open(dir)?.sync_all()
}

impl KeyRing {
    pub fn empty() -> Self {
        KeyRing {
            active: None,
            public: BTreeMap::new(),
        }
    }

    /// Load every key in `dir` with `active_kid` as the signing key. Without a kid, a single
    /// private key is the signing key and several are refused (`KeyError::Ambiguous`): which
    /// key signs is configured, never guessed from file names. A missing directory is an empty
    /// ring.
    pub fn load(dir: &Path, active_kid: Option<&str>) -> Result<Self, KeyError> {
        let (mut private, public) = Self::read_dir(dir)?;
        let active = match active_kid {
            Some(kid) => Some((
                kid.to_owned(),
                private
                    .remove(kid)
                    .ok_or_else(|| KeyError::MissingActive(kid.to_owned()))?,
            )),
            None if private.len() > 1 => {
                let kids: Vec<&str> = private.keys().map(String::as_str).collect();
                return Err(KeyError::Ambiguous(dir.to_owned(), kids.join(", ")));
            }
            None => private.pop_last(),
        };
        Ok(KeyRing { active, public })
    }

    /// Every public key in `dir` (of private and of public key files), for verifying and
    /// publishing only: the ring cannot sign.
    pub fn load_verifying(dir: &Path) -> Result<Self, KeyError> {
        let (_, public) = Self::read_dir(dir)?;
        Ok(KeyRing {
            active: None,
            public,
        })
    }

    /// This ring with the public keys of `other` added (its own kept where a kid is in both).
    pub fn with_public_of(&self, other: &KeyRing) -> KeyRing {
        let mut public = self.public.clone();
        for (kid, key) in &other.public {
            public.entry(kid.clone()).or_insert(*key);
        }
        KeyRing {
            active: self.active.clone(),
            public,
        }
    }

    /// The kids of the public keys, sorted.
    pub fn public_kids(&self) -> Vec<&str> {
        self.public.keys().map(String::as_str).collect()
    }

    /// The private and the public keys in `dir`; nothing when it does not exist.
    #[allow(clippy::type_complexity)]
    fn read_dir(
        dir: &Path,
    ) -> Result<(BTreeMap<String, SigningKey>, BTreeMap<String, VerifyingKey>), KeyError> {
        let mut private = BTreeMap::new();
        let mut public = BTreeMap::new();
        let entries = match std::fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((private, public)),
            Err(e) => return Err(KeyError::Io(dir.to_owned(), e)),
        };
        for entry in entries {
            let path = entry.map_err(|e| KeyError::Io(dir.to_owned(), e))?.path();
            let (Some(stem), Some(ext)) = (
                path.file_stem().and_then(|s| s.to_str()),
                path.extension().and_then(|s| s.to_str()),
            ) else {
                continue;
            };
            match ext {
                "ed25519" => {
                    check_private(&path)?;
                    let key = SigningKey::from_bytes(&read_key_bytes(&path)?);
                    public.insert(stem.to_owned(), key.verifying_key());
                    private.insert(stem.to_owned(), key);
                }
                "pub" => {
                    let key = VerifyingKey::from_bytes(&read_key_bytes(&path)?)
                        .map_err(|_| KeyError::Malformed(path.clone()))?;
                    public.entry(stem.to_owned()).or_insert(key);
                }
                _ => {}
            }
        }
        Ok((private, public))
    }

    /// Create a new private key in `dir`; returns its kid. It signs once it is named
    /// (`signing_kid`), or when it is the directory's only private key.
    pub fn generate(dir: &Path) -> Result<String, KeyError> {
        let key = SigningKey::generate(&mut rand::rngs::OsRng);
        let suffix: String = B64.encode(&key.verifying_key().to_bytes()[..3]);
        let kid = format!(
            "dms-{}-{}",
            chrono::Utc::now().format("%Y%m%dT%H%M%SZ"),
            suffix.replace(['-', '_'], "x")
        );
        let path = dir.join(format!("{kid}.ed25519"));
        write_durably(
            &path,
            format!("{}\n", B64.encode(key.to_bytes())).as_bytes(),
            true,
        )
        .map_err(|e| KeyError::Io(path, e))?;
        Ok(kid)
    }

    pub fn active_kid(&self) -> Option<&str> {
        self.active.as_ref().map(|(k, _)| k.as_str())
    }

    pub fn can_sign(&self) -> bool {
        self.active.is_some()
    }

    /// The active signing key; `None` when the ring holds no private key.
    pub fn signer(&self) -> Option<ActiveKey<'_>> {
        self.active
            .as_ref()
            .map(|(kid, key)| ActiveKey { kid, key })
    }

    /// Compact JWS over `payload` with the active key; `None` when there is no signing key.
    pub fn sign(&self, typ: &str, payload: &[u8]) -> Option<(String, String)> {
        self.signer().map(|s| s.sign(typ, payload))
    }

    /// The JSON Web Key Set of every public key (RFC 8037 OKP keys).
    pub fn jwks(&self) -> Value {
        let keys: Vec<Value> = self
            .public
            .iter()
            .map(|(kid, key)| {
                json!({"kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig",
                       "kid": kid, "x": B64.encode(key.to_bytes())})
            })
            .collect();
        json!({ "keys": keys })
    }
}

/// A signing key known to be present: signing cannot fail.
#[derive(Clone, Copy)]
pub struct ActiveKey<'a> {
    kid: &'a str,
    key: &'a SigningKey,
}

impl ActiveKey<'_> {
    /// Compact JWS over `payload`; returns `(kid, jws)`.
    pub fn sign(&self, typ: &str, payload: &[u8]) -> (String, String) {
        let header =
            crate::canonical::to_vec(&json!({"alg": "EdDSA", "kid": self.kid, "typ": typ}));
        let input = format!("{}.{}", B64.encode(header), B64.encode(payload));
        let sig = self.key.sign(input.as_bytes());
        (
            self.kid.to_owned(),
            format!("{input}.{}", B64.encode(sig.to_bytes())),
        )
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VerifyError {
    #[error("not a compact JWS")]
    Malformed,
    #[error("the header is not EdDSA with a kid")]
    Header,
    #[error("no key {0} in the key set")]
    UnknownKid(String),
    #[error("the signature does not verify")]
    BadSignature,
}

/// Verify a compact JWS against a JWKS document; returns `(kid, typ, payload bytes)`.
pub fn verify_compact(jws: &str, jwks: &Value) -> Result<(String, String, Vec<u8>), VerifyError> {
    let mut parts = jws.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(VerifyError::Malformed);
    };
    let decode = |x: &str| B64.decode(x).map_err(|_| VerifyError::Malformed);
    let header: Value = serde_json::from_slice(&decode(h)?).map_err(|_| VerifyError::Header)?;
    if header["alg"] != "EdDSA" {
        return Err(VerifyError::Header);
    }
    let kid = header["kid"]
        .as_str()
        .ok_or(VerifyError::Header)?
        .to_owned();
    let typ = header["typ"].as_str().unwrap_or_default().to_owned();
    let x = jwks["keys"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|k| k["kid"] == kid.as_str() && k["kty"] == "OKP" && k["crv"] == "Ed25519")
        .and_then(|k| k["x"].as_str())
        .ok_or_else(|| VerifyError::UnknownKid(kid.clone()))?;
    let key = decode(x)
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b.as_slice()).ok())
        .and_then(|b| VerifyingKey::from_bytes(&b).ok())
        .ok_or_else(|| VerifyError::UnknownKid(kid.clone()))?;
    let sig = <[u8; 64]>::try_from(decode(s)?.as_slice()).map_err(|_| VerifyError::Malformed)?;
    key.verify(format!("{h}.{p}").as_bytes(), &Signature::from_bytes(&sig))
        .map_err(|_| VerifyError::BadSignature)?;
    Ok((kid, typ, decode(p)?))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn rotation_keeps_old_signatures_verifiable() {
        let dir = std::env::temp_dir().join(format!("dms-keys-{}", uuid::Uuid::now_v7()));
        let first = KeyRing::generate(&dir).unwrap();
        let ring = KeyRing::load(&dir, None).unwrap();
        let (kid, old) = ring.sign("t", b"payload").unwrap();
        assert_eq!(kid, first);
        std::thread::sleep(std::time::Duration::from_millis(1100));
        let second = KeyRing::generate(&dir).unwrap();
        let ring = KeyRing::load(&dir, Some(&second)).unwrap();
        assert_eq!(ring.active_kid(), Some(second.as_str()));
        let jwks = ring.jwks();
        assert_eq!(verify_compact(&old, &jwks).unwrap().2, b"payload");
        let (_, new) = ring.sign("t", b"other").unwrap();
        assert_eq!(verify_compact(&new, &jwks).unwrap().0, second);
        // Tampering with the payload breaks the signature.
        let mut parts: Vec<&str> = new.split('.').collect();
        let forged = B64.encode(b"othe?");
        parts[1] = &forged;
        assert_eq!(
            verify_compact(&parts.join("."), &jwks),
            Err(VerifyError::BadSignature)
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn with_several_private_keys_the_signing_key_must_be_named() {
        let dir = std::env::temp_dir().join(format!("dms-keys-{}", uuid::Uuid::now_v7()));
        let first = KeyRing::generate(&dir).unwrap();
        // One key alone may be used unnamed.
        assert_eq!(
            KeyRing::load(&dir, None).unwrap().active_kid(),
            Some(first.as_str())
        );
        std::thread::sleep(std::time::Duration::from_millis(1100));
        let second = KeyRing::generate(&dir).unwrap();
        let err = KeyRing::load(&dir, None).unwrap_err();
        assert!(matches!(err, KeyError::Ambiguous(..)), "{err}");
        let text = err.to_string();
        assert!(text.contains("DMS_SIGNING_KID"), "{text}");
        assert!(text.contains(&first) && text.contains(&second), "{text}");
        // Named, the older key signs: the choice is not the file name's.
        let ring = KeyRing::load(&dir, Some(&first)).unwrap();
        assert_eq!(ring.active_kid(), Some(first.as_str()));
        assert_eq!(ring.public_kids(), vec![first.as_str(), second.as_str()]);
        // Verifying needs no choice.
        let verifying = KeyRing::load_verifying(&dir).unwrap();
        assert!(!verifying.can_sign());
        assert_eq!(verifying.public_kids().len(), 2);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_private_key_readable_by_others_is_refused_and_named() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("dms-keys-{}", uuid::Uuid::now_v7()));
        let kid = KeyRing::generate(&dir).unwrap();
        let path = dir.join(format!("{kid}.ed25519"));
        assert!(KeyRing::load(&dir, None).unwrap().can_sign());
        for mode in [0o640, 0o604, 0o644] {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
            let err = KeyRing::load(&dir, None).unwrap_err();
            assert!(
                matches!(err, KeyError::Exposed(ref p, m) if *p == path && m == mode),
                "{err}"
            );
            assert!(
                err.to_string().contains(&path.display().to_string()),
                "{err}"
            );
        }
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o400)).unwrap();
        assert!(KeyRing::load(&dir, None).unwrap().can_sign());
        std::fs::remove_dir_all(dir).unwrap();
    }
}

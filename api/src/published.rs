//! The keys the JWKS publishes: those loaded at start and every public key found in the key
//! directory since, so a key added while the service runs (by a rotation, or by the feeder's
//! host sharing the directory) is published without a restart. The directory is re-read at
//! most once per [`REREAD_AFTER`]; the signing key stays the one named at start.

use dms_crypto::KeyRing;
use serde_json::Value;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a reading of the key directory is served before it is read again.
pub const REREAD_AFTER: Duration = Duration::from_secs(2);

pub struct PublishedKeys {
    dir: PathBuf,
    at_start: KeyRing,
    last: Mutex<Option<(Instant, Value)>>,
}

impl PublishedKeys {
    pub fn new(dir: PathBuf, at_start: KeyRing) -> Self {
        PublishedKeys {
            dir,
            at_start,
            last: Mutex::new(None),
        }
    }

    /// The JSON Web Key Set: the keys of the start-up ring and of the directory now.
    pub fn jwks(&self) -> Value {
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((at, jwks)) = last.as_ref() {
            if at.elapsed() < REREAD_AFTER {
                return jwks.clone();
            }
        }
        let jwks = match KeyRing::load_verifying(&self.dir) {
            Ok(now) => self.at_start.with_public_of(&now).jwks(),
            Err(e) => {
                // A key that cannot be read (or is refused) is not published; the others are.
                tracing::warn!(error.message = %e, "key directory not re-read; publishing the keys known before");
                match last.as_ref() {
                    Some((_, known)) => known.clone(),
                    None => self.at_start.jwks(),
                }
            }
        };
        *last = Some((Instant::now(), jwks.clone()));
        jwks
    }
}

impl std::fmt::Debug for PublishedKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PublishedKeys")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

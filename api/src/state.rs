//! What every handler shares: the pool, the compiled contract, the codifier, the keys, metrics.

use crate::keys::KeyRing;
use crate::metrics::Metrics;
use dms_db::codifier::Codifier;
use dms_db::Pool;
use dms_schemas::Contract;
use std::sync::{Arc, RwLock};

pub struct AppState {
    pub pool: Pool,
    pub contract: Contract,
    pub request_contract: Contract,
    pub answer_contract: Contract,
    pub keys: KeyRing,
    pub metrics: Metrics,
    /// How long a client may take to send a request body.
    pub body_timeout: std::time::Duration,
    /// Loaded at start-up, or on first use if the database was down at start-up.
    codifier: RwLock<Option<Arc<Codifier>>>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("keys", &self.keys)
            .finish_non_exhaustive()
    }
}

impl AppState {
    pub fn new(
        pool: Pool,
        keys: KeyRing,
        metrics: Metrics,
    ) -> Result<Self, dms_schemas::contract::SchemaLoadError> {
        Ok(AppState {
            pool,
            contract: Contract::registration_action_v1()?,
            request_contract: Contract::verification_request_v1()?,
            answer_contract: Contract::verification_answer_v1()?,
            keys,
            metrics,
            codifier: RwLock::new(None),
            body_timeout: std::time::Duration::from_secs(20),
        })
    }

    /// The codifier, loading it if this is the first time the database is reachable.
    pub async fn codifier(&self) -> Result<Arc<Codifier>, dms_db::DbError> {
        if let Some(c) = self.codifier.read().ok().and_then(|g| g.clone()) {
            return Ok(c);
        }
        let mut conn = dms_db::pool::get(&self.pool).await?;
        let loaded = Arc::new(Codifier::load(&mut conn).await?);
        if loaded.is_empty() {
            return Err(dms_db::DbError::Unavailable(
                "the territorial codifier is not imported".into(),
            ));
        }
        if let Ok(mut slot) = self.codifier.write() {
            *slot = Some(loaded.clone());
        }
        Ok(loaded)
    }
}

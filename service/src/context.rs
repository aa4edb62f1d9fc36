//! What every operation shares: the pool, the compiled contracts, the signing keys and the
//! territorial codifier (loaded once, or on first use if the database was down at start-up).

use crate::ServiceError;
use dms_crypto::KeyRing;
use dms_db::codifier::Codifier;
use dms_db::Pool;
use dms_schemas::Contract;
use std::sync::{Arc, RwLock};

pub struct Services {
    pub pool: Pool,
    /// `registration-action.v1`.
    pub contract: Arc<Contract>,
    /// `verification-request.v1`.
    pub request_contract: Arc<Contract>,
    /// `verification-answer.v1`.
    pub answer_contract: Arc<Contract>,
    pub keys: KeyRing,
    /// Refusals of callers, counted so that their audit rows stay bounded.
    pub refusals: Arc<crate::refusals::Refusals>,
    /// The database URL for the batch paths that need a synchronous connection (COPY): bulk
    /// loads. Without it they answer `Unavailable`.
    pub database_url: Option<Arc<str>>,
    codifier: Arc<RwLock<Option<Arc<Codifier>>>>,
}

impl std::fmt::Debug for Services {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Services")
            .field("keys", &self.keys)
            .finish_non_exhaustive()
    }
}

impl Services {
    pub fn new(pool: Pool, keys: KeyRing) -> Result<Self, dms_schemas::contract::SchemaLoadError> {
        Ok(Services {
            pool,
            contract: Arc::new(Contract::registration_action_v1()?),
            request_contract: Arc::new(Contract::verification_request_v1()?),
            answer_contract: Arc::new(Contract::verification_answer_v1()?),
            keys,
            refusals: Arc::new(crate::refusals::Refusals::default()),
            database_url: None,
            codifier: Arc::new(RwLock::new(None)),
        })
    }

    /// The same context with the database URL the batch paths connect with.
    pub fn with_database_url(mut self, url: &str) -> Services {
        self.database_url = Some(Arc::from(url));
        self
    }

    /// The URL a batch path connects with (on its blocking thread: [`connect_sync`]).
    pub fn sync_url(&self) -> Result<Arc<str>, ServiceError> {
        self.database_url
            .clone()
            .ok_or(ServiceError::Unavailable("no database URL for batch work"))
    }

    /// The same context on another pool (each listener has its own, so that a flood on one
    /// cannot take the connections the others need); everything else is shared.
    pub fn on_pool(&self, pool: Pool) -> Services {
        Services {
            pool,
            contract: self.contract.clone(),
            request_contract: self.request_contract.clone(),
            answer_contract: self.answer_contract.clone(),
            keys: self.keys.clone(),
            refusals: self.refusals.clone(),
            database_url: self.database_url.clone(),
            codifier: self.codifier.clone(),
        }
    }

    /// A pooled connection; an exhausted or unreachable pool is `Unavailable`.
    pub async fn conn(&self) -> Result<dms_db::Conn, ServiceError> {
        Ok(dms_db::pool::get(&self.pool).await?)
    }

    /// The codifier, loading it if this is the first time the database is reachable.
    pub async fn codifier(&self) -> Result<Arc<Codifier>, ServiceError> {
        if let Some(c) = self.codifier.read().ok().and_then(|g| g.clone()) {
            return Ok(c);
        }
        let mut conn = self.conn().await?;
        let loaded = Arc::new(Codifier::load(&mut conn).await?);
        if loaded.is_empty() {
            return Err(ServiceError::Unavailable(
                "the territorial codifier is not imported",
            ));
        }
        if let Ok(mut slot) = self.codifier.write() {
            *slot = Some(loaded.clone());
        }
        Ok(loaded)
    }
}

/// A synchronous connection for a batch path. It blocks: call it on a blocking thread, never on
/// the async runtime.
pub fn connect_sync(url: &str) -> Result<diesel::PgConnection, ServiceError> {
    use diesel::Connection;
    diesel::PgConnection::establish(url).map_err(|e| {
        tracing::warn!(error.kind = "database_unavailable", error.message = %e, "batch connection failed");
        ServiceError::Unavailable("the database is unavailable")
    })
}

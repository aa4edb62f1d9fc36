//! Fault injection under load (`ops/faults`): real `dms-api` and `dms-feeder` processes against a
//! PostgreSQL cluster of the run's own (so it can be stopped), concurrent clients on 127.0.0.1,
//! every scenario bounded in time and ending with a verdict and its figures.

pub mod db_outage;
pub mod env;
pub mod failover;
pub mod feeder_crash;
pub mod judge;
pub mod kill_api;
pub mod malformed_traffic;
pub mod observe;
pub mod outbox_unwritable;
pub mod replicas;
pub mod verdict;

pub use env::Env;
pub use verdict::Verdict;

/// Scenario `n` as `ops/faults` numbers them; `None` for a number that is no scenario.
pub async fn scenario(n: u32, env: &Env) -> Option<Verdict> {
    Some(match n {
        1 => kill_api::run(env).await,
        2 => db_outage::run(env).await,
        3 => feeder_crash::run(env).await,
        4 => outbox_unwritable::run(env).await,
        5 => malformed_traffic::run(env).await,
        6 => failover::run(env).await,
        7 => replicas::run(env).await,
        _ => return None,
    })
}

//! Rate limits: per peer address (before anything else is done for a request) and per
//! authenticated client (a registration body, a staff member). A request over a limit is
//! answered `429` with `Retry-After`, does nothing, and is audited as a refusal (bounded: see
//! `dms_service::refusals`).

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;

/// A keyed limit: `per_second` sustained, `burst` at once.
pub struct Limiter<K: Hash + Eq + Clone> {
    inner: DefaultKeyedRateLimiter<K>,
    clock: DefaultClock,
}

impl<K: Hash + Eq + Clone> Limiter<K> {
    /// `None` when `per_second` is 0 (no limit).
    pub fn new(per_second: u32, burst: u32) -> Option<Self> {
        let rate = NonZeroU32::new(per_second)?;
        let burst = NonZeroU32::new(burst.max(per_second)).unwrap_or(rate);
        Some(Limiter {
            inner: RateLimiter::keyed(Quota::per_second(rate).allow_burst(burst)),
            clock: DefaultClock::default(),
        })
    }

    /// `Err(seconds to wait)` when `key` is over its limit (at least 1).
    pub fn check(&self, key: &K) -> Result<(), u64> {
        self.inner.check_key(key).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
        })
    }

    /// Forget keys whose allowance is full again (bounded memory).
    pub fn forget_idle(&self) {
        self.inner.retain_recent();
        self.inner.shrink_to_fit();
    }
}

/// The limits every listener shares.
pub struct Limits {
    pub per_address: Option<Limiter<IpAddr>>,
    pub per_client: Option<Limiter<String>>,
}

impl std::fmt::Debug for Limits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limits")
            .field("per_address", &self.per_address.is_some())
            .field("per_client", &self.per_client.is_some())
            .finish()
    }
}

impl Limits {
    pub fn from_settings(s: &crate::config::Settings) -> Limits {
        Limits {
            per_address: Limiter::new(s.rate_per_address, s.rate_burst_per_address),
            per_client: Limiter::new(s.rate_per_client, s.rate_burst_per_client),
        }
    }

    pub fn check_client(&self, key: &str) -> Result<(), u64> {
        match &self.per_client {
            Some(l) => l.check(&key.to_owned()),
            None => Ok(()),
        }
    }

    pub fn check_address(&self, addr: Option<IpAddr>) -> Result<(), u64> {
        match (&self.per_address, addr) {
            (Some(l), Some(a)) => l.check(&a),
            _ => Ok(()),
        }
    }

    pub fn forget_idle(&self) {
        if let Some(l) = &self.per_address {
            l.forget_idle();
        }
        if let Some(l) = &self.per_client {
            l.forget_idle();
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_key_over_its_burst_waits_and_others_do_not() {
        let l = Limiter::<u8>::new(1, 3).unwrap();
        for _ in 0..3 {
            assert_eq!(l.check(&1), Ok(()));
        }
        let wait = l.check(&1).unwrap_err();
        assert!((1..=2).contains(&wait), "{wait}");
        assert_eq!(l.check(&2), Ok(()));
        assert!(Limiter::<u8>::new(0, 10).is_none(), "0 turns the limit off");
    }
}

//! Keyed rate limits (GCRA through `governor`), in memory on each node: trigger calls per API
//! key (keys are authenticated ids, so the state is bounded by the number of keys).

use domain::ids::ApiKeyId;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::num::NonZeroU32;
use std::sync::Arc;

/// `None` when the limit is switched off.
#[derive(Clone)]
pub struct KeyedLimiter(Option<Arc<DefaultKeyedRateLimiter<ApiKeyId>>>);

impl KeyedLimiter {
    /// `n` per second per key, with a burst of one second's worth; 0 switches the limit off.
    pub fn per_second(n: u32) -> Self {
        Self(NonZeroU32::new(n).map(|n| Arc::new(RateLimiter::keyed(Quota::per_second(n)))))
    }

    /// Counts one event for `key`; when over the limit, the whole seconds to wait.
    pub fn check(&self, key: ApiKeyId) -> Result<(), u64> {
        let Some(limiter) = &self.0 else {
            return Ok(());
        };
        limiter.check_key(&key).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_over_the_limit_is_refused_with_a_retry_time() {
        let (k1, k2) = (ApiKeyId::new(), ApiKeyId::new());
        let limiter = KeyedLimiter::per_second(3);
        for _ in 0..3 {
            limiter.check(k1).unwrap();
        }
        assert_eq!(limiter.check(k1), Err(1));
        limiter.check(k2).expect("keys are limited separately");
        KeyedLimiter::per_second(0)
            .check(k1)
            .expect("0 switches the limit off");
    }
}

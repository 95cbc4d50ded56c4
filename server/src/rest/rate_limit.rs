//! Per-API-key rate limiting (GCRA through `governor`), in memory on each node.

use backend::{Error, ErrorKind};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::num::NonZeroU32;
use std::sync::Arc;

/// `None` when the limit is switched off (0).
#[derive(Clone)]
pub struct ApiRateLimiter(Option<Arc<DefaultKeyedRateLimiter<String>>>);

impl ApiRateLimiter {
    /// `per_second` calls per key per second, with a burst of one second's worth.
    pub fn new(per_second: u32) -> Self {
        Self(
            NonZeroU32::new(per_second).map(|n| Arc::new(RateLimiter::keyed(Quota::per_second(n)))),
        )
    }

    /// Counts one call for `api_key_id`, or says when to retry.
    pub fn check(&self, api_key_id: &str) -> Result<(), Error> {
        let Some(limiter) = &self.0 else {
            return Ok(());
        };
        limiter.check_key(&api_key_id.to_owned()).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            let retry_after_secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            Error::new(
                ErrorKind::RateLimited { retry_after_secs: retry_after_secs.max(1) },
                "rate_limited",
                "This API key sent too many requests. Retry after the time in the Retry-After header.",
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_over_the_limit_is_refused_with_a_retry_time() {
        let limiter = ApiRateLimiter::new(3);
        for _ in 0..3 {
            limiter.check("k1").unwrap();
        }
        let err = limiter.check("k1").unwrap_err();
        assert_eq!(
            err.kind,
            ErrorKind::RateLimited {
                retry_after_secs: 1
            }
        );
        limiter.check("k2").expect("keys are limited separately");
        ApiRateLimiter::new(0)
            .check("k1")
            .expect("0 switches the limit off");
    }
}

//! One retry policy for everything Herald tries again: a message's transient failures (one
//! policy per channel, from the settings) and a webhook's failed deliveries ([`WEBHOOKS`]).
//!
//! Invariant: a retry waits at least the exponential backoff (with jitter, so a burst of
//! failures does not retry in lockstep) and at least what the receiver asked for
//! (`Retry-After`); there is none after `max_attempts` attempts, nor one that would come when the
//! thing is older than `give_up_after`.

use crate::clock::Millis;
use rand::Rng;
use std::time::Duration;

/// How transient failures are retried: exponential backoff with jitter from `first_delay`,
/// until `max_attempts` attempts or until the thing tried is `give_up_after` old.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub max_attempts: u32,
    pub give_up_after: Duration,
    pub first_delay: Duration,
}

/// Webhook deliveries: ten attempts from 5 s on (about half an hour in all), within a day.
pub const WEBHOOKS: RetryPolicy = RetryPolicy {
    max_attempts: 10,
    give_up_after: Duration::from_secs(24 * 3600),
    first_delay: Duration::from_secs(5),
};

/// Why there is no next attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GaveUp {
    /// After this many attempts (the policy's most).
    Attempts(i64),
    /// The next attempt would come past the give-up age.
    Age(Duration),
}

impl RetryPolicy {
    /// When to try again after `attempts` failed attempts of something created at `created_at`,
    /// waiting at least `asked` ms (a `Retry-After`); or why not.
    pub fn next_attempt(
        &self,
        attempts: i64,
        created_at: Millis,
        now: Millis,
        asked: Millis,
    ) -> Result<Millis, GaveUp> {
        if attempts >= i64::from(self.max_attempts) {
            return Err(GaveUp::Attempts(attempts));
        }
        let at = now + backoff_ms(self.first_delay.as_millis() as Millis, attempts).max(asked);
        if at > created_at + self.give_up_after.as_millis() as Millis {
            return Err(GaveUp::Age(self.give_up_after));
        }
        Ok(at)
    }
}

/// Delay before retry number `attempt` (1-based): `first`, twice that, four times … capped at
/// 10 minutes, with ±20 % jitter.
pub fn backoff_ms(first: Millis, attempt: i64) -> Millis {
    let base: Millis = first.saturating_mul(1i64 << attempt.clamp(1, 20).saturating_sub(1));
    let base = base.min(600_000);
    let jitter = rand::rng().random_range(-(base / 5)..=(base / 5));
    base + jitter
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        for _ in 0..50 {
            let first = backoff_ms(2_000, 1);
            assert!((1_600..=2_400).contains(&first), "{first}");
            let third = backoff_ms(2_000, 3);
            assert!((6_400..=9_600).contains(&third), "{third}");
            assert!(backoff_ms(2_000, 40) <= 720_000);
        }
    }
}

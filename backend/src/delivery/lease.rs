//! The lease a worker holds on a batch of claimed messages, and the time a send may take under it.
//!
//! Invariant: **a send never outlives its lease.** Another worker (of this node or another)
//! claims a message again once its lease has ended, so an attempt still under way then could
//! be sent twice. The timing that keeps it:
//! - One network step (connecting, one SMTP exchange, one HTTP request) is bounded by
//!   [`step_timeout`]: a fifth of the lease, at most 30 s.
//! - A claimed message starts only before [`Lease::start_by`], two steps before the lease ends;
//!   one that waited longer in the worker (behind slow sends, or for a paced slot) goes back to
//!   the outbox unattempted.
//! - A send still running at [`Lease::cut_at`], one step before the end, is abandoned and
//!   recorded as a transient failure (retried later with the same `Message-ID`), which leaves
//!   a step's time to record it while the lease is still held.
//! - Pacing reserves slots only up to [`Lease::pace_until`], one step after the claim.
//! - Outcomes are recorded only under the lease's token (see `store::outbox`): a result that
//!   comes after the message was claimed again changes nothing.

use crate::clock::Millis;
use crate::settings::Settings;
use std::time::Duration;

/// How long one network step of a send may take: a fifth of the lease, at most 30 s.
pub(crate) fn step_timeout(settings: &Settings) -> Duration {
    (settings.delivery_lease / 5).min(Duration::from_secs(30))
}

/// A worker's hold on the messages of one claim.
#[derive(Debug)]
pub(crate) struct Lease {
    /// The fencing token the claim set on its rows.
    pub token: String,
    pub claimed_at: Millis,
    pub ends_at: Millis,
    step: Millis,
}

impl Lease {
    /// A lease taken `now` under the node's settings.
    pub fn new(settings: &Settings, now: Millis) -> Self {
        Self {
            token: crate::leases::token(),
            claimed_at: now,
            ends_at: now + settings.delivery_lease.as_millis() as Millis,
            step: step_timeout(settings).as_millis() as Millis,
        }
    }

    /// The last instant a send may start.
    pub fn start_by(&self) -> Millis {
        self.ends_at - 2 * self.step
    }

    /// When a send still under way is abandoned.
    pub fn cut_at(&self) -> Millis {
        self.ends_at - self.step
    }

    /// The end of the window in which pacing reserves slots for this claim.
    pub fn pace_until(&self) -> Millis {
        self.claimed_at + self.step
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_send_starts_and_ends_within_its_lease() {
        let mut settings = Settings::load(|_| None).unwrap();
        settings.delivery_lease = Duration::from_secs(60);
        let lease = Lease::new(&settings, 1_000);
        assert_eq!(step_timeout(&settings), Duration::from_secs(12));
        assert_eq!(lease.ends_at, 61_000);
        assert_eq!(lease.pace_until(), 13_000);
        assert_eq!(lease.start_by(), 37_000);
        assert_eq!(lease.cut_at(), 49_000);
        assert!(lease.pace_until() < lease.start_by());
        // A long lease: steps are capped at 30 s, the margins follow.
        settings.delivery_lease = Duration::from_secs(600);
        let lease = Lease::new(&settings, 0);
        assert_eq!((lease.start_by(), lease.cut_at()), (540_000, 570_000));
    }
}

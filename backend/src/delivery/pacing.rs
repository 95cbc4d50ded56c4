//! Pacing: the campaign's delivery rate limit and the surface's (its provider's) limit, shared by
//! every worker of every node.
//!
//! Each limited key (a campaign, a surface) has a schedule: the earliest instant its next message
//! may go, advanced by `1/rate` per message sent. A message takes the latest of its keys' next
//! instants. If that is within the current round's window it is reserved and the send waits for
//! it; if it is later, the message is put back in the outbox for that instant without using a
//! slot, so a slow campaign never holds claimed work past its lease.
//!
//! The schedules live in the database (`pacing`), not in a node: a round locks the rows of its
//! keys, reserves its slots on a [`Pacer`] loaded from them, and writes them back in the same
//! transaction (`store::pacing`). Rounds of any node that share a key take turns, so the rate a
//! provider sees is the limit, whatever the number of nodes and workers.
//!
//! Slots are planned before sending starts; on a busy machine a send can start after its slot,
//! and the next one could catch up with it. Within a round, [`Spacing`] holds each send to one
//! step after the actual start of the previous send of its keys; a send pushed past the round's
//! window that way goes back to the outbox instead.

use crate::clock::Millis;
use std::collections::HashMap;
use std::sync::Mutex;

/// The schedules of a round's keys: each key's next free instant, in microseconds since the
/// epoch (2,000/s is a 500 µs step).
#[derive(Default, Debug)]
pub struct Pacer {
    next: HashMap<String, i64>,
}

impl Pacer {
    /// Schedules as stored (key → next free instant in µs).
    pub fn from_schedules(next: HashMap<String, i64>) -> Self {
        Self { next }
    }

    /// The schedules to store back.
    pub fn schedules(&self) -> &HashMap<String, i64> {
        &self.next
    }
}

/// What pacing decided for one message.
#[derive(Debug, PartialEq, Eq)]
pub enum Slot {
    /// Send at this instant (ms), now or a little later in this round.
    At(Millis),
    /// Not in this round: back to the outbox until this instant (ms).
    Later(Millis),
}

impl Pacer {
    /// The slot of one message limited by `limits` (key, messages per second), reserved if it
    /// falls before `window_end`.
    pub fn slot(&mut self, limits: &[(String, u32)], now: Millis, window_end: Millis) -> Slot {
        if limits.is_empty() {
            return Slot::At(now);
        }
        let next = &mut self.next;
        let now_us = now * 1_000;
        let at_us = limits
            .iter()
            .map(|(key, _)| next.get(key).copied().unwrap_or(now_us))
            .fold(now_us, i64::max);
        let at = (at_us + 999) / 1_000;
        if at > window_end {
            return Slot::Later(at);
        }
        for (key, rate) in limits {
            next.insert(key.clone(), at_us + step_us(*rate));
        }
        Slot::At(at)
    }
}

/// The step between two messages of a key limited to `rate` per second, in µs.
fn step_us(rate: u32) -> i64 {
    1_000_000 / i64::from(rate.max(1))
}

/// The actual start (µs) of each key's latest send in one round.
#[derive(Default, Debug)]
pub struct Spacing {
    last_start: Mutex<HashMap<String, i64>>,
}

impl Spacing {
    /// Takes the turn of a send planned at `slot` if it may start `now` (its slot has come and
    /// its keys' previous sends started at least a step ago); otherwise says when it may.
    pub fn start(&self, limits: &[(String, u32)], slot: Millis, now: Millis) -> Result<(), Millis> {
        let mut last_start = self.last_start.lock().unwrap_or_else(|e| e.into_inner());
        let earliest_us = limits
            .iter()
            .filter_map(|(key, rate)| last_start.get(key).map(|last| last + step_us(*rate)))
            .fold(slot * 1_000, i64::max);
        if earliest_us > now * 1_000 {
            return Err((earliest_us + 999) / 1_000);
        }
        for (key, _) in limits {
            last_start.insert(key.clone(), now * 1_000);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limit(key: &str, rate: u32) -> Vec<(String, u32)> {
        vec![(key.to_owned(), rate)]
    }

    #[test]
    fn messages_are_spaced_by_the_rate_and_later_ones_wait_for_their_turn() {
        let mut pacer = Pacer::default();
        let l = limit("campaign:a", 4);
        let slots: Vec<Slot> = (0..6).map(|_| pacer.slot(&l, 1_000, 2_000)).collect();
        assert_eq!(
            slots,
            [
                Slot::At(1_000),
                Slot::At(1_250),
                Slot::At(1_500),
                Slot::At(1_750),
                Slot::At(2_000),
                Slot::Later(2_250),
            ]
        );
        // A message put back does not use its slot: the next one still gets 2,250.
        assert_eq!(pacer.slot(&l, 2_250, 3_000), Slot::At(2_250));
        // Unlimited messages and other keys are not held back.
        assert_eq!(pacer.slot(&[], 1_000, 1_000), Slot::At(1_000));
        assert_eq!(
            pacer.slot(&limit("campaign:b", 4), 1_000, 2_000),
            Slot::At(1_000)
        );
    }

    #[test]
    fn the_slowest_limit_wins() {
        let mut pacer = Pacer::default();
        let both = vec![("campaign:a".to_owned(), 1000), ("surface:s".to_owned(), 2)];
        assert_eq!(pacer.slot(&both, 0, 10_000), Slot::At(0));
        assert_eq!(pacer.slot(&both, 0, 10_000), Slot::At(500));
        // The campaign alone is free again sooner than the surface.
        assert_eq!(
            pacer.slot(&limit("campaign:a", 1000), 0, 10_000),
            Slot::At(501)
        );
    }

    #[test]
    fn a_late_send_pushes_the_next_one_back_by_a_step() {
        let spacing = Spacing::default();
        let l = limit("campaign:a", 5);
        // Slots 1,000 and 1,200, but the machine was busy until 1,300: the first goes, the
        // second waits one step after it.
        assert_eq!(spacing.start(&l, 1_000, 1_300), Ok(()));
        assert_eq!(spacing.start(&l, 1_200, 1_300), Err(1_500));
        assert_eq!(spacing.start(&l, 1_200, 1_500), Ok(()));
        // A send whose slot has not come waits for its slot.
        assert_eq!(spacing.start(&l, 2_000, 1_900), Err(2_000));
        // Other keys are not held back.
        assert_eq!(spacing.start(&limit("surface:b", 5), 1_200, 1_500), Ok(()));
    }
}

//! Delivery: the outbox worker and the transports of each channel (SMTP, SMS gateways, push
//! services, or the local capture), chosen per message by its surface.
//!
//! Where things are: `worker` runs the pipeline (claim a batch ahead, keep every send slot
//! busy, record outcomes in groups); `lease` holds the timing that keeps a send inside its
//! lease; `route` chooses each message's transport and paced slot; `turn` carries out one
//! message (pacing wait, send, failover, retry policy); `record` writes a group's outcomes.
//!
//! Invariants:
//! - Work comes only from the `messages` table (the outbox); nothing is held only in memory, so
//!   a crash loses nothing: an expired lease makes a claimed message due again.
//! - Every attempt is recorded with its outcome. Transient failures are retried with
//!   exponential backoff and jitter under the channel's retry policy (most attempts, give-up
//!   age; see `Settings::retry`); then the message fails with the last reason. Permanent
//!   failures fail at once. A surface whose provider is down fails over to its backup surface
//!   within the same attempt, recorded on it.
//! - Retries of a message reuse its `Message-ID`, so a receiver can de-duplicate a resend that
//!   follows a timeout after the relay had in fact accepted the message.

mod email;
mod http;
mod lease;
mod pacing;
mod push;
mod record;
mod route;
mod sms;
mod smtp_pool;
mod transport;
mod turn;
mod worker;

pub use email::Mailer;
pub use pacing::Pacer;
pub use smtp_pool::SmtpPool;
pub(crate) use transport::Transports;
pub use worker::run_worker;

use domain::report::Bounce;

/// What verifying the local capture says.
const CAPTURE_VERIFIED: &str =
    "Nothing to connect to: the capture keeps messages in Herald and delivers none.";

/// Why a send failed, and whether trying again may help.
#[derive(Debug, Clone)]
pub struct SendError {
    pub transient: bool,
    /// What the provider answered, without personal data.
    pub detail: String,
    /// The address will never take a message (SMTP 5.1.1, an unregistered push token): it is
    /// suppressed for its channel with this reason, e.g. "hard bounce".
    pub suppress: Option<&'static str>,
    /// The provider asked for this pause before the next try (HTTP 429 `Retry-After`).
    pub retry_after: Option<std::time::Duration>,
    /// The provider itself seems down (no connection, a timeout, a 5xx): a surface's backup
    /// provider is tried.
    pub down: bool,
    /// Email: the receiving SMTP server refused the message (a 5xx reply is hard, 4xx soft).
    pub bounce: Option<Bounce>,
}

impl SendError {
    pub fn transient(detail: impl Into<String>) -> Self {
        Self {
            transient: true,
            detail: detail.into(),
            suppress: None,
            retry_after: None,
            down: false,
            bounce: None,
        }
    }

    /// A transient error of a provider that seems down.
    pub fn down(detail: impl Into<String>) -> Self {
        Self {
            down: true,
            ..Self::transient(detail)
        }
    }

    pub fn permanent(detail: impl Into<String>) -> Self {
        Self {
            transient: false,
            ..Self::transient(detail)
        }
    }

    pub fn suppressing(mut self, reason: &'static str) -> Self {
        self.suppress = Some(reason);
        self
    }

    pub fn bouncing(mut self, bounce: Bounce) -> Self {
        self.bounce = Some(bounce);
        self
    }
}

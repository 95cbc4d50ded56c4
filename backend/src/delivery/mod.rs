//! Delivery: the outbox worker and the email transports.
//!
//! Invariants:
//! - Work comes only from the `messages` table (the outbox); nothing is held only in memory, so
//!   a crash loses nothing: an expired lease makes a claimed message due again.
//! - Every attempt is recorded with its outcome. Transient failures are retried with
//!   exponential backoff and jitter until `delivery_max_attempts`; then the message fails with
//!   the last reason. Permanent failures fail at once.
//! - Retries of a message reuse its `Message-ID`, so a receiver can de-duplicate a resend that
//!   follows a timeout after the relay had in fact accepted the message.

mod email;
mod smtp_pool;
mod worker;

pub use email::{Mailer, SendError};
pub use smtp_pool::SmtpPool;
pub use worker::{backoff_ms, run_worker};

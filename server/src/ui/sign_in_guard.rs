//! What stands between `/login` and the password check, so sign-in cannot be turned against the
//! server or against the account's owner.
//!
//! Invariants:
//! - Memory is bounded: only valid email addresses of existing accounts are remembered per
//!   account, client addresses (IPv6 by /64) at most [`MAX_CLIENTS`], and every entry expires.
//! - At most one password check per core runs at once; at most [`MAX_WAITING`] wait for one,
//!   and any further attempt is answered `503` with `Retry-After` without hashing anything.
//! - A client address that keeps failing waits longer and longer (1 s after five failures,
//!   doubling up to 15 min); a success clears it.
//! - An account that gets [`ACCOUNT_FAILURES`] wrong passwords within [`ACCOUNT_WINDOW`] is
//!   guarded: for the rest of that window only a browser that has signed in to it before (it
//!   holds a signed device cookie) may try, so an attacker cannot lock the owner out.

use backend::clock::now_ms as clock_ms;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::{Semaphore, SemaphorePermit};

/// Client addresses remembered at most (each entry is a few dozen bytes).
pub const MAX_CLIENTS: usize = 50_000;
/// Password checks waiting for a slot at most.
pub const MAX_WAITING: usize = 32;
/// Wrong passwords that guard an account.
pub const ACCOUNT_FAILURES: u32 = 10;
pub const ACCOUNT_WINDOW: Duration = Duration::from_secs(15 * 60);
/// Failures from one address before it has to wait.
const FREE_FAILURES: u32 = 5;
const MAX_CLIENT_WAIT_MS: i64 = 15 * 60 * 1000;
/// How long a client's record is kept after its last failure.
const CLIENT_MEMORY_MS: i64 = 60 * 60 * 1000;
/// Longest wait for a password-check slot.
const SLOT_WAIT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Copy)]
struct Client {
    failures: u32,
    last_failure: i64,
}

impl Client {
    /// The instant before which this client may not try again.
    fn not_before(&self) -> i64 {
        if self.failures < FREE_FAILURES {
            return 0;
        }
        let wait = 1000i64 << (self.failures - FREE_FAILURES).min(20);
        self.last_failure + wait.min(MAX_CLIENT_WAIT_MS)
    }
}

#[derive(Debug, Clone, Copy)]
struct Account {
    failures: u32,
    window_start: i64,
}

/// Why an attempt may not go on.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// This client (or, for a guarded account, any unknown browser) must wait this long.
    Throttled { wait_secs: u64 },
    /// Too many checks are under way; try again after this long.
    Busy { retry_after_secs: u64 },
}

pub struct SignInGuard {
    clients: Mutex<HashMap<IpAddr, Client>>,
    accounts: Mutex<HashMap<String, Account>>,
    checks: Semaphore,
    waiting: AtomicUsize,
}

impl Default for SignInGuard {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Self {
            clients: Mutex::default(),
            accounts: Mutex::default(),
            checks: Semaphore::new(cores),
            waiting: AtomicUsize::new(0),
        }
    }
}

/// IPv6 clients are counted per /64 (one subscriber's usual allocation).
fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
        v4 => v4,
    }
}

fn secs(ms: i64) -> u64 {
    (ms.max(0) as u64).div_ceil(1000).max(1)
}

impl SignInGuard {
    /// Whether `ip` may try now, and, for `account` (an existing account's email, lowercased),
    /// whether this browser may: `known_device` says it signed in to that account before.
    pub fn admit(
        &self,
        ip: IpAddr,
        account: Option<&str>,
        known_device: bool,
    ) -> Result<(), Refusal> {
        let now = clock_ms();
        if let Some(client) = self.clients.lock().expect("lock").get(&client_key(ip)) {
            let not_before = client.not_before();
            if now < not_before {
                return Err(Refusal::Throttled {
                    wait_secs: secs(not_before - now),
                });
            }
        }
        if let Some(email) = account
            && !known_device
            && let Some(a) = self.accounts.lock().expect("lock").get(email)
        {
            let window_end = a.window_start + ACCOUNT_WINDOW.as_millis() as i64;
            if a.failures >= ACCOUNT_FAILURES && now < window_end {
                return Err(Refusal::Throttled {
                    wait_secs: secs(window_end - now),
                });
            }
        }
        Ok(())
    }

    /// A slot for one password check, waiting in a bounded queue.
    pub async fn check_slot(&self) -> Result<SemaphorePermit<'_>, Refusal> {
        if let Ok(permit) = self.checks.try_acquire() {
            return Ok(permit);
        }
        let busy = Refusal::Busy {
            retry_after_secs: 2,
        };
        if self.waiting.fetch_add(1, Ordering::AcqRel) >= MAX_WAITING {
            self.waiting.fetch_sub(1, Ordering::AcqRel);
            return Err(busy);
        }
        let permit = tokio::time::timeout(SLOT_WAIT, self.checks.acquire()).await;
        self.waiting.fetch_sub(1, Ordering::AcqRel);
        match permit {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(busy),
        }
    }

    /// Records a wrong password from `ip`, for `account` if it exists.
    pub fn failed(&self, ip: IpAddr, account: Option<&str>) {
        let now = clock_ms();
        {
            let mut clients = self.clients.lock().expect("lock");
            if clients.len() >= MAX_CLIENTS {
                clients.retain(|_, c| now - c.last_failure < CLIENT_MEMORY_MS);
            }
            if clients.len() >= MAX_CLIENTS {
                // Still full: forget the oldest half rather than grow.
                let mut ages: Vec<i64> = clients.values().map(|c| c.last_failure).collect();
                ages.sort_unstable();
                let cut = ages[ages.len() / 2];
                clients.retain(|_, c| c.last_failure > cut);
            }
            let client = clients.entry(client_key(ip)).or_insert(Client {
                failures: 0,
                last_failure: now,
            });
            if now - client.last_failure > CLIENT_MEMORY_MS {
                client.failures = 0;
            }
            client.failures += 1;
            client.last_failure = now;
        }
        if let Some(email) = account {
            let mut accounts = self.accounts.lock().expect("lock");
            let window = ACCOUNT_WINDOW.as_millis() as i64;
            accounts.retain(|_, a| now - a.window_start < window);
            let a = accounts.entry(email.to_owned()).or_insert(Account {
                failures: 0,
                window_start: now,
            });
            a.failures += 1;
        }
    }

    /// Records a success: the client's failures are forgotten.
    pub fn succeeded(&self, ip: IpAddr) {
        self.clients.lock().expect("lock").remove(&client_key(ip));
    }

    #[cfg(test)]
    fn clients_remembered(&self) -> usize {
        self.clients.lock().expect("lock").len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    fn ip(n: u32) -> IpAddr {
        IpAddr::V4(Ipv4Addr::from(n))
    }

    #[test]
    fn an_address_that_keeps_failing_waits_longer_and_a_success_clears_it() {
        let guard = SignInGuard::default();
        for _ in 0..FREE_FAILURES {
            guard.admit(ip(1), None, false).unwrap();
            guard.failed(ip(1), None);
        }
        assert_eq!(
            guard.admit(ip(1), None, false),
            Err(Refusal::Throttled { wait_secs: 1 })
        );
        guard
            .admit(ip(2), None, false)
            .expect("other addresses go on");
        guard.succeeded(ip(1));
        guard.admit(ip(1), None, false).unwrap();
    }

    #[test]
    fn a_guarded_account_still_admits_its_owners_known_browser() {
        let guard = SignInGuard::default();
        for n in 0..ACCOUNT_FAILURES {
            guard.failed(ip(100 + n), Some("ada@example.org"));
        }
        let refused = guard.admit(ip(7), Some("ada@example.org"), false);
        assert!(
            matches!(refused, Err(Refusal::Throttled { .. })),
            "{refused:?}"
        );
        guard
            .admit(ip(7), Some("ada@example.org"), true)
            .expect("the owner's browser may still sign in");
        guard.admit(ip(7), Some("bob@example.org"), false).unwrap();
    }

    #[test]
    fn remembered_clients_are_capped() {
        let guard = SignInGuard::default();
        for n in 0..(MAX_CLIENTS as u32 + 1_000) {
            guard.failed(ip(n), None);
        }
        assert!(guard.clients_remembered() <= MAX_CLIENTS);
    }

    #[tokio::test]
    async fn password_checks_queue_up_to_a_bound_then_are_refused_busy() {
        let guard = SignInGuard {
            checks: Semaphore::new(1),
            ..SignInGuard::default()
        };
        let held = guard.check_slot().await.unwrap();
        guard.waiting.store(MAX_WAITING, Ordering::Relaxed);
        assert!(matches!(
            guard.check_slot().await,
            Err(Refusal::Busy { .. })
        ));
        guard.waiting.store(0, Ordering::Relaxed);
        drop(held);
        let _slot = guard.check_slot().await.expect("a slot again");
    }
}

//! Who holds a lease: every lease token starts with the owning process (`host:pid:start`), so
//! a node starting after a crash can tell its dead predecessor's claims from live ones.
//!
//! Invariants:
//! - A token is `<owner>/<unique>`; [`Owner`] is fixed for the life of the process.
//! - At start, the claims of a process on this host that is gone (its pid no longer runs, or
//!   runs another program since) are made due at once, instead of waiting out their lease.
//!   Claims of live processes, and of other hosts, are left to their lease.
//! - What was in flight at the crash is sent again, with the same `Message-ID` (the message's
//!   own id) and webhook `Herald-Delivery`, so receivers can de-duplicate.

use crate::clock::{Millis, now_ms};
use crate::store::Conn;
use crate::store::engine::on;
use std::sync::LazyLock;

/// This process as a lease owner.
pub struct Owner {
    host: String,
    pid: u32,
    started_at: Millis,
}

static ME: LazyLock<Owner> = LazyLock::new(|| Owner {
    host: host_name(),
    pid: std::process::id(),
    started_at: now_ms(),
});

fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().replace([':', '/'], "-"))
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into())
}

impl Owner {
    fn prefix(&self) -> String {
        format!("{}:{}:{}", self.host, self.pid, self.started_at)
    }
}

/// A fresh lease token owned by this process.
pub fn token() -> String {
    format!("{}/{}", ME.prefix(), domain::ids::MessageId::new())
}

/// Whether the owner named by a token's prefix is a process of this host that is gone.
fn is_gone(prefix: &str) -> bool {
    let mut parts = prefix.splitn(3, ':');
    let (Some(host), Some(pid), Some(started)) = (parts.next(), parts.next(), parts.next()) else {
        return false; // a token from before owners were recorded: left to its lease
    };
    if host != ME.host {
        return false;
    }
    let (Ok(pid), Ok(started)) = (pid.parse::<u32>(), started.parse::<Millis>()) else {
        return false;
    };
    if pid == ME.pid {
        return started != ME.started_at; // this pid before, in an earlier process
    }
    let proc_dir = std::path::Path::new("/proc");
    proc_dir.is_dir() && !proc_dir.join(pid.to_string()).exists()
}

/// Makes the claims of gone processes of this host due now, in both outboxes, and frees their
/// audience sends; returns how many.
pub async fn take_back_claims_of_gone_processes(conn: &mut Conn) -> sqlx::Result<u64> {
    let mut taken = 0;
    for table in ["messages", "webhook_deliveries"] {
        let tokens: Vec<String> = on!(&mut *conn, c => sqlx::query_scalar(&format!(
            // The IN term, as the partial index `…_due` states it, lets SQLite use that index.
            "SELECT DISTINCT lease_token FROM {table}
              WHERE status IN ('queued', 'sending') AND status = 'sending'
                AND lease_token IS NOT NULL"
        ))
        .fetch_all(c)
        .await)?;
        let gone: std::collections::BTreeSet<&str> = tokens
            .iter()
            .filter_map(|t| t.split_once('/').map(|(owner, _)| owner))
            .filter(|owner| is_gone(owner))
            .collect();
        for owner in gone {
            let sql = format!(
                "UPDATE {table} SET locked_until = 0
                  WHERE status IN ('queued', 'sending') AND status = 'sending'
                    AND substr(lease_token, 1, CAST($2 AS INTEGER)) = $1"
            );
            taken += on!(&mut *conn, c => sqlx::query(&sql)
                .bind(format!("{owner}/"))
                .bind(owner.len() as i64 + 1)
                .execute(c)
                .await
        .map(|r| r.rows_affected()))?;
        }
    }
    // An audience send a gone process was walking goes on from its checkpoint.
    for (send, token) in crate::store::audience_sends::leased(conn).await? {
        if token
            .split_once('/')
            .is_some_and(|(owner, _)| is_gone(owner))
        {
            crate::store::audience_sends::free(conn, send, &token).await?;
            taken += 1;
        }
    }
    Ok(taken)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_process_that_is_gone_is_told_from_a_live_one() {
        let me = ME.prefix();
        assert!(!is_gone(&me), "this process");
        assert!(
            is_gone(&format!("{}:{}:1", ME.host, ME.pid)),
            "this pid, earlier"
        );
        assert!(is_gone(&format!("{}:4194303:1", ME.host)), "no such pid");
        assert!(!is_gone(&format!("{}:1:1", ME.host)), "pid 1 runs");
        assert!(!is_gone("elsewhere:4194303:1"), "another host's");
        assert!(!is_gone("01a2b3c4"), "an old token");
        assert!(token().starts_with(&format!("{me}/")));
    }
}

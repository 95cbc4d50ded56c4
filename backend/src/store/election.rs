//! Electing the one node that does work which must run once (housekeeping: purging expired
//! idempotency keys and sessions; later retention).
//!
//! Invariants:
//! - On PostgreSQL a role is a session-level advisory lock held on a connection of its own:
//!   the node holding it is the leader until that connection ends (its process died, or the
//!   connection broke), when PostgreSQL releases the lock and the next node that tries wins.
//! - A leader checks that its connection still answers before each round
//!   ([`Leadership::holds`]); a leader whose connection broke may have lost the lock, and steps
//!   down. The work itself is idempotent, so a round that overlaps a successor's does no harm.
//! - On SQLite there is one node: it always leads.

use sqlx::{Connection, PgConnection};

/// Work that one node does for all.
#[derive(Debug, Clone, Copy)]
pub enum Role {
    Housekeeping,
}

impl Role {
    /// The advisory lock's key: (Herald's class, the role). The two-key form does not overlap
    /// the one-key locks idempotency keys take.
    fn lock(self) -> (i32, i32) {
        const HERALD: i32 = 0x4845_5241; // "HERA"
        match self {
            Role::Housekeeping => (HERALD, 1),
        }
    }
}

/// Proof of leading a role.
pub enum Leadership {
    /// SQLite: the only node.
    Sole,
    /// The connection that holds the advisory lock.
    Postgres(PgConnection),
}

impl super::Store {
    /// Tries to become the leader of `role`; `None` when another node leads it.
    pub async fn elect(&self, role: Role) -> sqlx::Result<Option<Leadership>> {
        let Some(pool) = self.postgres() else {
            return Ok(Some(Leadership::Sole));
        };
        let mut conn = pool.acquire().await?.detach();
        let (class, key) = role.lock();
        let won: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1, $2)")
            .bind(class)
            .bind(key)
            .fetch_one(&mut conn)
            .await?;
        if won {
            Ok(Some(Leadership::Postgres(conn)))
        } else {
            conn.close().await?;
            Ok(None)
        }
    }
}

impl Leadership {
    /// Whether this node still leads: its lock's connection answers.
    pub async fn holds(&mut self) -> bool {
        match self {
            Leadership::Sole => true,
            Leadership::Postgres(conn) => conn.ping().await.is_ok(),
        }
    }
}

//! The installation row: what every node of one database must agree on.

use super::Conn;
use super::engine::on;
use crate::clock::Millis;

/// Records `key_check` as the installation's secret-key check value unless one is recorded
/// already, and returns the recorded one (the first node's, when several start at once).
pub async fn claim_key_check(
    conn: &mut Conn,
    key_check: &str,
    now: Millis,
) -> sqlx::Result<String> {
    on!(&mut *conn, c => sqlx::query(
        "INSERT INTO installation (id, key_check, created_at) VALUES (1, $1, $2)
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(key_check)
    .bind(now)
    .execute(c)
    .await
    .map(drop))?;
    on!(conn, c => sqlx::query_scalar("SELECT key_check FROM installation WHERE id = 1")
        .fetch_one(c)
        .await)
}

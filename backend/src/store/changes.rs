//! Changes that other nodes cache, announced in the transaction that makes them.
//!
//! On PostgreSQL an announcement is a `NOTIFY` on [`CHANNEL`]: PostgreSQL delivers it to every
//! listening node when (and only if) the transaction commits, in commit order. On SQLite there
//! is one node, whose caches the use cases evict themselves: nothing is sent.

use super::Conn;
use domain::ids::CampaignId;

/// The notification channel every node listens on.
pub const CHANNEL: &str = "herald_changes";

/// What changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// A campaign's status, dates, content or properties.
    Campaign(CampaignId),
    /// An API key was revoked (caches hold keys by hash only, so all are forgotten).
    ApiKeys,
}

impl Change {
    fn payload(&self) -> String {
        match self {
            Change::Campaign(id) => format!("campaign:{id}"),
            Change::ApiKeys => "api_keys".into(),
        }
    }

    /// Reads a notification's payload; `None` for one this version does not know.
    pub fn parse(payload: &str) -> Option<Self> {
        match payload.split_once(':') {
            Some(("campaign", id)) => id.parse().ok().map(Change::Campaign),
            None if payload == "api_keys" => Some(Change::ApiKeys),
            _ => None,
        }
    }
}

/// Announces `change` to the other nodes when `conn`'s transaction commits.
pub async fn announce(conn: &mut Conn, change: Change) -> sqlx::Result<()> {
    let Some(pg) = conn.postgres() else {
        return Ok(());
    };
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(CHANNEL)
        .bind(change.payload())
        .execute(pg)
        .await
        .map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_read_back_as_what_changed() {
        for change in [Change::Campaign(CampaignId::new()), Change::ApiKeys] {
            assert_eq!(Change::parse(&change.payload()), Some(change));
        }
        assert_eq!(Change::parse("something:new"), None);
    }
}

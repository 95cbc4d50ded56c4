//! The audit log: campaign changes (`audit_log`) and the others (`audit_events`), each with who
//! made it, when, and from which address.

use super::engine::on;
use super::{Conn, Reader};
use crate::clock::Millis;
use domain::ids::CampaignId;
use domain::views::{AuditEntryView, AuditEventView};

/// Who made a change, as the audit log records it: the actor (`user:<id>`, `key:<id>`,
/// `operator`, …) and the network address the request came from (empty: none, e.g. the
/// command line or Herald itself).
#[derive(Debug, Clone)]
pub struct Who {
    pub actor: String,
    pub address: String,
}

impl Who {
    /// An actor that made no request: the command line, Herald's own schedules.
    pub fn without_address(actor: impl Into<String>) -> Self {
        Self {
            actor: actor.into(),
            address: String::new(),
        }
    }
}

/// Records one change; call inside the transaction that makes it.
pub async fn record(
    conn: &mut Conn,
    sandbox_id: &str,
    campaign_id: CampaignId,
    who: &Who,
    action: &str,
    detail: &str,
    at: Millis,
) -> sqlx::Result<()> {
    on!(conn, c => sqlx::query(
        "INSERT INTO audit_log (sandbox_id, campaign_id, actor, action, detail, at, address)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(sandbox_id)
    .bind(campaign_id)
    .bind(&who.actor)
    .bind(action)
    .bind(detail)
    .bind(at)
    .bind(&who.address)
    .execute(c).await
        .map(drop))
}

/// A campaign's changes, newest first, with who made them as a person reads it: the user's
/// email or the API key's name.
pub async fn for_campaign(
    pool: Reader<'_>,
    campaign_id: CampaignId,
) -> sqlx::Result<Vec<AuditEntryView>> {
    on!(pool, c => sqlx::query_as(
        "SELECT a.at, a.action, a.detail,
                COALESCE(u.email, 'API key ' || k.name, a.actor) AS actor
           FROM audit_log a
           LEFT JOIN users u ON a.actor = 'user:' || u.id
           LEFT JOIN api_keys k ON a.actor = 'key:' || k.id
          WHERE a.campaign_id = $1
          ORDER BY a.id DESC
          LIMIT 200",
    )
    .bind(campaign_id)
    .fetch_all(c).await)
}

/// A sandbox's changes (campaigns' and others'), newest first, at most `limit`, those whose
/// actor, action, subject or detail contain `search` (any case; empty: all).
pub async fn sandbox_events(
    pool: Reader<'_>,
    sandbox_id: &str,
    search: &str,
    limit: i64,
) -> sqlx::Result<Vec<AuditEventView>> {
    on!(pool, c => sqlx::query_as(
        "SELECT at, actor, action, subject, detail, address FROM (
            SELECT e.at, COALESCE(u.email, 'API key ' || k.name, e.actor) AS actor,
                   e.action, e.subject, e.detail, e.address
              FROM audit_events e
              LEFT JOIN users u ON e.actor = 'user:' || u.id
              LEFT JOIN api_keys k ON e.actor = 'key:' || k.id
             WHERE e.sandbox_id = $1
            UNION ALL
            SELECT a.at, COALESCE(u.email, 'API key ' || k.name, a.actor) AS actor,
                   a.action, 'campaign ' || COALESCE(c.title, a.campaign_id) AS subject, a.detail,
                   a.address
              FROM audit_log a
              LEFT JOIN campaigns c ON c.id = a.campaign_id
              LEFT JOIN users u ON a.actor = 'user:' || u.id
              LEFT JOIN api_keys k ON a.actor = 'key:' || k.id
             WHERE a.sandbox_id = $1
         ) x
         WHERE lower(x.actor || ' ' || x.action || ' ' || x.subject || ' ' || x.detail || ' '
                     || x.address)
               LIKE '%' || lower($2) || '%'
         ORDER BY x.at DESC
         LIMIT $3",
    )
    .bind(sandbox_id)
    .bind(search)
    .bind(limit)
    .fetch_all(c).await)
}

/// Records a change that is not a campaign's (e.g. a profile erased); call inside the
/// transaction that makes it. Never put a profile's personal data in `subject` or `detail`
/// (a team member's email is fine: the audit names who was invited or disabled).
pub async fn record_event(
    conn: &mut Conn,
    sandbox_id: &str,
    who: &Who,
    action: &str,
    subject: &str,
    detail: &str,
    at: Millis,
) -> sqlx::Result<()> {
    on!(conn, c => sqlx::query(
        "INSERT INTO audit_events (sandbox_id, actor, action, subject, detail, at, address)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(sandbox_id)
    .bind(&who.actor)
    .bind(action)
    .bind(subject)
    .bind(detail)
    .bind(at)
    .bind(&who.address)
    .execute(c).await
        .map(drop))
}

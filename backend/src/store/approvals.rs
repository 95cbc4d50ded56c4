//! Requests for approval, one per campaign version, and who wrote each version. See
//! [`domain::approval`] for the invariants.

use super::engine::on;
use super::{Conn, Reader};
use crate::clock::Millis;
use domain::approval::{ApprovalView, Decision};
use domain::ids::CampaignId;

/// How a request's people read: the user's email, else the API key's name, else the raw actor.
const LABELS: &str = "r.version, r.requested_at, r.note, r.decision, r.decided_at, r.comment,
    COALESCE(ru.email, 'API key ' || rk.name, r.requested_by) AS requested_by,
    CASE WHEN r.decided_by IS NULL THEN NULL
         ELSE COALESCE(du.email, 'API key ' || dk.name, r.decided_by) END AS decided_by
    FROM approval_requests r
    LEFT JOIN users ru ON r.requested_by = 'user:' || ru.id
    LEFT JOIN api_keys rk ON r.requested_by = 'key:' || rk.id
    LEFT JOIN users du ON r.decided_by = 'user:' || du.id
    LEFT JOIN api_keys dk ON r.decided_by = 'key:' || dk.id";

/// Asks for approval of `version`: a new pending request, or the version's earlier one
/// (rejected, say) pending again with the new note.
pub async fn request(
    conn: &mut Conn,
    campaign_id: CampaignId,
    version: i64,
    sandbox_id: &str,
    actor: &str,
    note: &str,
    now: Millis,
) -> sqlx::Result<()> {
    on!(conn, c => sqlx::query(
        "INSERT INTO approval_requests (campaign_id, version, sandbox_id, requested_by,
             requested_at, note)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (campaign_id, version) DO UPDATE SET requested_by = $4, requested_at = $5,
             note = $6, decision = NULL, decided_by = NULL, decided_at = NULL, comment = ''",
    )
    .bind(campaign_id)
    .bind(version)
    .bind(sandbox_id)
    .bind(actor)
    .bind(now)
    .bind(note)
    .execute(c).await
        .map(drop))
}

/// Decides the pending request for `version`, only if it is still pending (compare-and-set):
/// `false` when it was decided or withdrawn meanwhile, or never made.
pub async fn decide(
    conn: &mut Conn,
    campaign_id: CampaignId,
    version: i64,
    decision: Decision,
    actor: &str,
    comment: &str,
    now: Millis,
) -> sqlx::Result<bool> {
    on!(conn, c => sqlx::query(
        "UPDATE approval_requests SET decision = $3, decided_by = $4, decided_at = $5, comment = $6
          WHERE campaign_id = $1 AND version = $2 AND decision IS NULL",
    )
    .bind(campaign_id)
    .bind(version)
    .bind(decision)
    .bind(actor)
    .bind(now)
    .bind(comment)
    .execute(c).await
        .map(|r| r.rows_affected() == 1))
}

/// Withdraws the campaign's pending request, if any: its version was just edited.
pub async fn withdraw_pending(
    conn: &mut Conn,
    campaign_id: CampaignId,
    now: Millis,
) -> sqlx::Result<()> {
    on!(conn, c => sqlx::query(
        "UPDATE approval_requests SET decision = 'withdrawn', decided_at = $2
          WHERE campaign_id = $1 AND decision IS NULL",
    )
    .bind(campaign_id)
    .bind(now)
    .execute(c).await
        .map(drop))
}

/// The request for the campaign's `version`, if one was made.
pub async fn for_version(
    pool: Reader<'_>,
    campaign_id: CampaignId,
    version: i64,
) -> sqlx::Result<Option<ApprovalView>> {
    on!(pool, c => sqlx::query_as(&format!(
        "SELECT {LABELS} WHERE r.campaign_id = $1 AND r.version = $2"
    ))
    .bind(campaign_id)
    .bind(version)
    .fetch_optional(c).await)
}

/// Who last wrote the version's content: the actor (`user:<id>`, `key:<id>`) and how people
/// read it; `None` for versions written before Herald recorded it.
pub async fn editor(
    pool: Reader<'_>,
    campaign_id: CampaignId,
    version: i64,
) -> sqlx::Result<Option<(String, String)>> {
    on!(pool, c => sqlx::query_as(
        "SELECT v.edited_by, COALESCE(u.email, 'API key ' || k.name, v.edited_by)
           FROM campaign_versions v
           LEFT JOIN users u ON v.edited_by = 'user:' || u.id
           LEFT JOIN api_keys k ON v.edited_by = 'key:' || k.id
          WHERE v.campaign_id = $1 AND v.version = $2 AND v.edited_by IS NOT NULL",
    )
    .bind(campaign_id)
    .bind(version)
    .fetch_optional(c).await)
}

//! What "Send a test" sent, per campaign: only the newest [`KEPT`] are kept.

use super::engine::on;
use super::{Conn, Reader};
use crate::clock::Millis;
use domain::channel::Channel;
use domain::ids::{CampaignId, TestSendId};
use domain::views::TestSendSummary;
use sqlx::FromRow;

/// Test sends kept per campaign; an older one is deleted when a new one comes.
pub const KEPT: i64 = 50;

/// One test send to record.
pub struct NewTestSend<'a> {
    pub id: TestSendId,
    pub campaign_id: CampaignId,
    pub version: i64,
    pub channel: Channel,
    pub address: &'a str,
    pub subject: &'a str,
    pub html_body: &'a str,
    pub text_body: &'a str,
    pub payload: Option<&'a str>,
    pub provider: &'a str,
    pub provider_id: Option<&'a str>,
    pub error: Option<&'a str>,
    pub sent_by: &'a str,
    pub sent_at: Millis,
}

/// Records a test send and deletes the campaign's test sends beyond the newest [`KEPT`].
pub async fn record(conn: &mut Conn, send: &NewTestSend<'_>) -> sqlx::Result<()> {
    on!(&mut *conn, c => sqlx::query(
        "INSERT INTO test_sends (id, campaign_id, version, channel, address, subject, html_body,
             text_body, payload, provider, provider_id, error, sent_by, sent_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(send.id)
    .bind(send.campaign_id)
    .bind(send.version)
    .bind(send.channel.as_str())
    .bind(send.address)
    .bind(send.subject)
    .bind(send.html_body)
    .bind(send.text_body)
    .bind(send.payload)
    .bind(send.provider)
    .bind(send.provider_id)
    .bind(send.error)
    .bind(send.sent_by)
    .bind(send.sent_at)
    .execute(c).await
        .map(drop))?;
    on!(conn, c => sqlx::query(
        "DELETE FROM test_sends WHERE campaign_id = $1 AND id NOT IN (
             SELECT id FROM test_sends WHERE campaign_id = $1
              ORDER BY sent_at DESC, id DESC LIMIT $2)",
    )
    .bind(send.campaign_id)
    .bind(KEPT)
    .execute(c).await
        .map(drop))
}

/// How a test send's sender reads: the user's email, else the API key's name, else the actor.
const SUMMARY: &str = "t.id, t.version, t.address, t.subject, t.provider, t.provider_id, t.error,
    COALESCE(u.email, 'API key ' || k.name, t.sent_by) AS sent_by, t.sent_at";
const FROM: &str = "FROM test_sends t
    LEFT JOIN users u ON t.sent_by = 'user:' || u.id
    LEFT JOIN api_keys k ON t.sent_by = 'key:' || k.id";

/// A campaign's test sends, newest first.
pub async fn for_campaign(
    pool: Reader<'_>,
    campaign_id: CampaignId,
) -> sqlx::Result<Vec<TestSendSummary>> {
    on!(pool, c => sqlx::query_as(&format!(
        "SELECT {SUMMARY} {FROM} WHERE t.campaign_id = $1 ORDER BY t.sent_at DESC, t.id DESC"
    ))
    .bind(campaign_id)
    .fetch_all(c).await)
}

/// A test send with what was sent.
#[derive(Debug, FromRow)]
pub struct TestSendRow {
    #[sqlx(flatten)]
    pub summary: TestSendSummary,
    pub campaign_id: CampaignId,
    pub channel: Channel,
    pub html_body: String,
    pub text_body: String,
    pub payload: Option<String>,
}

pub async fn by_id(pool: Reader<'_>, id: TestSendId) -> sqlx::Result<Option<TestSendRow>> {
    on!(pool, c => sqlx::query_as(&format!(
        "SELECT {SUMMARY}, t.campaign_id, t.channel, t.html_body, t.text_body, t.payload
           {FROM} WHERE t.id = $1"
    ))
    .bind(id)
    .fetch_optional(c).await)
}

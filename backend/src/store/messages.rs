//! The outbox side of messages: claiming under a lease, recording attempts, listing.
//!
//! Invariants:
//! - A worker claims due rows under a lease ([`super::outbox::claim_due`]); a row whose lease
//!   expired (its worker died) is due again.
//! - A worker may only finish a row while it still holds that row's lease token, so a late
//!   result from a worker whose lease expired never overwrites a newer attempt's outcome.

use super::engine::on;
use super::{Conn, Reader};
use crate::clock::Millis;
use domain::campaign::Channel;
use domain::delivery::{AttemptOutcome, MessageStatus};
use domain::ids::{CampaignId, MessageId, SurfaceId};
use domain::message_query::Engagement;
use domain::report::{Exclusion, Failure, Segment};
use domain::views::MessageView;
use sqlx::{Database, Encode, FromRow, QueryBuilder, Type};

#[derive(Debug, Clone, FromRow)]
pub struct ClaimedMessage {
    pub id: MessageId,
    pub campaign_id: CampaignId,
    pub channel: Channel,
    pub address: String,
    pub subject: String,
    pub html_body: String,
    pub text_body: String,
    /// Push: app, platform, image, link and data as JSON.
    pub payload: Option<String>,
    pub attempts: i64,
    /// The surface it goes through; none: the server's default for its channel.
    pub surface_id: Option<SurfaceId>,
    /// When it was accepted (for the give-up age of its retries).
    pub created_at: Millis,
    /// Its campaign's version, language variant and push platform, for the report counters.
    pub campaign_version: i64,
    pub locale: String,
    pub platform: String,
    /// Not sent after this instant (an audience send's window); `None`: no such limit.
    #[sqlx(default)]
    pub send_by: Option<Millis>,
    /// Marketing email: the one-click unsubscribe link for `List-Unsubscribe` (set by the worker).
    #[sqlx(skip)]
    pub unsubscribe_url: Option<String>,
    /// SMS: where the provider reports delivery (set by the worker).
    #[sqlx(skip)]
    pub status_callback_url: Option<String>,
}

impl ClaimedMessage {
    /// A plain-text email of Herald's own (an invitation, a password reset), outside any
    /// campaign: nothing is stored or counted for it.
    pub fn notice(to: &str, subject: &str, text: String) -> Self {
        Self {
            id: domain::ids::MessageId::new(),
            // No campaign: an id no campaign has.
            campaign_id: CampaignId::new(),
            channel: Channel::Email,
            address: to.to_owned(),
            subject: subject.to_owned(),
            html_body: String::new(),
            text_body: text,
            payload: None,
            attempts: 1,
            surface_id: None,
            created_at: crate::clock::now_ms(),
            campaign_version: 0,
            locale: String::new(),
            platform: String::new(),
            send_by: None,
            unsubscribe_url: None,
            status_callback_url: None,
        }
    }

    /// What its report counters are kept for.
    pub fn segment(&self) -> Segment {
        Segment {
            campaign_id: self.campaign_id,
            version: self.campaign_version,
            locale: self.locale.clone(),
            platform: self.platform.clone(),
        }
    }
}

/// Claims up to `limit` due messages for `lease_token` until `locked_until`.
pub async fn claim_due(
    conn: &mut Conn,
    lease_token: &str,
    now: Millis,
    locked_until: Millis,
    limit: i64,
) -> sqlx::Result<Vec<ClaimedMessage>> {
    super::outbox::claim_due(
        conn,
        "messages",
        "id, campaign_id, channel, address, subject, html_body, text_body, payload, attempts,
         surface_id, created_at, COALESCE(campaign_version, 0) AS campaign_version,
         COALESCE(locale, '') AS locale, COALESCE(platform, '') AS platform, send_by",
        lease_token,
        now,
        locked_until,
        limit,
    )
    .await
}

/// What became of one attempt.
pub enum Outcome {
    Sent,
    /// Try again at the given time.
    Retry {
        at: Millis,
    },
    /// Failed for good, for this reason.
    Failed(Failure),
}

impl Outcome {
    /// Its name in operators' metrics.
    pub fn as_str(&self) -> &'static str {
        match self {
            Outcome::Sent => "sent",
            Outcome::Retry { .. } => "retry",
            Outcome::Failed(_) => "failed",
        }
    }
}

pub struct Attempt<'a> {
    pub message_id: MessageId,
    pub lease_token: &'a str,
    pub attempt: i64,
    pub started_at: Millis,
    pub finished_at: Millis,
    pub provider: &'a str,
    pub outcome: Outcome,
    pub detail: Option<&'a str>,
}

/// Records an attempt and moves the message on, if the lease is still ours. Returns whether it was.
pub async fn finish_attempt(conn: &mut Conn, a: &Attempt<'_>) -> sqlx::Result<bool> {
    let (status, next_attempt_at, outcome) = match a.outcome {
        Outcome::Sent => (MessageStatus::Sent, a.finished_at, AttemptOutcome::Sent),
        Outcome::Retry { at } => (MessageStatus::Queued, at, AttemptOutcome::TransientFailure),
        Outcome::Failed(_) => (
            MessageStatus::Failed,
            a.finished_at,
            AttemptOutcome::PermanentFailure,
        ),
    };
    let updated = on!(&mut *conn, c => sqlx::query(
        "UPDATE messages
            SET status = $1, status_reason = $2, next_attempt_at = $3, provider = $4,
                locked_until = NULL, lease_token = NULL, updated_at = $5, reason_code = $8
          WHERE id = $6 AND lease_token = $7 AND status = 'sending'",
    )
    .bind(status)
    .bind(a.detail)
    .bind(next_attempt_at)
    .bind(a.provider)
    .bind(a.finished_at)
    .bind(a.message_id)
    .bind(a.lease_token)
    .bind(match a.outcome {
        Outcome::Failed(reason) => Some(reason),
        _ => None,
    })
    .execute(c).await
        .map(|r| r.rows_affected()))?
        == 1;
    if updated {
        on!(&mut *conn, c => sqlx::query(
            "INSERT INTO message_attempts (message_id, attempt, started_at, finished_at, provider, outcome, detail)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(a.message_id)
        .bind(a.attempt)
        .bind(a.started_at)
        .bind(a.finished_at)
        .bind(a.provider)
        .bind(outcome)
        .bind(a.detail)
        .execute(c).await
        .map(|r| r.rows_affected()))?;
    }
    Ok(updated)
}

/// Puts a claimed message back in the outbox until `at` without counting an attempt (pacing),
/// if the lease is still ours.
pub async fn put_back(
    conn: &mut Conn,
    id: MessageId,
    lease_token: &str,
    at: Millis,
) -> sqlx::Result<()> {
    on!(conn, c => sqlx::query(
        "UPDATE messages
            SET status = 'queued', attempts = attempts - 1, next_attempt_at = $1,
                locked_until = NULL, lease_token = NULL
          WHERE id = $2 AND lease_token = $3 AND status = 'sending'",
    )
    .bind(at)
    .bind(id)
    .bind(lease_token)
    .execute(c).await
        .map(drop))
}

/// Excludes a claimed message that will not be sent (no attempt was made), if the lease is
/// still ours; returns whether it was.
pub async fn exclude_claimed(
    conn: &mut Conn,
    id: MessageId,
    lease_token: &str,
    (class, reason): (Exclusion, &str),
    now: Millis,
) -> sqlx::Result<bool> {
    on!(conn, c => sqlx::query(
        "UPDATE messages
            SET status = 'excluded', status_reason = $1, reason_code = $5, attempts = attempts - 1,
                locked_until = NULL, lease_token = NULL, updated_at = $2
          WHERE id = $3 AND lease_token = $4 AND status = 'sending'",
    )
    .bind(reason)
    .bind(now)
    .bind(id)
    .bind(lease_token)
    .bind(class)
    .execute(c).await
        .map(|r| r.rows_affected() == 1))
}

/// The earliest time a queued message becomes due, if any message is waiting.
pub async fn next_due_at(pool: Reader<'_>) -> sqlx::Result<Option<Millis>> {
    on!(pool, c => sqlx::query_scalar(
        "SELECT MIN(CASE status WHEN 'queued' THEN next_attempt_at ELSE locked_until END)
           FROM messages WHERE status IN ('queued', 'sending')",
    )
    .fetch_one(c).await)
}

const MESSAGE_VIEW_COLUMNS: &str =
    "m.id, m.execution_id, e.request_id, m.campaign_id, c.title AS campaign_title,
     m.channel, m.address AS recipient, m.subject, m.html_body, m.text_body,
     CASE WHEN m.status = 'sent' AND m.delivered_at IS NOT NULL THEN 'delivered' ELSE m.status END
         AS status,
     m.status_reason,
     m.attempts, m.provider,
     (SELECT COUNT(*) FROM engagements g WHERE g.message_id = m.id AND g.kind = 'open') AS opens,
     (SELECT COUNT(*) FROM engagements g WHERE g.message_id = m.id AND g.kind = 'click') AS clicks,
     m.created_at, m.updated_at, m.content_dropped_at";

/// The newest messages of a sandbox first.
pub async fn recent_messages(
    pool: Reader<'_>,
    sandbox_id: &str,
    limit: i64,
) -> sqlx::Result<Vec<MessageView>> {
    on!(pool, c => sqlx::query_as(&format!(
        "SELECT {MESSAGE_VIEW_COLUMNS}
           FROM messages m JOIN campaigns c ON c.id = m.campaign_id
                JOIN executions e ON e.id = m.execution_id
          WHERE c.sandbox_id = $1
          ORDER BY m.created_at DESC, m.id DESC
          LIMIT $2"
    ))
    .bind(sandbox_id)
    .bind(limit)
    .fetch_all(c).await)
}

/// One message, if its campaign is in this sandbox.
pub async fn message(
    pool: Reader<'_>,
    sandbox_id: &str,
    id: MessageId,
) -> sqlx::Result<Option<MessageView>> {
    on!(pool, c => sqlx::query_as(&format!(
        "SELECT {MESSAGE_VIEW_COLUMNS}
           FROM messages m JOIN campaigns c ON c.id = m.campaign_id
                JOIN executions e ON e.id = m.execution_id
          WHERE m.id = $1 AND c.sandbox_id = $2"
    ))
    .bind(id)
    .bind(sandbox_id)
    .fetch_optional(c).await)
}

/// One page of a sandbox's messages matching `query`, newest first, and how many match.
pub async fn find(
    pool: Reader<'_>,
    sandbox_id: &str,
    query: &domain::message_query::MessageQuery,
) -> sqlx::Result<(Vec<MessageView>, i64)> {
    fn filters<'a, Db: Database>(
        q: &mut QueryBuilder<'a, Db>,
        sandbox_id: &'a str,
        query: &'a domain::message_query::MessageQuery,
    ) where
        &'a str: Encode<'a, Db> + Type<Db>,
        i64: Encode<'a, Db> + Type<Db>,
        MessageStatus: Encode<'a, Db> + Type<Db>,
    {
        q.push(" FROM messages m JOIN campaigns c ON c.id = m.campaign_id")
            .push(" JOIN executions e ON e.id = m.execution_id WHERE c.sandbox_id = ")
            .push_bind(sandbox_id);
        let exact = [
            (" AND m.address = ", &query.recipient),
            (" AND e.request_id = ", &query.request_id),
            (" AND m.execution_id = ", &query.execution_id),
            (" AND m.campaign_id = ", &query.campaign_id),
        ];
        for (clause, value) in exact {
            if let Some(v) = value {
                q.push(clause).push_bind(v.as_str());
            }
        }
        if let Some(status) = query.status {
            q.push(" AND m.status = ").push_bind(status);
        }
        if let Some(reason) = query.reason {
            q.push(" AND m.reason_code = ").push_bind(reason.as_str());
        }
        q.push(match query.engagement {
            None => "",
            Some(Engagement::Opened) => " AND m.opened_at IS NOT NULL",
            Some(Engagement::Clicked) => " AND m.clicked_at IS NOT NULL",
            // The opt-out row names the message whose link was used (looked up by its key).
            Some(Engagement::Unsubscribed) => {
                " AND EXISTS (SELECT 1 FROM opt_outs o
                               WHERE o.sandbox_id = c.sandbox_id AND o.channel = m.channel
                                 AND o.address = m.address AND o.message_id = m.id
                                 AND o.source = 'unsubscribe_link')"
            }
        });
        if let Some(link) = &query.link {
            q.push(
                " AND m.clicked_at IS NOT NULL AND EXISTS (SELECT 1 FROM engagements g
                   WHERE g.message_id = m.id AND g.kind = 'click' AND g.url = ",
            )
            .push_bind(link.as_str())
            .push(")");
        }
        if let Some(platform) = query.platform {
            q.push(" AND m.platform = ").push_bind(platform);
        }
        if let Some(version) = query.version {
            q.push(" AND m.campaign_version = ").push_bind(version);
        }
        if let Some(language) = &query.language {
            q.push(" AND COALESCE(m.locale, '') = ")
                .push_bind(language.as_str());
        }
        if let Some(from) = query.from {
            q.push(" AND m.created_at >= ").push_bind(from);
        }
        if let Some(to) = query.to {
            q.push(" AND m.created_at <= ").push_bind(to);
        }
    }
    on!(pool, c, Db => {
        let mut count = QueryBuilder::<Db>::new("SELECT COUNT(*)");
        filters(&mut count, sandbox_id, query);
        let total: i64 = count.build_query_scalar().fetch_one(c).await?;
        let mut select = QueryBuilder::<Db>::new(format!("SELECT {MESSAGE_VIEW_COLUMNS}"));
        filters(&mut select, sandbox_id, query);
        let per_page = i64::from(domain::message_query::MESSAGE_PAGE_SIZE);
        select
            .push(" ORDER BY m.created_at DESC, m.id DESC LIMIT ")
            .push_bind(per_page)
            .push(" OFFSET ")
            .push_bind((i64::from(query.page) - 1) * per_page);
        let items = select.build_query_as().fetch_all(c).await?;
        Ok((items, total))
    })
}

/// Records a provider's delivery receipt for a sent message. Returns whether it changed anything.
pub async fn mark_delivered(conn: &mut Conn, id: MessageId, now: Millis) -> sqlx::Result<bool> {
    Ok(on!(conn, c => sqlx::query(
        "UPDATE messages SET delivered_at = $1, updated_at = $1
          WHERE id = $2 AND status = 'sent' AND delivered_at IS NULL",
    )
    .bind(now)
    .bind(id)
    .execute(c).await
        .map(|r| r.rows_affected()))?
        == 1)
}

/// Records that a provider could not deliver a message it had accepted.
pub async fn mark_undelivered(
    conn: &mut Conn,
    id: MessageId,
    reason: &str,
    now: Millis,
) -> sqlx::Result<bool> {
    Ok(on!(conn, c => sqlx::query(
        "UPDATE messages SET status = 'failed', status_reason = $1, updated_at = $2, reason_code = $4
          WHERE id = $3 AND status = 'sent'",
    )
    .bind(reason)
    .bind(now)
    .bind(id)
    .bind(Failure::Undelivered)
    .execute(c).await
        .map(|r| r.rows_affected()))?
        == 1)
}

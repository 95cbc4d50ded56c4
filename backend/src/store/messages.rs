//! The outbox side of messages: claiming under a lease, recording attempts, listing.
//!
//! Invariants:
//! - A worker claims due rows under a lease ([`super::outbox::claim_due`]); a row whose lease
//!   expired (its worker died) is due again.
//! - A worker may only finish a row while it still holds that row's lease token, so a late
//!   result from a worker whose lease expired never overwrites a newer attempt's outcome.

use super::engine::{Engine, Sides, on};
use super::{Conn, MAX_VARIABLES, Reader};
use crate::clock::Millis;
use domain::channel::Channel;
use domain::delivery::{AttemptOutcome, MessageStatus, Outgoing};
use domain::ids::{CampaignId, MessageId, SurfaceId};
use domain::message_query::Engagement;
use domain::report::{Exclusion, Failure, Segment};
use domain::views::MessageView;
use sqlx::{Database, Encode, FromRow, QueryBuilder, Type};
use std::collections::HashSet;

/// A message claimed from the outbox: what is sent, and what its delivery needs to know.
#[derive(Debug, Clone, FromRow)]
pub struct ClaimedMessage {
    #[sqlx(flatten)]
    pub outgoing: Outgoing,
    pub campaign_id: CampaignId,
    pub channel: Channel,
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
}

impl ClaimedMessage {
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
#[derive(Debug, Clone, Copy)]
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

impl Attempt<'_> {
    /// The message's status after this attempt, when it is next due, and the attempt's outcome.
    fn effect(&self) -> (MessageStatus, Millis, AttemptOutcome) {
        match self.outcome {
            Outcome::Sent => (MessageStatus::Sent, self.finished_at, AttemptOutcome::Sent),
            Outcome::Retry { at } => (MessageStatus::Queued, at, AttemptOutcome::TransientFailure),
            Outcome::Failed(_) => (
                MessageStatus::Failed,
                self.finished_at,
                AttemptOutcome::PermanentFailure,
            ),
        }
    }

    fn reason_code(&self) -> Option<&'static str> {
        match self.outcome {
            Outcome::Failed(reason) => Some(reason.as_str()),
            _ => None,
        }
    }
}

/// Records a group's attempts and moves each message on, for those whose lease is still the
/// attempt's (the others' outcomes are dropped: see the module's invariants). Returns the
/// (message, attempt number) of each attempt it recorded. Two statements for the whole group
/// on either engine.
pub async fn finish_attempts(
    conn: &mut Conn,
    attempts: &[Attempt<'_>],
) -> sqlx::Result<HashSet<(MessageId, i64)>> {
    let mut recorded = HashSet::with_capacity(attempts.len());
    match conn.sides() {
        Sides::Postgres(c) => {
            let column = |f: &dyn Fn(&Attempt) -> Option<String>| -> Vec<Option<String>> {
                attempts.iter().map(f).collect()
            };
            let ids: Vec<(MessageId, i64)> = sqlx::query_as(
                "UPDATE messages m
                    SET status = v.status, status_reason = v.detail, next_attempt_at = v.next_at,
                        provider = v.provider, locked_until = NULL, lease_token = NULL,
                        updated_at = v.finished_at, reason_code = v.reason_code
                   FROM UNNEST($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[],
                               $6::bigint[], $7::text[], $8::text[])
                        AS v(id, lease_token, status, next_at, provider, finished_at, detail, reason_code)
                  WHERE m.id = v.id AND m.lease_token = v.lease_token AND m.status = 'sending'
              RETURNING m.id, m.attempts",
            )
            .bind(column(&|a| Some(a.message_id.to_string())))
            .bind(column(&|a| Some(a.lease_token.to_owned())))
            .bind(column(&|a| Some(a.effect().0.as_str().to_owned())))
            .bind(attempts.iter().map(|a| a.effect().1).collect::<Vec<_>>())
            .bind(column(&|a| Some(a.provider.to_owned())))
            .bind(attempts.iter().map(|a| a.finished_at).collect::<Vec<_>>())
            .bind(column(&|a| a.detail.map(str::to_owned)))
            .bind(column(&|a| a.reason_code().map(str::to_owned)))
            .fetch_all(&mut *c)
            .await?;
            recorded.extend(ids);
            let done: Vec<&Attempt> = attempts
                .iter()
                .filter(|a| recorded.contains(&(a.message_id, a.attempt)))
                .collect();
            sqlx::query(
                "INSERT INTO message_attempts
                        (message_id, attempt, started_at, finished_at, provider, outcome, detail)
                 SELECT * FROM UNNEST($1::text[], $2::bigint[], $3::bigint[], $4::bigint[],
                                      $5::text[], $6::text[], $7::text[])",
            )
            .bind(
                done.iter()
                    .map(|a| a.message_id.to_string())
                    .collect::<Vec<_>>(),
            )
            .bind(done.iter().map(|a| a.attempt).collect::<Vec<_>>())
            .bind(done.iter().map(|a| a.started_at).collect::<Vec<_>>())
            .bind(done.iter().map(|a| a.finished_at).collect::<Vec<_>>())
            .bind(done.iter().map(|a| a.provider).collect::<Vec<_>>())
            .bind(
                done.iter()
                    .map(|a| a.effect().2.as_str())
                    .collect::<Vec<_>>(),
            )
            .bind(done.iter().map(|a| a.detail).collect::<Vec<_>>())
            .execute(&mut *c)
            .await?;
        }
        Sides::Sqlite(c) => {
            for chunk in attempts.chunks(MAX_VARIABLES / 8) {
                let mut q = QueryBuilder::<sqlx::Sqlite>::new(
                    "WITH v(id, lease_token, status, next_at, provider, finished_at, detail, reason_code) AS (",
                );
                q.push_values(chunk, |mut row, a| {
                    let (status, next_at, _) = a.effect();
                    row.push_bind(a.message_id)
                        .push_bind(a.lease_token)
                        .push_bind(status)
                        .push_bind(next_at)
                        .push_bind(a.provider)
                        .push_bind(a.finished_at)
                        .push_bind(a.detail)
                        .push_bind(a.reason_code());
                });
                q.push(
                    ")
                     UPDATE messages
                        SET status = v.status, status_reason = v.detail, next_attempt_at = v.next_at,
                            provider = v.provider, locked_until = NULL, lease_token = NULL,
                            updated_at = v.finished_at, reason_code = v.reason_code
                       FROM v
                      WHERE messages.id = v.id AND messages.lease_token = v.lease_token
                        AND messages.status = 'sending'
                  RETURNING messages.id, messages.attempts",
                );
                let ids: Vec<(MessageId, i64)> = q
                    .build_query_as()
                    .persistent(false)
                    .fetch_all(&mut *c)
                    .await?;
                recorded.extend(ids);
                let done: Vec<&Attempt> = chunk
                    .iter()
                    .filter(|a| recorded.contains(&(a.message_id, a.attempt)))
                    .collect();
                if done.is_empty() {
                    continue;
                }
                let mut q = QueryBuilder::<sqlx::Sqlite>::new(
                    "INSERT INTO message_attempts
                            (message_id, attempt, started_at, finished_at, provider, outcome, detail) ",
                );
                q.push_values(done, |mut row, a| {
                    row.push_bind(a.message_id)
                        .push_bind(a.attempt)
                        .push_bind(a.started_at)
                        .push_bind(a.finished_at)
                        .push_bind(a.provider)
                        .push_bind(a.effect().2)
                        .push_bind(a.detail);
                });
                q.build().persistent(false).execute(&mut *c).await?;
            }
        }
    }
    Ok(recorded)
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

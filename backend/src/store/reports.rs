//! Report counters (`report_counts`): written by [`add`] in the transaction that changes a
//! message or records an event, read summed over a range. The counting rule is
//! `domain::report`'s; nothing here counts `messages`.
//!
//! Each increment goes to two rows: its minute (kept [`MINUTE_COUNTERS_KEPT_MS`], for live
//! reports by the minute) and its hour (kept with the campaign, for everything else), so a
//! report reads at most a few thousand rows however many messages it covers. Rows are written
//! in key order, so concurrent transactions (several nodes on PostgreSQL) lock them in the same
//! order and cannot deadlock.

use super::engine::{Engine, Sides, on};
use super::{Conn, Reader};
use crate::clock::Millis;
use domain::ids::CampaignId;
use domain::report::{
    BucketSum, CounterSum, HOUR_MS, MINUTE_COUNTERS_KEPT_MS, MINUTE_MS, Metric, ReportQuery,
    SERIES_METRICS, Tally,
};
use sqlx::QueryBuilder;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};

/// One counter row a tally writes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct RowKey<'a> {
    resolution: &'static str,
    bucket: Millis,
    campaign_id: CampaignId,
    version: i64,
    locale: &'a str,
    platform: &'a str,
    metric: Metric,
    detail: &'a str,
}

/// The rows a tally becomes (a minute row and an hour row per increment), summed, in key order.
fn rows(tally: &Tally) -> BTreeMap<RowKey<'_>, i64> {
    let mut rows = BTreeMap::new();
    for (k, n) in tally.iter() {
        let s = &k.segment;
        for (resolution, width) in [("minute", MINUTE_MS), ("hour", HOUR_MS)] {
            let key = RowKey {
                resolution,
                bucket: k.minute - k.minute.rem_euclid(width),
                campaign_id: s.campaign_id,
                version: s.version,
                locale: &s.locale,
                platform: &s.platform,
                metric: k.metric,
                detail: &k.detail,
            };
            *rows.entry(key).or_default() += n;
        }
    }
    rows
}

/// Whether [`add`] writes: off only to measure what the counters cost (`HERALD_REPORT_COUNTERS`,
/// a benchmark's A/B switch for the whole process; reports then show nothing new).
static KEEP_COUNTERS: AtomicBool = AtomicBool::new(true);

/// Turns the counters on or off for this process (see [`KEEP_COUNTERS`]).
pub fn keep_counters(on: bool) {
    KEEP_COUNTERS.store(on, Ordering::Relaxed);
}

/// Adds a transaction's increments to the counters.
pub async fn add(conn: &mut Conn, tally: &Tally) -> sqlx::Result<()> {
    if tally.is_empty() || !KEEP_COUNTERS.load(Ordering::Relaxed) {
        return Ok(());
    }
    let rows = rows(tally);
    match conn.sides() {
        // Fixed text with the rows as arrays: prepared once per connection.
        Sides::Postgres(c) => {
            let text = |f: fn(&RowKey<'_>) -> String| rows.keys().map(f).collect::<Vec<_>>();
            let number = |f: fn(&RowKey<'_>) -> i64| rows.keys().map(f).collect::<Vec<_>>();
            sqlx::query(
                "INSERT INTO report_counts (resolution, bucket, campaign_id, version, locale, platform, metric, detail, count)
                 SELECT * FROM UNNEST($1::text[], $2::bigint[], $3::text[], $4::bigint[], $5::text[],
                                      $6::text[], $7::text[], $8::text[], $9::bigint[])
                 ON CONFLICT (campaign_id, resolution, bucket, version, locale, platform, metric, detail)
                 DO UPDATE SET count = report_counts.count + excluded.count",
            )
            .bind(text(|k| k.resolution.to_owned()))
            .bind(number(|k| k.bucket))
            .bind(text(|k| k.campaign_id.to_string()))
            .bind(number(|k| k.version))
            .bind(text(|k| k.locale.to_owned()))
            .bind(text(|k| k.platform.to_owned()))
            .bind(text(|k| k.metric.as_str().to_owned()))
            .bind(text(|k| k.detail.to_owned()))
            .bind(rows.values().copied().collect::<Vec<_>>())
            .execute(c)
            .await
            .map(drop)
        }
        Sides::Sqlite(c) => {
            let rows: Vec<_> = rows.into_iter().collect();
            for chunk in rows.chunks(super::MAX_VARIABLES / 9) {
                let mut q = QueryBuilder::<sqlx::Sqlite>::new(
                    "INSERT INTO report_counts (resolution, bucket, campaign_id, version, locale, platform, metric, detail, count) ",
                );
                q.push_values(chunk, |mut row, (k, n)| {
                    row.push_bind(k.resolution)
                        .push_bind(k.bucket)
                        .push_bind(k.campaign_id)
                        .push_bind(k.version)
                        .push_bind(k.locale)
                        .push_bind(k.platform)
                        .push_bind(k.metric)
                        .push_bind(k.detail)
                        .push_bind(*n);
                });
                q.push(
                    " ON CONFLICT (campaign_id, resolution, bucket, version, locale, platform, metric, detail)
                      DO UPDATE SET count = report_counts.count + excluded.count",
                );
                q.build().persistent(false).execute(&mut *c).await?;
            }
            Ok(())
        }
    }
}

/// Whose counters a report sums.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    Campaign(CampaignId),
    Sandbox(&'a str),
}

impl Scope<'_> {
    /// The condition on `campaign_id`, with its value bound as `$1`.
    fn condition(&self) -> &'static str {
        match self {
            Scope::Campaign(_) => "campaign_id = $1",
            Scope::Sandbox(_) => "campaign_id IN (SELECT id FROM campaigns WHERE sandbox_id = $1)",
        }
    }

    fn value(&self) -> String {
        match self {
            Scope::Campaign(id) => id.to_string(),
            Scope::Sandbox(s) => (*s).to_owned(),
        }
    }
}

/// The counters of the query's range summed by segment, metric and detail.
pub async fn sums(
    pool: Reader<'_>,
    scope: Scope<'_>,
    query: &ReportQuery,
) -> sqlx::Result<Vec<CounterSum>> {
    on!(pool, c => sqlx::query_as(&format!(
        "SELECT version, locale, platform, metric, detail, CAST(SUM(count) AS BIGINT) AS count
           FROM report_counts
          WHERE {} AND resolution = $2 AND bucket >= $3 AND bucket < $4
          GROUP BY version, locale, platform, metric, detail",
        scope.condition()
    ))
    .bind(scope.value())
    .bind(query.resolution().as_str())
    .bind(query.from)
    .bind(query.to)
    .fetch_all(c).await)
}

/// The time series' metrics summed by bucket of the query.
pub async fn buckets(
    pool: Reader<'_>,
    scope: Scope<'_>,
    query: &ReportQuery,
) -> sqlx::Result<Vec<BucketSum>> {
    let metrics: Vec<String> = SERIES_METRICS
        .iter()
        .map(|m| format!("'{}'", m.as_str()))
        .collect();
    on!(pool, c => sqlx::query_as(&format!(
        "SELECT (bucket + $5) / $6 * $6 - $5 AS at, metric, CAST(SUM(count) AS BIGINT) AS count
           FROM report_counts
          WHERE {} AND resolution = $2 AND bucket >= $3 AND bucket < $4
            AND metric IN ({})
          GROUP BY (bucket + $5) / $6, metric",
        scope.condition(),
        metrics.join(", ")
    ))
    .bind(scope.value())
    .bind(query.resolution().as_str())
    .bind(query.from)
    .bind(query.to)
    .bind(query.offset_ms)
    .bind(query.bucket.width_ms())
    .fetch_all(c).await)
}

/// Per campaign of a sandbox in the range: (campaign, failed, finished), most failed first.
pub async fn most_failed(
    pool: Reader<'_>,
    sandbox_id: &str,
    query: &ReportQuery,
    limit: i64,
) -> sqlx::Result<Vec<(CampaignId, String, i64, i64)>> {
    on!(pool, c => sqlx::query_as(
        "SELECT r.campaign_id, c.title,
                CAST(SUM(CASE WHEN r.metric = 'failed' THEN r.count ELSE 0 END) AS BIGINT) AS failed,
                CAST(SUM(CASE WHEN r.metric = 'sent' THEN r.count
                              WHEN r.metric = 'failed' AND r.detail <> 'undelivered' THEN r.count
                              ELSE 0 END) AS BIGINT) AS finished
           FROM report_counts r JOIN campaigns c ON c.id = r.campaign_id
          WHERE c.sandbox_id = $1 AND r.resolution = $2 AND r.bucket >= $3 AND r.bucket < $4
            AND r.metric IN ('failed', 'sent')
          GROUP BY r.campaign_id, c.title
         HAVING SUM(CASE WHEN r.metric = 'failed' THEN r.count ELSE 0 END) > 0
          ORDER BY failed DESC, c.title
          LIMIT $5",
    )
    .bind(sandbox_id)
    .bind(query.resolution().as_str())
    .bind(query.from)
    .bind(query.to)
    .bind(limit)
    .fetch_all(c).await)
}

/// A campaign's recent numbers, for the campaign list.
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct Activity {
    pub campaign_id: CampaignId,
    pub sent: i64,
    pub failed: i64,
    /// Sent or failed before sending (the failure rate's denominator).
    pub finished: i64,
    /// When its newest message was accepted.
    pub last_triggered_at: Option<Millis>,
}

/// For the campaign list: each campaign's numbers since `since` (hour rows from the hour that
/// holds it) and when it was last triggered.
pub async fn recent_activity(
    pool: Reader<'_>,
    campaign_ids: &[CampaignId],
    since: Millis,
) -> sqlx::Result<Vec<Activity>> {
    if campaign_ids.is_empty() {
        return Ok(Vec::new());
    }
    let from = since - since.rem_euclid(HOUR_MS);
    on!(pool, c, Db => {
        let mut q = QueryBuilder::<Db>::new(
            "SELECT c.id AS campaign_id,
                    CAST(COALESCE(SUM(CASE WHEN r.metric = 'sent' THEN r.count END), 0) AS BIGINT) AS sent,
                    CAST(COALESCE(SUM(CASE WHEN r.metric = 'failed' THEN r.count END), 0) AS BIGINT) AS failed,
                    CAST(COALESCE(SUM(CASE WHEN r.metric = 'sent' THEN r.count
                                           WHEN r.metric = 'failed' AND r.detail <> 'undelivered'
                                           THEN r.count END), 0) AS BIGINT) AS finished,
                    (SELECT MAX(m.created_at) FROM messages m WHERE m.campaign_id = c.id)
                        AS last_triggered_at
               FROM campaigns c
               LEFT JOIN report_counts r ON r.campaign_id = c.id AND r.resolution = 'hour'
                    AND r.metric IN ('sent', 'failed') AND r.bucket >= ",
        );
        q.push_bind(from).push(" WHERE c.id IN (");
        let mut ids = q.separated(", ");
        for id in campaign_ids {
            ids.push_bind(id.to_string());
        }
        q.push(") GROUP BY c.id");
        q.build_query_as().fetch_all(c).await
    })
}

/// Deletes up to `limit` minute counters older than they are kept; returns how many.
pub async fn purge_old_minutes(conn: &mut Conn, now: Millis, limit: i64) -> sqlx::Result<u64> {
    on!(conn, c => sqlx::query(
        "DELETE FROM report_counts
          WHERE resolution = 'minute' AND (campaign_id, bucket) IN (
                SELECT campaign_id, bucket FROM report_counts
                 WHERE resolution = 'minute' AND bucket < $1 LIMIT $2)",
    )
    .bind(now - MINUTE_COUNTERS_KEPT_MS)
    .bind(limit)
    .execute(c).await
        .map(|r| r.rows_affected()))
}

//! Operators' metrics: what Herald counts while it works (through the `metrics` facade; the
//! server exports them in Prometheus' text format at `GET /metrics`) and the gauges read from
//! the database when they are scraped.
//!
//! Invariants:
//! - Every metric is named and described here, once.
//! - Labels take bounded values only — channels, provider names, outcome codes, route templates,
//!   pool names — never an address, a profile, a message or any other id of a person.
//! - Counters move after the transaction they describe commits.
//! - Counters and histograms belong to the node that did the work; the backlog gauges are read
//!   from the shared database, so every node of a cluster reports the same backlog.
//! - A scrape never counts a table: rows per table are counted in the background at most once
//!   per [`TABLE_ROWS_EVERY`] (a second or so per 10 million rows) and published as last
//!   counted; the System page's fresh count refreshes them too.

use crate::Herald;
use crate::clock::{Millis, now_ms};
use crate::error::Result;
use crate::store::PoolUsage;
use crate::store::outbox::{self, Backlog};
use crate::store::system;
use domain::channel::Channel;
use metrics::{Unit, counter, describe_counter, describe_gauge, describe_histogram, histogram};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const TRIGGER_CALLS: &str = "herald_trigger_calls_total";
const RECIPIENTS_ACCEPTED: &str = "herald_recipients_accepted_total";
const HTTP_REQUEST_DURATION: &str = "herald_http_request_duration_seconds";
const DELIVERIES: &str = "herald_deliveries_total";
const SEND_DURATION: &str = "herald_send_duration_seconds";
const WEBHOOK_DELIVERIES: &str = "herald_webhook_deliveries_total";
const OUTBOX_MESSAGES: &str = "herald_outbox_messages";
const OUTBOX_OLDEST_DUE_AGE: &str = "herald_outbox_oldest_due_age_seconds";
const WEBHOOK_BACKLOG: &str = "herald_webhook_backlog_deliveries";
const WEBHOOK_OLDEST_DUE_AGE: &str = "herald_webhook_oldest_due_age_seconds";
const DB_CONNECTIONS: &str = "herald_db_connections";
const DB_CONNECTIONS_MAX: &str = "herald_db_connections_max";
const DATABASE_SIZE: &str = "herald_database_size_bytes";
const OLDEST_MESSAGE_AGE: &str = "herald_oldest_message_age_seconds";
const TABLE_ROWS: &str = "herald_table_rows";

/// How old the published row counts may grow before a scrape has them counted again.
pub const TABLE_ROWS_EVERY: Duration = Duration::from_secs(600);

/// The upper bounds (seconds) of the latency histograms: 1 ms to 30 s.
pub const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// Describes every metric to the installed recorder (call once, after installing it).
pub fn describe() {
    describe_counter!(
        TRIGGER_CALLS,
        "Trigger calls answered, by endpoint and outcome (accepted, replayed, dry_run or the error code)"
    );
    describe_counter!(
        RECIPIENTS_ACCEPTED,
        "Recipients accepted by trigger calls (committed), by channel"
    );
    describe_histogram!(
        HTTP_REQUEST_DURATION,
        Unit::Seconds,
        "HTTP request latency, by method, route template and status"
    );
    describe_counter!(
        DELIVERIES,
        "Delivery attempts recorded, by channel, provider and outcome (sent, retry, failed, excluded)"
    );
    describe_histogram!(
        SEND_DURATION,
        Unit::Seconds,
        "Time a provider took to take one message, by channel and provider"
    );
    describe_counter!(
        WEBHOOK_DELIVERIES,
        "Webhook deliveries attempted, by outcome (delivered, retry, failed)"
    );
    describe_gauge!(
        OUTBOX_MESSAGES,
        "Messages in the outbox, by state: due (waiting for a worker), scheduled (a retry or paced slot later), sending"
    );
    describe_gauge!(
        OUTBOX_OLDEST_DUE_AGE,
        Unit::Seconds,
        "How long the longest-waiting due message has waited: grows when delivery needs more workers"
    );
    describe_gauge!(
        WEBHOOK_BACKLOG,
        "Webhook deliveries not yet made, by state (due, scheduled, sending)"
    );
    describe_gauge!(
        WEBHOOK_OLDEST_DUE_AGE,
        Unit::Seconds,
        "How long the longest-waiting due webhook delivery has waited"
    );
    describe_gauge!(
        DB_CONNECTIONS,
        "Database connections of this node, by pool and state (in_use, idle)"
    );
    describe_gauge!(
        DB_CONNECTIONS_MAX,
        "The most connections each pool of this node may open"
    );
    describe_gauge!(DATABASE_SIZE, Unit::Bytes, "The database's size on disk");
    describe_gauge!(
        OLDEST_MESSAGE_AGE,
        Unit::Seconds,
        "Age of the oldest message kept: retention keeps it below the message age"
    );
    describe_gauge!(
        TABLE_ROWS,
        "Rows of each table that grows with use, as last counted (at most 10 minutes ago)"
    );
}

/// A trigger call answered: `outcome` is `accepted`, `replayed`, `dry_run` or an error code.
pub fn trigger_call(endpoint: &'static str, outcome: &'static str) {
    counter!(TRIGGER_CALLS, "endpoint" => endpoint, "outcome" => outcome).increment(1);
}

/// Recipients of one committed trigger call.
pub fn recipients_accepted(channel: Channel, count: usize) {
    counter!(RECIPIENTS_ACCEPTED, "channel" => channel.as_str()).increment(count as u64);
}

/// One HTTP request answered (`route` is the matched template, never the path itself).
pub fn http_request(method: &'static str, route: String, status: u16, took: Duration) {
    histogram!(
        HTTP_REQUEST_DURATION,
        "method" => method,
        "route" => route,
        "status" => status.to_string()
    )
    .record(took.as_secs_f64());
}

/// A delivery attempt (or exclusion) recorded.
pub fn delivery(channel: Channel, provider: &'static str, outcome: &'static str) {
    counter!(DELIVERIES, "channel" => channel.as_str(), "provider" => provider, "outcome" => outcome)
        .increment(1);
}

/// How long one provider call took.
pub fn send_took(channel: Channel, provider: &'static str, took: Duration) {
    histogram!(SEND_DURATION, "channel" => channel.as_str(), "provider" => provider)
        .record(took.as_secs_f64());
}

/// A webhook delivery attempted.
pub fn webhook_delivery(outcome: &'static str) {
    counter!(WEBHOOK_DELIVERIES, "outcome" => outcome).increment(1);
}

/// What waits and what is in use, read when metrics are scraped.
#[derive(Debug, Clone)]
pub struct Gauges {
    pub at: Millis,
    pub outbox: Backlog,
    pub webhooks: Backlog,
    pub pools: Vec<PoolUsage>,
    pub database_bytes: i64,
    pub oldest_message_at: Option<Millis>,
    /// As last counted; empty until the first count ends.
    pub table_rows: RowCounts,
}

impl Gauges {
    /// Sets the gauges on the installed recorder.
    pub fn publish(&self) {
        for (name, age_name, backlog) in [
            (OUTBOX_MESSAGES, OUTBOX_OLDEST_DUE_AGE, &self.outbox),
            (WEBHOOK_BACKLOG, WEBHOOK_OLDEST_DUE_AGE, &self.webhooks),
        ] {
            for (state, n) in [
                ("due", backlog.due),
                ("scheduled", backlog.scheduled),
                ("sending", backlog.sending),
            ] {
                metrics::gauge!(name, "state" => state).set(n as f64);
            }
            let waited = backlog.oldest_due_at.map_or(0, |at| (self.at - at).max(0));
            metrics::gauge!(age_name).set(waited as f64 / 1_000.0);
        }
        for pool in &self.pools {
            let in_use = pool.open.saturating_sub(pool.idle);
            for (state, n) in [("in_use", in_use), ("idle", pool.idle)] {
                metrics::gauge!(DB_CONNECTIONS, "pool" => pool.name, "state" => state)
                    .set(f64::from(n));
            }
            metrics::gauge!(DB_CONNECTIONS_MAX, "pool" => pool.name).set(f64::from(pool.max));
        }
        metrics::gauge!(DATABASE_SIZE).set(self.database_bytes as f64);
        if let Some(at) = self.oldest_message_at {
            metrics::gauge!(OLDEST_MESSAGE_AGE).set((self.at - at).max(0) as f64 / 1_000.0);
        }
        for (table, rows) in &self.table_rows {
            metrics::gauge!(TABLE_ROWS, "table" => *table).set(*rows as f64);
        }
    }
}

/// Rows of each table: (table, rows).
type RowCounts = Vec<(&'static str, i64)>;

/// The last row counts of [`system::GROWING_TABLES`], and whether a count is under way.
#[derive(Default)]
pub(crate) struct TableRows {
    last: Mutex<Option<(Instant, RowCounts)>>,
    counting: AtomicBool,
}

impl TableRows {
    fn keep(&self, rows: RowCounts) {
        *self.last.lock().expect("table rows lock") = Some((Instant::now(), rows));
    }
}

impl Herald {
    /// The backlogs and pool use now.
    pub async fn gauges(&self) -> Result<Gauges> {
        let at = now_ms();
        let reader = self.store().reader();
        Ok(Gauges {
            at,
            outbox: outbox::backlog(reader, "messages", at).await?,
            webhooks: outbox::backlog(reader, "webhook_deliveries", at).await?,
            pools: self.store().pool_usage(),
            database_bytes: system::size_bytes(reader).await?,
            oldest_message_at: system::oldest_message_at(reader).await?,
            table_rows: self.last_table_rows(),
        })
    }

    /// The row counts as last counted; starts a count in the background when they are
    /// missing or older than [`TABLE_ROWS_EVERY`] and none is under way.
    fn last_table_rows(&self) -> RowCounts {
        let counts = &self.inner.table_rows;
        let last = counts.last.lock().expect("table rows lock").clone();
        let stale = last
            .as_ref()
            .is_none_or(|(at, _)| at.elapsed() >= TABLE_ROWS_EVERY);
        if stale && !counts.counting.swap(true, Ordering::AcqRel) {
            let herald = self.clone();
            tokio::spawn(async move {
                let counts = &herald.inner.table_rows;
                match system::row_counts(herald.store().reader()).await {
                    Ok(rows) => counts.keep(rows),
                    Err(e) => tracing::warn!(error = %e, "could not count the rows of the tables"),
                }
                counts.counting.store(false, Ordering::Release);
            });
        }
        last.map(|(_, rows)| rows).unwrap_or_default()
    }

    /// What the database holds, for the System page (counts rows: not for every scrape).
    pub async fn system(&self) -> Result<domain::views::SystemView> {
        let reader = self.store().reader();
        let tables = system::row_counts(reader).await?;
        self.inner.table_rows.keep(tables.clone());
        Ok(domain::views::SystemView {
            engine: match reader.dialect() {
                crate::store::engine::Dialect::Sqlite => "SQLite",
                crate::store::engine::Dialect::Postgres => "PostgreSQL",
            }
            .to_owned(),
            database_bytes: system::size_bytes(reader).await?,
            oldest_message_at: system::oldest_message_at(reader).await?,
            tables: tables.into_iter().map(|(t, n)| (t.to_owned(), n)).collect(),
            storage_full_since: self.storage_full_since(),
            retention: self.settings().retention,
        })
    }
}

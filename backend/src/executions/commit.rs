//! Group commit of accepted trigger calls.
//!
//! With `synchronous=FULL` every commit waits for the disk, so one transaction per call caps
//! Herald at a few thousand calls per second. Instead, calls wait in a queue and one task commits
//! all calls that are waiting in one transaction: the disk is flushed once for the whole group.
//!
//! Invariants:
//! - A caller gets its answer only after the transaction holding its execution committed; if the
//!   commit fails, every call of the group gets an error and none of them was accepted.
//! - A group is written with a few multi-row statements (one lookup of all idempotency keys, one
//!   insert per table), so the per-statement cost is paid per group, not per call.
//! - The idempotency check runs inside the same transaction, after the group's keys are locked
//!   (SQLite: the one writer connection; PostgreSQL: an advisory lock per key, which also keeps
//!   apart the groups of other committers and other nodes), so a key used twice in one group (or
//!   across groups) is accepted once; the rest are replays or conflicts, exactly as if the calls
//!   had come one by one.
//! - Messages to suppressed or opted-out addresses are excluded in the same transaction, by one
//!   statement per list for the whole group (a read per call would cost a thread hand-off each).
//! - The report counters of the group's messages (targeted, excluded) move in the same
//!   transaction, written last so their rows stay locked for the shortest time.
//! - Profiles a call creates are created in its group's transaction, only if the call is
//!   accepted (not a replay), and only if no profile has the identity by then.

use super::Accepted;
use crate::clock::Millis;
use crate::error::{Error, ErrorKind, Result};
use crate::storage_alarm::StorageAlarm;
use crate::store::executions::{self, NewCall, NewExecution, NewMessage};
use crate::store::profiles::{self, Identity};
use crate::store::{Conn, Dialect, Store};
use crate::store::{reports, webhooks};
use domain::ids::{ApiKeyId, CampaignId, MessageId};
use domain::report::{Happening, Segment, Tally};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::{Notify, mpsc, oneshot};

/// Most calls committed in one transaction.
const MAX_GROUP: usize = 512;
/// Calls that may wait for a commit before callers are slowed down.
const QUEUE_DEPTH: usize = 8192;
/// Groups committing at once on PostgreSQL.
const POSTGRES_COMMITTERS: usize = 4;

/// One call, ready to be written.
pub struct Job {
    pub execution: NewExecution,
    pub messages: Vec<NewMessage>,
    /// The campaign's sandbox, where `new_profiles` are created.
    pub sandbox_id: String,
    /// Identities of recipients to create a profile for, unless one exists by commit time.
    pub new_profiles: Vec<Identity>,
    pub idempotency_key: String,
    pub request_hash: String,
    pub key_expires_at: Millis,
}

type Reply = oneshot::Sender<Result<Accepted>>;
type Queue = mpsc::Receiver<(Job, Reply)>;

#[derive(Clone)]
pub struct GroupCommitter {
    queue: mpsc::Sender<(Job, Reply)>,
}

impl GroupCommitter {
    /// Starts the committing tasks; `committed` is notified after each group. SQLite has one
    /// writer connection, so one task; on PostgreSQL several groups commit at once (each waits
    /// for its own flush, and PostgreSQL flushes concurrent commits together), their keys kept
    /// apart by the same advisory locks that keep nodes apart.
    pub fn start(store: Store, committed: Arc<Notify>, storage: Arc<StorageAlarm>) -> Self {
        let (queue, jobs) = mpsc::channel(QUEUE_DEPTH);
        let committers = match store.dialect() {
            Dialect::Sqlite => 1,
            Dialect::Postgres => POSTGRES_COMMITTERS,
        };
        let jobs = Arc::new(tokio::sync::Mutex::new(jobs));
        for _ in 0..committers {
            tokio::spawn(run(
                store.clone(),
                jobs.clone(),
                committed.clone(),
                storage.clone(),
            ));
        }
        Self { queue }
    }

    /// Writes one call and waits for its group's commit.
    pub async fn accept(&self, job: Job) -> Result<Accepted> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send((job, reply))
            .await
            .map_err(|_| Error::internal(anyhow::anyhow!("the commit task has stopped")))?;
        answer
            .await
            .map_err(|_| Error::internal(anyhow::anyhow!("the commit task dropped a call")))?
    }
}

/// Takes the calls waiting (as soon as another task has taken the previous ones) and commits
/// them as one group, until the queue closes.
async fn run(
    store: Store,
    jobs: Arc<tokio::sync::Mutex<Queue>>,
    committed: Arc<Notify>,
    storage: Arc<StorageAlarm>,
) {
    let mut group = Vec::with_capacity(MAX_GROUP);
    while jobs.lock().await.recv_many(&mut group, MAX_GROUP).await > 0 {
        match commit_group(&store, &group).await {
            Ok(None) => {
                // Kept for delivery: calls accepted now would take the space their messages,
                // and those accepted before, need to be sent and recorded.
                storage.full();
                tracing::warn!(
                    calls = group.len(),
                    "the database's last pages are kept for delivery"
                );
                for (_, reply) in group.drain(..) {
                    let cause = anyhow::anyhow!("the size cap's last pages are kept for delivery");
                    let _ = reply.send(Err(Error::storage_full(cause)));
                }
            }
            Ok(Some(results)) => {
                storage.wrote();
                for ((_, reply), result) in group.drain(..).zip(results) {
                    let _ = reply.send(result);
                }
                committed.notify_one();
            }
            Err(e) => {
                // Nothing of the group was committed: every caller is told so (a 503 when the
                // database is out of reach or out of space, so clients retry; else a 500).
                let unreachable = crate::error::is_unreachable(&e);
                let full = crate::error::is_storage_full(&e);
                tracing::error!(error = ?e, calls = group.len(), unreachable, full, "group commit failed");
                if full {
                    storage.full();
                }
                let make = crate::error::for_database_error(&e);
                for (_, reply) in group.drain(..) {
                    let _ = reply.send(Err(make(anyhow::anyhow!("the commit failed"))));
                }
            }
        }
    }
}

/// One transaction for the whole group, with a few multi-row statements; per-call outcomes.
async fn commit_group(
    store: &Store,
    group: &[(Job, Reply)],
) -> sqlx::Result<Option<Vec<Result<Accepted>>>> {
    let mut tx = store.begin().await?;
    let conn: &mut Conn = &mut tx;
    if !headroom(conn).await? {
        return Ok(None);
    }
    let keys: Vec<(CampaignId, &str)> = group
        .iter()
        .map(|(j, _)| (j.execution.campaign_id, j.idempotency_key.as_str()))
        .collect();
    let now = group
        .iter()
        .map(|(j, _)| j.execution.now)
        .min()
        .unwrap_or_default();
    executions::lock_keys(conn, &keys).await?;
    let stored = executions::idempotency_records(conn, &keys, now).await?;
    // The first call of the group that takes a key; later calls with that key answer after it.
    let mut taken: HashMap<(CampaignId, &str), &Job> = HashMap::new();
    let mut results = Vec::with_capacity(group.len());
    let mut calls = Vec::with_capacity(group.len());
    for ((job, _), key) in group.iter().zip(&keys) {
        let result = if let Some(record) = stored.get(&(key.0, key.1.to_owned())) {
            let e = &record.execution;
            repeat(&record.request_hash, e.api_key_id, job, || Accepted {
                execution_id: e.id,
                request_id: e.request_id.clone(),
                created_at: e.created_at,
                created_by: e.api_key_id,
                replay: true,
            })
        } else if let Some(first) = taken.get(key) {
            repeat(&first.request_hash, first.execution.api_key_id, job, || {
                Accepted {
                    replay: true,
                    ..accepted(first)
                }
            })
        } else {
            taken.insert(*key, job);
            if !job.new_profiles.is_empty() {
                profiles::create_missing(
                    conn,
                    &job.sandbox_id,
                    &job.new_profiles,
                    job.execution.now,
                )
                .await?;
            }
            calls.push(NewCall {
                execution: &job.execution,
                messages: &job.messages,
                idempotency_key: &job.idempotency_key,
                request_hash: &job.request_hash,
                key_expires_at: job.key_expires_at,
            });
            Ok(accepted(job))
        };
        results.push(result);
    }
    executions::insert_calls(conn, &calls).await?;
    let execution_ids: Vec<String> = calls.iter().map(|c| c.execution.id.to_string()).collect();
    let inserted: Vec<_> = calls.iter().map(|c| (c.execution, c.messages)).collect();
    settle_accepted(
        conn,
        executions::Of::Executions(&execution_ids),
        &inserted,
        now,
    )
    .await?;
    tx.commit().await?;
    store.grew("executions", calls.len());
    store.grew("messages", calls.iter().map(|c| c.messages.len()).sum());
    Ok(Some(results))
}

/// Pages of a capped SQLite database (`HERALD_SQLITE_MAX_SIZE_MB`) that new calls may not
/// take: delivery needs them to record what it sends (256 KiB).
const DELIVERY_RESERVE_PAGES: i64 = 64;

/// Whether new calls may still take space: always on PostgreSQL and on an uncapped SQLite
/// database (whose cap is SQLite's maximum), else while more than the delivery reserve is free.
async fn headroom(conn: &mut Conn) -> sqlx::Result<bool> {
    let Conn::Sqlite(c) = conn else {
        return Ok(true);
    };
    let free: i64 = sqlx::query_scalar(
        "SELECT (SELECT max_page_count FROM pragma_max_page_count())
              - (SELECT page_count FROM pragma_page_count())
              + (SELECT freelist_count FROM pragma_freelist_count())",
    )
    .fetch_one(&mut **c)
    .await?;
    Ok(free > DELIVERY_RESERVE_PAGES)
}

/// A call whose key is already taken: a replay if the same API key sent the same body, else
/// refused (another key of the sandbox gets no view of the original answer).
fn repeat(
    stored_hash: &str,
    stored_key: ApiKeyId,
    job: &Job,
    replay: impl FnOnce() -> Accepted,
) -> Result<Accepted> {
    repeat_of(
        stored_hash,
        stored_key,
        &job.request_hash,
        job.execution.api_key_id,
        replay,
    )
}

/// [`repeat`] for any call: its body's hash and its API key.
pub(crate) fn repeat_of<T>(
    stored_hash: &str,
    stored_key: ApiKeyId,
    request_hash: &str,
    api_key: ApiKeyId,
    replay: impl FnOnce() -> T,
) -> Result<T> {
    if stored_key != api_key {
        Err(Error::new(
            ErrorKind::Conflict,
            "idempotency_key_in_use",
            "This idempotency key (the Idempotency-Key header, else the requestId) was already used \
             for this campaign by another API key. Use a new key for a new request.",
        ))
    } else if stored_hash == request_hash {
        Ok(replay())
    } else {
        Err(Error::new(
            ErrorKind::Conflict,
            "idempotency_key_reused",
            "This idempotency key (the Idempotency-Key header, else the requestId) was already used \
             for this campaign with a different body. Use a new key for a new request.",
        ))
    }
}

fn accepted(job: &Job) -> Accepted {
    let e = &job.execution;
    Accepted {
        execution_id: e.id,
        request_id: e.request_id.clone(),
        created_at: e.now,
        created_by: e.api_key_id,
        replay: false,
    }
}

/// In the transaction that inserted `inserted` (the messages of some executions, found again
/// by `of`): excludes the messages whose addresses are suppressed or opted out, announces every
/// excluded message to the webhooks and counts every message in the reports (targeted,
/// excluded). Trigger calls and audience sends accept messages alike. Returns how many were
/// excluded.
pub(crate) async fn settle_accepted(
    conn: &mut Conn,
    of: executions::Of<'_>,
    inserted: &[(&NewExecution, &[NewMessage])],
    now: Millis,
) -> sqlx::Result<usize> {
    let listed: HashMap<MessageId, _> = executions::exclude_listed_addresses(conn, of)
        .await?
        .into_iter()
        .collect();
    let mut excluded: Vec<MessageId> = Vec::new();
    let mut tally = Tally::default();
    for (e, messages) in inserted {
        for m in messages.iter() {
            let class = m
                .excluded
                .as_ref()
                .map(|x| x.class)
                .or_else(|| listed.get(&m.id).copied());
            if class.is_some() {
                excluded.push(m.id);
            }
            let segment = Segment {
                campaign_id: e.campaign_id,
                version: e.campaign_version,
                locale: m.locale.clone().unwrap_or_default(),
                platform: m.platform.clone().unwrap_or_default(),
            };
            tally.add(&segment, e.now, &Happening::Accepted { excluded: class });
        }
    }
    if !excluded.is_empty() {
        let occurred_at = domain::dates::format_rfc3339(now);
        webhooks::enqueue(conn, "excluded", &excluded, &occurred_at, now).await?;
    }
    // Last: the counters' rows stay locked for the shortest time.
    reports::add(conn, &tally).await?;
    Ok(excluded.len())
}

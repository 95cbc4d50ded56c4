//! Profile imports: where each stands, and its refused rows.
//!
//! Invariant: a batch's profiles and the import's new checkpoint are written in one
//! transaction by [`advance`], which only succeeds at the checkpoint the batch started from;
//! a batch replayed after an interruption changes nothing twice.

use super::engine::on;
use super::{Conn, MAX_VARIABLES, Reader};
use crate::clock::Millis;
use domain::ids::{AudienceId, ImportId};
use domain::profile_import::{FileFormat, ImportStatus, RowError};
use sqlx::{FromRow, QueryBuilder};

/// Refused rows kept per import, for its error report (all are counted).
pub const MAX_STORED_ERRORS: i64 = 10_000;

#[derive(Debug, Clone, FromRow)]
pub struct ImportRecord {
    pub id: ImportId,
    pub sandbox_id: String,
    pub format: FileFormat,
    pub file_name: String,
    pub audience_id: Option<AudienceId>,
    pub status: ImportStatus,
    pub checkpoint: i64,
    pub created: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub failed: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "id, sandbox_id, format, file_name, audience_id, status, checkpoint,
    created, updated, unchanged, failed, created_at, updated_at";

/// What a batch did, to add to the import's counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub created: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub failed: i64,
}

pub async fn insert(conn: &mut Conn, row: &ImportRecord) -> sqlx::Result<()> {
    on!(conn, c => sqlx::query(
        "INSERT INTO profile_imports (id, sandbox_id, format, file_name, audience_id, status,
             created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(row.id)
    .bind(&row.sandbox_id)
    .bind(row.format)
    .bind(&row.file_name)
    .bind(row.audience_id)
    .bind(row.status)
    .bind(row.created_at)
    .bind(row.updated_at)
    .execute(c).await
    .map(drop))
}

pub async fn by_id(pool: Reader<'_>, id: ImportId) -> sqlx::Result<Option<ImportRecord>> {
    on!(pool, c => sqlx::query_as(&format!("SELECT {COLUMNS} FROM profile_imports WHERE id = $1"))
        .bind(id)
        .fetch_optional(c).await)
}

/// The sandbox's newest imports.
pub async fn list(
    pool: Reader<'_>,
    sandbox_id: &str,
    limit: i64,
) -> sqlx::Result<Vec<ImportRecord>> {
    on!(pool, c => sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM profile_imports WHERE sandbox_id = $1
          ORDER BY created_at DESC, id DESC LIMIT $2"
    ))
    .bind(sandbox_id)
    .bind(limit)
    .fetch_all(c).await)
}

/// Marks an import as being read by this upload, unless another upload read it after
/// `stale_before`. Returns whether it did.
pub async fn take(
    conn: &mut Conn,
    id: ImportId,
    now: Millis,
    stale_before: Millis,
) -> sqlx::Result<bool> {
    on!(conn, c => sqlx::query(
        "UPDATE profile_imports SET status = 'reading', updated_at = $1
          WHERE id = $2 AND (status <> 'reading' OR updated_at < $3)",
    )
    .bind(now)
    .bind(id)
    .bind(stale_before)
    .execute(c).await
    .map(|r| r.rows_affected() == 1))
}

/// Moves the checkpoint from `from` to `to` and adds a batch's counts; `false` (and nothing
/// changed) if the checkpoint is no longer `from`.
pub async fn advance(
    conn: &mut Conn,
    id: ImportId,
    from: i64,
    to: i64,
    counts: Counts,
    now: Millis,
) -> sqlx::Result<bool> {
    on!(conn, c => sqlx::query(
        "UPDATE profile_imports SET checkpoint = $1, created = created + $2,
             updated = updated + $3, unchanged = unchanged + $4, failed = failed + $5,
             updated_at = $6
          WHERE id = $7 AND checkpoint = $8",
    )
    .bind(to)
    .bind(counts.created)
    .bind(counts.updated)
    .bind(counts.unchanged)
    .bind(counts.failed)
    .bind(now)
    .bind(id)
    .bind(from)
    .execute(c).await
    .map(|r| r.rows_affected() == 1))
}

/// Ends an upload: `completed` or `interrupted`.
pub async fn finish(
    conn: &mut Conn,
    id: ImportId,
    status: ImportStatus,
    now: Millis,
) -> sqlx::Result<()> {
    on!(conn, c => sqlx::query("UPDATE profile_imports SET status = $1, updated_at = $2 WHERE id = $3")
        .bind(status)
        .bind(now)
        .bind(id)
        .execute(c).await
        .map(drop))
}

/// Keeps refused rows for the error report.
pub async fn add_errors(conn: &mut Conn, id: ImportId, errors: &[RowError]) -> sqlx::Result<()> {
    for chunk in errors.chunks(MAX_VARIABLES / 4) {
        on!(&mut *conn, c, Db => {
            let mut q = QueryBuilder::<Db>::new(
                "INSERT INTO profile_import_errors (import_id, row_number, column_name, reason) ",
            );
            q.push_values(chunk, |mut row, e| {
                row.push_bind(id)
                    .push_bind(e.row as i64)
                    .push_bind(e.column.as_str())
                    .push_bind(e.reason.as_str());
            });
            q.push(" ON CONFLICT DO NOTHING");
            q.build().execute(&mut *c).await?.rows_affected()
        });
    }
    Ok(())
}

/// The first `limit` refused rows of an import, in row order.
pub async fn errors(pool: Reader<'_>, id: ImportId, limit: i64) -> sqlx::Result<Vec<RowError>> {
    let rows: Vec<(i64, String, String)> = on!(pool, c => sqlx::query_as(
        "SELECT row_number, column_name, reason FROM profile_import_errors
          WHERE import_id = $1 ORDER BY row_number LIMIT $2",
    )
    .bind(id)
    .bind(limit)
    .fetch_all(c).await)?;
    Ok(rows
        .into_iter()
        .map(|(row, column, reason)| RowError::new(row as u64, column, reason))
        .collect())
}

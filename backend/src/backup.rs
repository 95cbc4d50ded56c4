//! Backup and restore of an SQLite install (`herald db backup` and `herald db restore`).
//!
//! A backup is a directory holding `herald.db`, a consistent copy taken while Herald runs
//! (see `store::backup`), and `secret.key`, the install's secret key (mode 0600): without it the
//! surfaces' credentials and webhook secrets in the copy cannot be opened, and Herald refuses to
//! start on the copy with another key. Keep the two apart from each other when the backup
//! leaves the machine.
//!
//! Invariants:
//! - A backup is written into a new (or empty) directory and is checked (integrity, rows per
//!   table) before it is reported good; a failed backup says so and leaves a partial directory
//!   that is never mistaken for a checked one (the key is written last).
//! - A restore writes only into a data directory without a database, so it can never overwrite
//!   the database of a running (or any) install; the key must agree with a configured
//!   `HERALD_SECRET_KEY` or key file.
//! - PostgreSQL is backed up with its own tools (`pg_dump`); both commands say so.

use crate::settings::Settings;
use crate::store::backup::{self, Count};
use crate::store::owner_only;
use anyhow::{Context, bail};
use sqlx::sqlite::SqliteConnectOptions;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// The database in a backup directory.
pub const DATABASE_FILE: &str = "herald.db";
/// The secret key in a backup directory.
pub const KEY_FILE: &str = "secret.key";

const POSTGRES: &str = "HERALD_DATABASE_URL names PostgreSQL: back it up with `pg_dump -Fc` and \
    restore with `pg_restore` (see the README), and keep HERALD_SECRET_KEY apart from the dump";

/// Takes a checked online backup of the install into `dir`; returns its rows per table.
pub async fn backup(settings: &Settings, dir: &Path) -> anyhow::Result<Vec<Count>> {
    if settings.is_postgres() {
        bail!(POSTGRES);
    }
    let key = crate::secret_box::existing_key(
        settings.secret_key.as_ref().map(|k| k.0.as_str()),
        &settings.data_dir,
    )?;
    if dir.exists() && dir.read_dir()?.next().is_some() {
        bail!(
            "{} is not empty: back up into a new directory",
            dir.display()
        );
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    owner_only(dir, 0o700)?;
    let database = dir.join(DATABASE_FILE);
    backup::snapshot(&database_file(settings)?, &database).await?;
    let counts = backup::check(&database).await?;
    crate::store::create_owner_only(&dir.join(KEY_FILE), key.as_bytes())?;
    Ok(counts)
}

/// Restores the backup in `dir` into the install's data directory, which must hold no
/// database; returns the restored rows per table. Herald brings the schema up to date when it
/// next starts.
pub async fn restore(settings: &Settings, dir: &Path) -> anyhow::Result<Vec<Count>> {
    if settings.is_postgres() {
        bail!(POSTGRES);
    }
    let source = dir.join(DATABASE_FILE);
    let counts = backup::check(&source).await?;
    let key_path = dir.join(KEY_FILE);
    let key = std::fs::read_to_string(&key_path)
        .with_context(|| format!("cannot read the backup's key {}", key_path.display()))?
        .trim()
        .to_owned();
    if let Some(configured) = &settings.secret_key
        && configured.0.trim() != key
    {
        bail!(
            "HERALD_SECRET_KEY is not the backup's key ({}): unset it, or set it to that key",
            key_path.display()
        );
    }
    let target = database_file(settings)?;
    for existing in [
        target.clone(),
        PathBuf::from(format!("{}-wal", target.display())),
    ] {
        if existing.exists() {
            bail!(
                "{} exists: restore into a data directory without a database (stop Herald and \
                 move the old directory away first)",
                existing.display()
            );
        }
    }
    let data_key = settings.data_dir.join(crate::secret_box::KEY_FILE);
    if settings.secret_key.is_none() && data_key.exists() {
        let present = std::fs::read_to_string(&data_key)?;
        if present.trim() != key {
            bail!(
                "{} holds another key than the backup's: move it away first",
                data_key.display()
            );
        }
    }
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    if settings.database_url.is_none() {
        owner_only(&settings.data_dir, 0o700)?;
    }
    // Copied under another name and renamed, so a failed copy never looks like a database.
    let partial = PathBuf::from(format!("{}.restoring", target.display()));
    std::fs::copy(&source, &partial)
        .with_context(|| format!("cannot write {}", partial.display()))?;
    owner_only(&partial, 0o600)?;
    std::fs::rename(&partial, &target)?;
    if settings.secret_key.is_none() && !data_key.exists() {
        crate::store::create_owner_only(&data_key, key.as_bytes())?;
    }
    Ok(counts)
}

/// The SQLite file the install's database URL names.
fn database_file(settings: &Settings) -> anyhow::Result<PathBuf> {
    let options = SqliteConnectOptions::from_str(&settings.database_url())
        .context("HERALD_DATABASE_URL is not a valid SQLite URL")?;
    Ok(options.get_filename().to_path_buf())
}

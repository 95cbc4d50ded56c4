//! Importing a profile file: rows read by [`super::read`] are laid over the stored profiles a
//! batch at a time, each batch in one transaction with the import's checkpoint.

use super::read::{self, Batch, Stop};
use crate::clock::now_ms;
use crate::error::{Error, ErrorKind, Result};
use crate::store::profile_imports::{Counts, ImportRecord, MAX_STORED_ERRORS};
use crate::{Herald, store};
use bytes::Bytes;
use domain::ids::{AudienceId, ImportId, ProfileId};
use domain::profile::{MAX_ATTRIBUTE_BYTES, overlay};
use domain::profile_import::{FileFormat, ImportStatus, ImportView, RowError};
use futures::Stream;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// An upload that has not committed a batch for this long may be taken over by another.
const TAKEOVER_AFTER_MS: i64 = 60_000;
/// Refused rows an import's view lists (the error report has them all).
const ERRORS_SHOWN: i64 = 100;

/// What an upload asks for.
pub struct ImportRequest {
    /// Go on with this import (the same file sent again), or start one with this id.
    pub import_id: Option<ImportId>,
    pub format: FileFormat,
    pub file_name: String,
    /// Add every imported profile to this static audience.
    pub audience_id: Option<String>,
}

fn import_not_found() -> Error {
    Error::not_found("import_not_found", "No import has this id.")
}

impl Herald {
    /// Reads a profile file from `body` into the sandbox's profiles; see the module
    /// [`domain::profile_import`] for what the rows mean. Returns the import as it ended:
    /// `completed`, or `interrupted` with its last stored row (send the file again with the
    /// import's id to go on).
    #[tracing::instrument(skip_all, fields(format = %request.format))]
    pub async fn import_profiles<S, E>(
        &self,
        sandbox_id: &str,
        request: ImportRequest,
        body: S,
    ) -> Result<ImportView>
    where
        S: Stream<Item = Result<Bytes, E>> + Send + 'static,
        E: std::fmt::Display + Send + 'static,
    {
        let audience_id = match &request.audience_id {
            Some(id) => Some(self.static_audience(sandbox_id, id).await?),
            None => None,
        };
        let import = self.take_import(sandbox_id, &request, audience_id).await?;
        let namespaces = self.namespace_names(sandbox_id).await?;
        let mut batches = read::start(import.format, body, namespaces, import.checkpoint as u64);
        let mut checkpoint = import.checkpoint;
        let mut failed_so_far = import.failed;
        let mut ended = ImportStatus::Completed;
        let mut invalid = None;
        let mut stopped_because = None;
        while let Some(item) = batches.recv().await {
            match item {
                Ok(batch) => {
                    let to = batch.last_row as i64;
                    let counts = match self
                        .apply_batch(&import, batch, checkpoint, failed_so_far)
                        .await
                    {
                        Ok(c) => c,
                        Err(e) => {
                            self.end_import(import.id, ImportStatus::Interrupted).await;
                            return Err(e);
                        }
                    };
                    checkpoint = to;
                    failed_so_far += counts.failed;
                }
                Err(Stop::Invalid(e)) => invalid = Some(e),
                Err(Stop::Cut(reason)) => {
                    tracing::info!(import_id = %import.id, %reason, "profile import cut short");
                    ended = ImportStatus::Interrupted;
                    stopped_because = Some(reason);
                }
            }
        }
        self.end_import(import.id, ended).await;
        if let Some(e) = invalid {
            return Err(Error::new(
                ErrorKind::Invalid,
                "invalid_file",
                format!(
                    "The file cannot be imported: row {}{} {}",
                    e.row,
                    if e.column.is_empty() {
                        String::new()
                    } else {
                        format!(", column {}:", e.column)
                    },
                    e.reason
                ),
            ));
        }
        tracing::info!(import_id = %import.id, status = %ended, last_row = checkpoint, "profile import ended");
        let mut view = self
            .profile_import(sandbox_id, &import.id.to_string())
            .await?;
        view.stopped_because = stopped_because;
        Ok(view)
    }

    /// An import of the sandbox, with its first refused rows.
    pub async fn profile_import(&self, sandbox_id: &str, id: &str) -> Result<ImportView> {
        let row = self.import_record(sandbox_id, id).await?;
        let errors =
            store::profile_imports::errors(self.store().reader(), row.id, ERRORS_SHOWN).await?;
        Ok(view(row, errors))
    }

    /// The sandbox's 50 newest imports (without their refused rows).
    pub async fn profile_imports(&self, sandbox_id: &str) -> Result<Vec<ImportView>> {
        let rows = store::profile_imports::list(self.store().reader(), sandbox_id, 50).await?;
        Ok(rows.into_iter().map(|r| view(r, Vec::new())).collect())
    }

    /// Every refused row of an import (up to 10,000), as CSV: row, column, reason.
    pub async fn profile_import_errors_csv(&self, sandbox_id: &str, id: &str) -> Result<String> {
        let row = self.import_record(sandbox_id, id).await?;
        let errors =
            store::profile_imports::errors(self.store().reader(), row.id, MAX_STORED_ERRORS)
                .await?;
        let mut out = csv::Writer::from_writer(Vec::new());
        let written: std::result::Result<(), csv::Error> = (|| {
            out.write_record(["row", "column", "reason"])?;
            for e in &errors {
                out.write_record([e.row.to_string().as_str(), &e.column, &e.reason])?;
            }
            Ok(())
        })();
        written.map_err(|e| Error::internal(anyhow::anyhow!("writing the error report: {e}")))?;
        let bytes = out
            .into_inner()
            .map_err(|e| Error::internal(anyhow::anyhow!("writing the error report: {e}")))?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    async fn import_record(&self, sandbox_id: &str, id: &str) -> Result<ImportRecord> {
        let id: ImportId = id.parse().map_err(|_| import_not_found())?;
        match store::profile_imports::by_id(self.store().reader(), id).await? {
            Some(row) if row.sandbox_id == sandbox_id => Ok(row),
            _ => Err(import_not_found()),
        }
    }

    async fn static_audience(&self, sandbox_id: &str, id: &str) -> Result<AudienceId> {
        let audience = self.audience_row(sandbox_id, id).await?;
        if audience.rule.is_some() {
            return Err(Error::new(
                ErrorKind::Invalid,
                "rule_based_audience",
                "Profiles can only be imported into a static audience: a rule-based one holds \
                 whoever passes its rule.",
            ));
        }
        Ok(audience.id)
    }

    /// The import this upload reads into: a new one, or the one it resumes (same sandbox and
    /// format, not being read by another upload right now).
    async fn take_import(
        &self,
        sandbox_id: &str,
        request: &ImportRequest,
        audience_id: Option<AudienceId>,
    ) -> Result<ImportRecord> {
        let now = now_ms();
        let existing = match request.import_id {
            Some(id) => store::profile_imports::by_id(self.store().reader(), id).await?,
            None => None,
        };
        let mut conn = self.store().acquire().await?;
        match existing {
            None => {
                let row = ImportRecord {
                    id: request.import_id.unwrap_or_default(),
                    sandbox_id: sandbox_id.to_owned(),
                    format: request.format,
                    file_name: request.file_name.chars().take(200).collect(),
                    audience_id,
                    status: ImportStatus::Reading,
                    checkpoint: 0,
                    created: 0,
                    updated: 0,
                    unchanged: 0,
                    failed: 0,
                    created_at: now,
                    updated_at: now,
                };
                store::profile_imports::insert(&mut conn, &row).await?;
                Ok(row)
            }
            Some(row) if row.sandbox_id != sandbox_id => Err(import_not_found()),
            Some(row) if row.format != request.format || row.audience_id != audience_id => {
                Err(Error::new(
                    ErrorKind::Conflict,
                    "import_mismatch",
                    format!(
                        "Import {} read a {} file{}; resume it with the same file and options.",
                        row.id,
                        row.format,
                        row.audience_id
                            .map(|a| format!(" into audience {a}"))
                            .unwrap_or_default()
                    ),
                ))
            }
            Some(row) => {
                if !store::profile_imports::take(&mut conn, row.id, now, now - TAKEOVER_AFTER_MS)
                    .await?
                {
                    return Err(Error::new(
                        ErrorKind::Conflict,
                        "import_busy",
                        "Another upload is reading this import now. Wait for it to end.",
                    ));
                }
                Ok(row)
            }
        }
    }

    async fn end_import(&self, id: ImportId, status: ImportStatus) {
        let ended = async {
            let mut conn = self.store().acquire().await?;
            store::profile_imports::finish(&mut conn, id, status, now_ms()).await
        };
        if let Err(e) = ended.await {
            tracing::warn!(import_id = %id, error = %e, "could not record the end of an import");
        }
    }

    /// Stores one batch: new profiles, changed attributes, new identities, audience members,
    /// refused rows and the checkpoint, in one transaction.
    async fn apply_batch(
        &self,
        import: &ImportRecord,
        batch: Batch,
        from: i64,
        failed_so_far: i64,
    ) -> Result<Counts> {
        let mut counts = Counts::default();
        let mut errors = Vec::new();
        let mut rows = Vec::with_capacity(batch.rows.len());
        for row in batch.rows {
            match row {
                Ok(r) => rows.push(r),
                Err(e) => errors.push(e),
            }
        }
        let mut tx = self.store().begin().await?;
        let wanted: Vec<(String, String)> = rows
            .iter()
            .flat_map(|r| r.identities.iter().cloned())
            .collect();
        let mut owner: HashMap<(String, String), ProfileId> =
            store::profiles::by_identities(&mut tx, &import.sandbox_id, &wanted)
                .await?
                .into_iter()
                .map(|(ns, value, profile)| ((ns, value), profile))
                .collect();
        let mut known: Vec<ProfileId> = owner.values().copied().collect();
        known.sort_unstable();
        known.dedup();
        let mut profiles: HashMap<ProfileId, Stored> =
            store::profiles::attributes_of(&mut tx, &known)
                .await?
                .into_iter()
                .map(|(id, json)| (id, Stored::existing(&json)))
                .collect();
        let mut links = Vec::new();
        let mut members = Vec::new();
        for row in rows {
            let mut owners: Vec<ProfileId> = row
                .identities
                .iter()
                .filter_map(|i| owner.get(i).copied())
                .collect();
            owners.sort_unstable();
            owners.dedup();
            let id = match owners.as_slice() {
                [] => {
                    let id = ProfileId::new();
                    profiles.insert(id, Stored::new(row.attributes));
                    counts.created += 1;
                    id
                }
                [id] => {
                    let stored = profiles.get_mut(id).expect("owners' attributes are loaded");
                    let mut merged = stored.attributes.clone();
                    overlay(&mut merged, &row.attributes);
                    let adds_identity = row.identities.iter().any(|i| !owner.contains_key(i));
                    if merged != stored.attributes {
                        if serde_json::to_vec(&merged).map_or(usize::MAX, |v| v.len())
                            > MAX_ATTRIBUTE_BYTES
                        {
                            errors.push(RowError::new(
                                row.row,
                                "",
                                "would make the profile's attributes larger than 64 KB",
                            ));
                            continue;
                        }
                        stored.attributes = merged;
                        stored.changed = true;
                        counts.updated += 1;
                    } else if adds_identity {
                        counts.updated += 1;
                    } else {
                        counts.unchanged += 1;
                    }
                    *id
                }
                _ => {
                    errors.push(RowError::new(
                        row.row,
                        "",
                        "its identities belong to different profiles",
                    ));
                    continue;
                }
            };
            for identity in row.identities {
                if let std::collections::hash_map::Entry::Vacant(slot) = owner.entry(identity) {
                    let (ns, value) = slot.key().clone();
                    links.push((ns, value, id));
                    slot.insert(id);
                }
            }
            members.push(id);
        }
        let now = now_ms();
        let (mut new, mut changed) = (Vec::new(), Vec::new());
        for (id, p) in profiles {
            let list = match (p.new, p.changed) {
                (true, _) => &mut new,
                (false, true) => &mut changed,
                (false, false) => continue,
            };
            list.push((id, Value::Object(p.attributes).to_string()));
        }
        store::profiles::insert_many(&mut tx, &import.sandbox_id, &new, now).await?;
        store::profiles::set_attributes(&mut tx, &changed, now).await?;
        store::profiles::link_many(&mut tx, &import.sandbox_id, &links).await?;
        let mut new_members = 0;
        if let Some(audience) = import.audience_id {
            members.sort_unstable();
            members.dedup();
            new_members =
                store::audiences::add_members(&mut tx, audience, &members).await? as usize;
        }
        let room = (MAX_STORED_ERRORS - failed_so_far).max(0) as usize;
        store::profile_imports::add_errors(&mut tx, import.id, &errors[..errors.len().min(room)])
            .await?;
        counts.failed = errors.len() as i64;
        if !store::profile_imports::advance(
            &mut tx,
            import.id,
            from,
            batch.last_row as i64,
            counts,
            now,
        )
        .await?
        {
            return Err(Error::new(
                ErrorKind::Conflict,
                "import_busy",
                "Another upload took this import over.",
            ));
        }
        tx.commit().await?;
        let store = self.store();
        store.grew("profiles", new.len());
        store.grew("profile_identities", links.len());
        store.grew("audience_members", new_members);
        Ok(counts)
    }
}

/// A profile's attributes during a batch.
struct Stored {
    attributes: Map<String, Value>,
    new: bool,
    changed: bool,
}

impl Stored {
    fn existing(json: &str) -> Self {
        Self {
            // The column is constrained to a JSON object.
            attributes: serde_json::from_str(json).unwrap_or_default(),
            new: false,
            changed: false,
        }
    }

    fn new(attributes: Map<String, Value>) -> Self {
        Self {
            attributes,
            new: true,
            changed: false,
        }
    }
}

fn view(row: ImportRecord, errors: Vec<RowError>) -> ImportView {
    // An upload that stopped committing without saying so (its process died) is interrupted.
    let status =
        if row.status == ImportStatus::Reading && row.updated_at < now_ms() - TAKEOVER_AFTER_MS {
            ImportStatus::Interrupted
        } else {
            row.status
        };
    ImportView {
        import_id: row.id.to_string(),
        format: row.format,
        file_name: row.file_name,
        audience_id: row.audience_id.map(|a| a.to_string()),
        status,
        last_row: row.checkpoint as u64,
        created: row.created as u64,
        updated: row.updated as u64,
        unchanged: row.unchanged as u64,
        failed: row.failed as u64,
        errors,
        stopped_because: None,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

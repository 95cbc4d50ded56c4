//! Exporting profiles: every profile of a sandbox, or of an audience, as CSV or NDJSON, written
//! while it is read (a walk in id order, a batch at a time).
//!
//! CSV has one column per identity namespace found (a profile with several identities in one
//! namespace shows the smallest) and one per attribute path (values other than text as JSON);
//! NDJSON keeps everything and imports back unchanged.

use crate::audiences::{MemberWalk, Members};
use crate::error::{Error, Result};
use crate::store::audiences::Walk;
use crate::{Herald, store};
use bytes::Bytes;
use domain::ids::ProfileId;
use domain::profile_import::{
    ExportedProfile, FileFormat, MAX_COLUMNS, cell_at, leaf_paths, spreadsheet_safe,
};
use domain::views::IdentityView;
use futures::Stream;
use serde_json::{Map, Value};
use std::collections::BTreeSet;
use tokio::sync::mpsc;

/// One batch of the walk: profiles with all their identities.
type Profiles = Vec<(ProfileId, Map<String, Value>, Vec<IdentityView>)>;

impl Herald {
    /// The sandbox's profiles (or an audience's members) as a file, written while it is read.
    pub async fn export_profiles(
        &self,
        sandbox_id: &str,
        audience_id: Option<&str>,
        format: FileFormat,
    ) -> Result<impl Stream<Item = std::result::Result<Bytes, std::io::Error>> + Send + 'static>
    {
        let audience = match audience_id {
            Some(id) => Some(self.audience_row(sandbox_id, id).await?),
            None => None,
        };
        // CSV needs its columns before the first row: a first walk collects them.
        let columns = match format {
            FileFormat::Csv => Some(self.export_columns(sandbox_id, audience.as_ref()).await?),
            FileFormat::Ndjson => None,
        };
        let (tx, rx) = mpsc::channel::<std::result::Result<Bytes, std::io::Error>>(4);
        let herald = self.clone();
        let sandbox_id = sandbox_id.to_owned();
        tokio::spawn(async move {
            let mut writer = Writer::new(columns);
            let header = writer.header();
            if !header.is_empty() && tx.send(Ok(header)).await.is_err() {
                return;
            }
            let walked = herald
                .walk_profiles(&sandbox_id, audience.as_ref(), |batch| {
                    let chunk = writer.rows(&batch);
                    let tx = tx.clone();
                    async move { tx.send(Ok(chunk)).await.is_ok() }
                })
                .await;
            if let Err(e) = walked {
                tracing::warn!(error = ?e, "profile export failed");
                let _ = tx
                    .send(Err(std::io::Error::other("the export failed")))
                    .await;
            }
        });
        Ok(futures::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|item| (item, rx))
        }))
    }

    async fn export_columns(
        &self,
        sandbox_id: &str,
        audience: Option<&store::audiences::AudienceRow>,
    ) -> Result<Columns> {
        let mut namespaces = BTreeSet::new();
        let mut paths = BTreeSet::new();
        self.walk_profiles(sandbox_id, audience, |batch| {
            for (_, attributes, identities) in &batch {
                namespaces.extend(identities.iter().map(|i| i.namespace.clone()));
                let mut found = Vec::new();
                leaf_paths(attributes, "", &mut found);
                paths.extend(found);
            }
            let room = namespaces.len() + paths.len() <= MAX_COLUMNS;
            async move { room }
        })
        .await?;
        if namespaces.len() + paths.len() > MAX_COLUMNS {
            return Err(Error::new(
                crate::error::ErrorKind::Unprocessable,
                "too_many_columns",
                format!(
                    "These profiles have more than {MAX_COLUMNS} attributes and identity \
                     namespaces together: export them as NDJSON."
                ),
            ));
        }
        Ok(Columns {
            namespaces: namespaces.into_iter().collect(),
            paths: paths.into_iter().collect(),
        })
    }

    /// Walks the profiles in id order, a batch at a time, until `each` says stop.
    async fn walk_profiles<F, Fut>(
        &self,
        sandbox_id: &str,
        audience: Option<&store::audiences::AudienceRow>,
        mut each: F,
    ) -> Result<()>
    where
        F: FnMut(Profiles) -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let members = match audience {
            Some(row) => Members::of(row),
            None => Members {
                walk: Walk::Sandbox(sandbox_id),
                rule: None,
            },
        };
        let mut walk = MemberWalk::new(&members, None);
        while let Some(admitted) = walk.next(self).await? {
            let ids: Vec<ProfileId> = admitted.iter().map(|p| p.id).collect();
            let mut identities = self.identities_by_profile(&ids).await?;
            let profiles = admitted
                .into_iter()
                .map(|p| {
                    let attributes = serde_json::from_str(&p.attributes).unwrap_or_default();
                    let identities = identities.remove(&p.id).unwrap_or_default();
                    (p.id, attributes, identities)
                })
                .collect();
            if !each(profiles).await {
                break;
            }
        }
        Ok(())
    }
}

/// A CSV file's columns: identity namespaces, then attribute paths.
struct Columns {
    namespaces: Vec<String>,
    paths: Vec<String>,
}

/// Turns batches into the file's bytes.
struct Writer {
    csv: Option<Columns>,
}

impl Writer {
    fn new(csv: Option<Columns>) -> Self {
        Self { csv }
    }

    fn header(&mut self) -> Bytes {
        let Some(columns) = &self.csv else {
            return Bytes::new();
        };
        csv_line(
            columns
                .namespaces
                .iter()
                .chain(&columns.paths)
                .map(String::as_str),
        )
    }

    fn rows(&mut self, batch: &Profiles) -> Bytes {
        let mut out = Vec::new();
        for (_, attributes, identities) in batch {
            match &self.csv {
                Some(columns) => {
                    let mut cells: Vec<String> = columns
                        .namespaces
                        .iter()
                        .map(|ns| {
                            identities
                                .iter()
                                .filter(|i| &i.namespace == ns)
                                .map(|i| i.id.clone())
                                .min()
                                .unwrap_or_default()
                        })
                        .collect();
                    cells.extend(columns.paths.iter().map(|p| cell_at(attributes, p)));
                    out.extend_from_slice(&csv_line(cells.iter().map(String::as_str)));
                }
                None => {
                    let line = ExportedProfile {
                        identities: identities.clone(),
                        attributes: attributes.clone(),
                    };
                    // Serialising plain JSON values cannot fail.
                    if let Ok(json) = serde_json::to_vec(&line) {
                        out.extend_from_slice(&json);
                        out.push(b'\n');
                    }
                }
            }
        }
        Bytes::from(out)
    }
}

/// One CSV record, quoted where needed, ending in a newline.
fn csv_line<'a>(cells: impl Iterator<Item = &'a str>) -> Bytes {
    let mut writer = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    // Writing to memory cannot fail.
    let _ = writer.write_record(cells.map(|c| spreadsheet_safe(c).into_owned()));
    Bytes::from(writer.into_inner().unwrap_or_default())
}

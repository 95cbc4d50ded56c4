//! Audience use cases: list, read, save and delete a sandbox's audiences, change a static
//! audience's members, and count who is in one. See [`domain::audience`].
//!
//! Invariants:
//! - An audience, and every profile it holds, belong to one sandbox; other sandboxes'
//!   audiences are `audience_not_found`, and identities are looked up in the audience's sandbox.
//! - A rule-based audience is never materialised: it is evaluated over the sandbox's profiles
//!   when it is counted or sent, so it always holds whoever passes the rule then.
//! - An audience cannot change kind (static ↔ rule-based): members would silently vanish.

use crate::clock::{now_ms, rfc3339};
use crate::error::{Error, ErrorKind, Result};
use crate::store::audiences::{AudienceRecord, AudienceRow, Candidate, Walk};
use crate::{Herald, store};
use domain::audience::{
    AudienceCount, AudienceInput, AudienceRule, AudienceView, MAX_MEMBERS_PER_CALL, MembersChange,
    MembersInput, NewAudience,
};
use domain::ids::{AudienceId, ProfileId};
use domain::views::IdentityView;
use domain::{FieldError, ValidationError};
use std::collections::HashMap;

/// Profiles read per step when walking a sandbox or an audience.
const WALK_BATCH: i64 = 2000;

fn audience_not_found() -> Error {
    Error::not_found("audience_not_found", "No audience has this id.")
}

/// An audience ready to be walked: whose profiles, and the rule they must pass.
pub(crate) struct Members<'a> {
    pub walk: Walk<'a>,
    pub rule: Option<AudienceRule>,
}

impl<'a> Members<'a> {
    pub fn of(row: &'a AudienceRow) -> Self {
        match &row.rule {
            None => Members {
                walk: Walk::Members(row.id),
                rule: None,
            },
            // Stored rules were valid when saved; the parser only ever grows.
            Some(text) => Members {
                walk: Walk::Sandbox(&row.sandbox_id),
                rule: AudienceRule::parse(text).ok(),
            },
        }
    }

    /// Whether a walked profile (its attributes' JSON) is a member.
    pub fn admits(&self, attributes: &str) -> bool {
        match &self.rule {
            None => true,
            Some(rule) => serde_json::from_str(attributes).is_ok_and(|a| rule.matches(&a)),
        }
    }
}

impl Herald {
    pub async fn list_audiences(&self, sandbox_id: &str) -> Result<Vec<AudienceView>> {
        let rows = store::audiences::list(self.store().reader(), sandbox_id).await?;
        Ok(rows.into_iter().map(view).collect())
    }

    pub async fn audience(&self, sandbox_id: &str, id: &str) -> Result<AudienceView> {
        Ok(view(self.audience_row(sandbox_id, id).await?))
    }

    /// An audience of this sandbox; unknown ids and other sandboxes' are `audience_not_found`.
    pub(crate) async fn audience_row(&self, sandbox_id: &str, id: &str) -> Result<AudienceRow> {
        let id: AudienceId = id.parse().map_err(|_| audience_not_found())?;
        store::audiences::by_id(self.store().reader(), id)
            .await?
            .filter(|a| a.sandbox_id == sandbox_id)
            .ok_or_else(audience_not_found)
    }

    /// Creates (`id` None) or edits an audience.
    #[tracing::instrument(skip_all)]
    pub async fn save_audience(
        &self,
        sandbox_id: &str,
        id: Option<&str>,
        input: &AudienceInput,
    ) -> Result<AudienceView> {
        let audience = NewAudience::parse(input)?;
        let id = match id {
            None => AudienceId::new(),
            Some(id) => {
                let stored = self.audience_row(sandbox_id, id).await?;
                if stored.rule.is_some() != audience.rule.is_some() {
                    return Err(ValidationError::single(
                        "invalid_audience",
                        "rule",
                        "cannot turn a static audience into a rule-based one or back; create another audience",
                    )
                    .into());
                }
                stored.id
            }
        };
        let rule = audience.rule.as_ref().map(ToString::to_string);
        let record = AudienceRecord {
            id,
            sandbox_id,
            name: &audience.name,
            description: &audience.description,
            rule: rule.as_deref(),
            now: now_ms(),
        };
        let mut conn = self.store().acquire().await?;
        if !store::audiences::save(&mut conn, &record).await? {
            return Err(Error::new(
                ErrorKind::Conflict,
                "audience_exists",
                "Another audience of this sandbox has this name.",
            ));
        }
        drop(conn);
        tracing::info!(audience_id = %id, rule = rule.is_some(), "audience saved");
        self.audience(sandbox_id, &id.to_string()).await
    }

    /// Deletes an audience. Sends under way keep going; campaigns naming it name none.
    pub async fn delete_audience(&self, sandbox_id: &str, id: &str) -> Result<()> {
        let row = self.audience_row(sandbox_id, id).await?;
        let mut conn = self.store().acquire().await?;
        store::audiences::delete(&mut conn, row.id).await?;
        tracing::info!(audience_id = %row.id, "audience deleted");
        Ok(())
    }

    /// Adds (`add`) or removes profiles, by identity, to or from a static audience.
    #[tracing::instrument(skip_all)]
    pub async fn change_members(
        &self,
        sandbox_id: &str,
        id: &str,
        input: &MembersInput,
        add: bool,
    ) -> Result<MembersChange> {
        let row = self.audience_row(sandbox_id, id).await?;
        if row.rule.is_some() {
            return Err(Error::new(
                ErrorKind::Conflict,
                "audience_is_rule_based",
                "A rule-based audience holds whoever passes its rule; change the rule instead.",
            ));
        }
        if input.identities.is_empty() || input.identities.len() > MAX_MEMBERS_PER_CALL {
            return Err(ValidationError::single(
                "invalid_members",
                "identities",
                "must hold 1 to 10,000 identities",
            )
            .into());
        }
        let wanted: Vec<(String, String)> = input
            .identities
            .iter()
            .map(|i| (i.namespace.trim().to_owned(), i.id.trim().to_owned()))
            .collect();
        let mut conn = self.store().acquire().await?;
        let found = store::profiles::by_identities(&mut conn, sandbox_id, &wanted).await?;
        let by_identity: HashMap<(String, String), ProfileId> = found
            .into_iter()
            .map(|(namespace, value, profile)| ((namespace, value), profile))
            .collect();
        let mut profiles: Vec<ProfileId> = by_identity.values().copied().collect();
        profiles.sort();
        profiles.dedup();
        let unknown = wanted
            .into_iter()
            .filter(|key| !by_identity.contains_key(key))
            .map(|(namespace, id)| IdentityView { namespace, id })
            .collect();
        let changed = if add {
            store::audiences::add_members(&mut conn, row.id, &profiles).await?
        } else {
            store::audiences::remove_members(&mut conn, row.id, &profiles).await?
        };
        drop(conn);
        let members = self.audience_row(sandbox_id, id).await?.members;
        tracing::info!(audience_id = %row.id, changed, add, "audience members changed");
        Ok(MembersChange {
            changed,
            unknown,
            members,
        })
    }

    /// Refuses a campaign whose audience is not one of its sandbox.
    pub(crate) async fn check_campaign_audience(
        &self,
        sandbox_id: &str,
        campaign: &domain::campaign::NewCampaign,
    ) -> Result<()> {
        let Some(id) = campaign.audience_id else {
            return Ok(());
        };
        match store::audiences::by_id(self.store().reader(), id).await? {
            Some(a) if a.sandbox_id == sandbox_id => Ok(()),
            _ => Err(ValidationError::single(
                "invalid_campaign",
                "audienceId",
                "no audience of this sandbox has this id",
            )
            .into()),
        }
    }

    /// How many profiles an audience holds now.
    pub async fn count_audience(&self, sandbox_id: &str, id: &str) -> Result<AudienceCount> {
        let row = self.audience_row(sandbox_id, id).await?;
        if row.rule.is_none() {
            return Ok(AudienceCount { count: row.members });
        }
        let count = self.count_members(&Members::of(&row), None).await?;
        Ok(AudienceCount { count })
    }

    /// How many profiles of the sandbox pass a rule being written (the editor's live count).
    pub async fn count_rule(&self, sandbox_id: &str, rule: &str) -> Result<AudienceCount> {
        let rule = AudienceRule::parse(rule).map_err(|m| {
            Error::from(ValidationError::new(
                "invalid_audience",
                vec![FieldError::new("rule", m)],
            ))
        })?;
        let members = Members {
            walk: Walk::Sandbox(sandbox_id),
            rule: Some(rule),
        };
        Ok(AudienceCount {
            count: self.count_members(&members, None).await?,
        })
    }

    /// Counts the members up to `upper_bound` (all, if `None`) by walking them.
    pub(crate) async fn count_members(
        &self,
        members: &Members<'_>,
        upper_bound: Option<&str>,
    ) -> Result<i64> {
        let mut walk = MemberWalk::new(members, upper_bound);
        let mut count = 0;
        while let Some(batch) = walk.next(self).await? {
            count += batch.len() as i64;
        }
        Ok(count)
    }
}

/// An audience's members read in id order, a batch of [`WALK_BATCH`] profiles at a time (those
/// a rule refuses left out, so a batch may be empty).
pub(crate) struct MemberWalk<'a> {
    members: &'a Members<'a>,
    upper_bound: Option<&'a str>,
    after: String,
}

impl<'a> MemberWalk<'a> {
    pub fn new(members: &'a Members<'a>, upper_bound: Option<&'a str>) -> Self {
        Self {
            members,
            upper_bound,
            after: String::new(),
        }
    }

    /// The next batch's members; `None` once every profile was read.
    pub async fn next(&mut self, herald: &Herald) -> Result<Option<Vec<Candidate>>> {
        let batch = store::audiences::walk(
            herald.store().reader(),
            self.members.walk,
            "",
            &self.after,
            self.upper_bound,
            WALK_BATCH,
        )
        .await?;
        let Some(last) = batch.last() else {
            return Ok(None);
        };
        self.after = last.id.to_string();
        Ok(Some(
            batch
                .into_iter()
                .filter(|p| self.members.admits(&p.attributes))
                .collect(),
        ))
    }
}

fn view(row: AudienceRow) -> AudienceView {
    let rule_based = row.rule.is_some();
    AudienceView {
        id: row.id.to_string(),
        name: row.name,
        description: row.description,
        kind: if rule_based { "rule" } else { "static" }.into(),
        rule: row.rule,
        members: (!rule_based).then_some(row.members),
        created_at: rfc3339(row.created_at),
        updated_at: rfc3339(row.updated_at),
    }
}

//! A campaign's versions: list them, view one, compare two, roll back (an earlier version's
//! content becomes the draft version) and discard the draft version. See [`domain::version`]
//! for how versions come to be. Versions that have been live are never changed or deleted:
//! messages accepted with one keep rendering it.

use crate::accounts::Caller;
use crate::campaigns::audit;
use crate::clock::now_ms;
use crate::error::{Error, ErrorKind, Result};
use crate::{Herald, store};
use domain::campaign::CampaignStatus;
use domain::channel::Channel;
use domain::content::Content;
use domain::ids::CampaignId;
use domain::tenancy::Permission;
use domain::version::{
    VersionComparison, VersionState, VersionSummary, VersionView, VersionsView, comparison_pair,
    may_roll_back,
};

/// The answer for a version the campaign does not have (as asked: a path may hold anything).
pub fn version_not_found(version: impl std::fmt::Display) -> Error {
    Error::not_found(
        "version_not_found",
        format!("The campaign has no version {version}."),
    )
}

impl Herald {
    /// The caller's campaign's versions, newest first.
    pub async fn versions(&self, caller: &Caller, id: CampaignId) -> Result<VersionsView> {
        let row = self.own_row(caller, Permission::Read, id).await?;
        let versions = store::campaigns::versions(self.store().reader(), id)
            .await?
            .into_iter()
            .map(|v| VersionSummary {
                version: v.version,
                state: VersionState::of(v.version, row.live_version),
                created_at: v.created_at,
                edited_by: v.edited_by,
            })
            .collect();
        Ok(VersionsView {
            campaign_id: id.to_string(),
            status: row.status_at(now_ms()),
            title: row.title,
            live_version: row.live_version,
            versions,
        })
    }

    /// One version's content.
    pub async fn version(
        &self,
        caller: &Caller,
        id: CampaignId,
        version: i64,
    ) -> Result<VersionView> {
        let all = self.versions(caller, id).await?;
        let summary = all
            .versions
            .iter()
            .find(|v| v.version == version)
            .cloned()
            .ok_or_else(|| version_not_found(version))?;
        let input = self.version_content(id, version).await?.to_input();
        Ok(VersionView {
            campaign_id: all.campaign_id,
            title: all.title,
            status: all.status,
            channel: input.channel,
            summary,
            push: (input.channel == Channel::Push).then(|| input.push.clone()),
            subject: input.subject,
            preheader: input.preheader,
            html_body: input.html_body,
            text_body: input.text_body,
            locale_attribute: input.locale_attribute,
            variants: input.variants,
        })
    }

    /// What changed from version `from` to version `to` (either may be the older); when they
    /// are not both given and both versions, the newest against the one before. `None` while
    /// the campaign has a single version.
    pub async fn compare_versions(
        &self,
        caller: &Caller,
        id: CampaignId,
        from: Option<i64>,
        to: Option<i64>,
    ) -> Result<Option<VersionComparison>> {
        let listed = self.versions(caller, id).await?;
        let Some((from, to)) = comparison_pair(&listed.versions, from, to) else {
            return Ok(None);
        };
        let old = self.version_content(id, from).await?;
        let new = self.version_content(id, to).await?;
        let parts = self
            .inner
            .render_pool
            .run(move || domain::diff::compare_content(&old, &new))
            .await?;
        Ok(Some(VersionComparison { from, to, parts }))
    }

    /// Makes an earlier version's content the draft version of a live or scheduled campaign
    /// (the pending draft is replaced); trigger calls keep the live version until the draft is
    /// activated. A pending approval request is withdrawn. Returns the draft version.
    #[tracing::instrument(skip_all)]
    pub async fn roll_back(&self, caller: &Caller, id: CampaignId, version: i64) -> Result<i64> {
        let row = self.own_row(caller, Permission::Edit, id).await?;
        let status = row.status_at(now_ms());
        if !may_roll_back(status) {
            let why = match status {
                CampaignStatus::Draft => {
                    "a draft has one version, edited in place; edit it instead"
                }
                _ => "only a live or scheduled campaign can roll back; duplicate it instead",
            };
            return Err(Error::new(ErrorKind::Conflict, "invalid_transition", why));
        }
        let content = self.version_content(id, version).await?;
        let newest = store::campaigns::latest_version(self.store().reader(), id)
            .await?
            .map(|v| v.version);
        if newest == Some(version) {
            return Err(Error::new(
                ErrorKind::Conflict,
                "already_newest",
                format!(
                    "Version {version} is already the newest version: there is nothing to roll back."
                ),
            ));
        }
        let who = caller.who();
        let now = now_ms();
        let mut tx = self.store().begin().await?;
        let Some(draft) =
            store::campaigns::roll_back(&mut tx, id, &content, &who.actor, now).await?
        else {
            return Err(Error::new(
                ErrorKind::Conflict,
                "invalid_transition",
                "the campaign changed meanwhile; reload it",
            ));
        };
        store::approvals::withdraw_pending(&mut tx, id, now).await?;
        let detail = format!("version {draft} from version {version}");
        audit(&mut tx, &row.sandbox_id, id, &who, "rolled back", &detail).await?;
        tx.commit().await?;
        self.inner.campaigns.remove(&id);
        tracing::info!(campaign_id = %id, draft, from = version, "campaign rolled back");
        Ok(draft)
    }

    /// Deletes the draft version of a campaign that has been live, with its approval request.
    /// Returns the version discarded.
    #[tracing::instrument(skip_all)]
    pub async fn discard_draft_version(&self, caller: &Caller, id: CampaignId) -> Result<i64> {
        let row = self.own_row(caller, Permission::Edit, id).await?;
        if row.status == CampaignStatus::Draft {
            return Err(Error::new(
                ErrorKind::Conflict,
                "invalid_transition",
                "a draft campaign has only its one version; delete the draft instead",
            ));
        }
        let mut tx = self.store().begin().await?;
        let Some(version) = store::campaigns::discard_draft(&mut tx, id, now_ms()).await? else {
            return Err(Error::new(
                ErrorKind::Conflict,
                "no_draft_version",
                "The campaign has no draft version: its newest version is the live one.",
            ));
        };
        let detail = format!("version {version}");
        audit(
            &mut tx,
            &row.sandbox_id,
            id,
            &caller.who(),
            "draft discarded",
            &detail,
        )
        .await?;
        tx.commit().await?;
        self.inner.campaigns.remove(&id);
        tracing::info!(campaign_id = %id, version, "draft version discarded");
        Ok(version)
    }

    async fn version_content(&self, id: CampaignId, version: i64) -> Result<Content> {
        store::campaigns::version(self.store().reader(), id, version)
            .await?
            .ok_or_else(|| version_not_found(version))?
            .content()
            .map_err(|e| {
                Error::internal(anyhow::anyhow!(
                    "stored content of {id} v{version} is invalid: {e:?}"
                ))
            })
    }
}

//! Campaign use cases: create, read, list, edit a draft, and the lifecycle (activate, stop,
//! archive, duplicate, delete a draft). The rules of the lifecycle are in
//! [`domain::campaign::CampaignStatus`]; here they are applied with compare-and-set writes.
//!
//! Every change takes the [`Caller`]: its role must allow the change (editing needs
//! [`Permission::Edit`], the lifecycle [`Permission::Launch`]), and a campaign of another
//! sandbox is not found.

use crate::accounts::Caller;
use crate::clock::now_ms;
use crate::error::{Error, ErrorKind, Result};
use crate::{Herald, store};
use domain::campaign::{CampaignStatus, NewCampaign};
use domain::channel::Channel;
use domain::content::Content;
use domain::curl::SampleTarget;
use domain::ids::CampaignId;
use domain::listing::CampaignQuery;
use domain::report::DAY_MS;
use domain::review::Finding;
use domain::template::Need;
use domain::tenancy::Permission;
use domain::views::{CampaignPage, CampaignSummary, CampaignView, VariableView};
use std::collections::HashMap;

/// The answer for a campaign id that names no campaign of the caller's sandbox.
pub fn campaign_not_found() -> Error {
    Error::not_found("campaign_not_found", "No campaign has this id.")
}

/// Records a change in the audit log, in the caller's transaction.
pub(crate) async fn audit(
    conn: &mut store::Conn,
    sandbox_id: &str,
    id: CampaignId,
    who: &store::audit::Who,
    action: &str,
    detail: &str,
) -> Result<()> {
    store::audit::record(conn, sandbox_id, id, who, action, detail, now_ms()).await?;
    // Every change of a campaign is audited, and announced to the nodes that cache it.
    store::changes::announce(conn, store::changes::Change::Campaign(id)).await?;
    Ok(())
}

/// The review of a campaign's newest content, as of now.
pub(crate) fn review_of(row: &store::campaigns::CampaignRow, content: &Content) -> Vec<Finding> {
    domain::review::review(row.category, content, row.window(), now_ms())
}

/// Refuses activation while the review finds errors (warnings do not block).
pub(crate) fn check_review(findings: &[Finding]) -> Result<()> {
    if !domain::review::blocks(findings) {
        return Ok(());
    }
    let errors = findings
        .iter()
        .filter(|f| f.severity == domain::review::Severity::Error)
        .map(|f| domain::FieldError::new("review", f.message.clone()))
        .collect();
    Err(Error::new(
        ErrorKind::Unprocessable,
        "review_failed",
        "The campaign's review found errors; fix them before activating.",
    )
    .with_errors(errors))
}

/// An approval answered for a version no request is pending for.
pub(crate) fn no_pending_request() -> Error {
    Error::new(
        ErrorKind::Conflict,
        "no_pending_approval",
        "No request for approval of this version is pending: it was decided, or the campaign was edited since. Reload the page.",
    )
}

fn changed_meanwhile() -> Error {
    Error::new(
        ErrorKind::Conflict,
        "invalid_transition",
        "the campaign changed meanwhile; reload it",
    )
}

impl Herald {
    /// Checks a campaign as typed; its content may include the fragments of the caller's
    /// sandbox as they are now.
    pub async fn parse_campaign(
        &self,
        caller: &Caller,
        input: &domain::campaign::CampaignInput,
    ) -> Result<NewCampaign> {
        let fragments = self.current_fragments(caller.sandbox_id()).await?;
        Ok(NewCampaign::parse_with(input, &fragments)?)
    }

    #[tracing::instrument(skip_all)]
    pub async fn create_campaign(
        &self,
        caller: &Caller,
        campaign: NewCampaign,
    ) -> Result<CampaignId> {
        caller.require(Permission::Edit)?;
        let (sandbox_id, who) = (caller.sandbox_id(), &caller.who());
        self.check_campaign_surface(sandbox_id, &campaign).await?;
        self.check_campaign_audience(sandbox_id, &campaign).await?;
        self.check_namespace(sandbox_id, campaign.namespace.as_str(), "namespace")
            .await?;
        let id = CampaignId::new();
        let mut tx = self.store().begin().await?;
        store::campaigns::insert_campaign(&mut tx, id, sandbox_id, &campaign, &who.actor, now_ms())
            .await?;
        let detail = campaign.content.channel().as_str();
        audit(&mut tx, sandbox_id, id, who, "created", detail).await?;
        tx.commit().await?;
        tracing::info!(campaign_id = %id, "campaign created");
        Ok(id)
    }

    pub async fn campaign(&self, id: CampaignId) -> Result<CampaignView> {
        let pool = self.store().reader();
        let row = store::campaigns::campaign(pool, id)
            .await?
            .ok_or_else(campaign_not_found)?;
        let (version, content) = self.newest_version(id).await?;
        let variables: Vec<VariableView> = content
            .variables()
            .into_iter()
            .map(|(path, need)| VariableView {
                path,
                required: need == Need::Required,
            })
            .collect();
        let paths: Vec<String> = variables.iter().map(|v| v.path.clone()).collect();
        let status = row.status_at(now_ms());
        let curl = if status == CampaignStatus::Live {
            let sandbox = self.sandbox(&row.sandbox_id).await?;
            let target = SampleTarget {
                base_url: &self.settings().public_url,
                campaign_id: &row.id.to_string(),
                channel: content.channel(),
                namespace: &row.namespace,
                create_profiles: row.create_profiles,
                org_id: &sandbox.org_id,
                sandbox_name: &sandbox.name,
            };
            Some(domain::curl::curl_command(&target, &paths))
        } else {
            None
        };
        let history = store::audit::for_campaign(pool, row.id).await?;
        let review = review_of(&row, &content);
        let approval_required = self.needs_approval(&row).await?;
        let approval = store::approvals::for_version(pool, id, version.version).await?;
        let last_editor = store::approvals::editor(pool, id, version.version)
            .await?
            .map(|(_, label)| label);
        let surface_name = match &row.surface_id {
            Some(id) => store::surfaces::by_id(pool, *id).await?.map(|s| s.name),
            None => None,
        };
        let audience_name = match row.audience_id {
            Some(id) => store::audiences::by_id(pool, id).await?.map(|a| a.name),
            None => None,
        };
        Ok(CampaignView {
            surface_name,
            audience_name,
            audience_id: row.audience_id.map(|id| id.to_string()),
            surface_id: row.surface_id.map(|id| id.to_string()),
            tracking: row.tracking,
            history,
            review,
            approval_required,
            approval,
            last_editor,
            status,
            tags: row.tags(),
            category: row.category,
            id: row.id.to_string(),
            title: row.title,
            description: row.description,
            starts_at: row.starts_at,
            ends_at: row.ends_at,
            rate_limit: row.rate_limit,
            created_by: row.created_by,
            channel: row.channel.to_string(),
            namespace: row.namespace,
            create_profiles: row.create_profiles,
            sandbox_id: row.sandbox_id,
            version: version.version,
            live_version: row.live_version,
            subject: version.subject,
            preheader: version.preheader,
            html_body: version.html_body,
            text_body: version.text_body,
            push: (content.channel() == Channel::Push).then(|| content.push().clone()),
            locale_attribute: content.locale_attribute().to_owned(),
            variants: content.to_input().variants,
            fragments: content.fragments().clone(),
            variables,
            curl,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }

    /// One page of a sandbox's campaigns matching `query`.
    pub async fn find_campaigns(
        &self,
        sandbox_id: &str,
        query: &CampaignQuery,
    ) -> Result<CampaignPage> {
        let now = now_ms();
        let (rows, total) =
            store::campaigns::find(self.store().reader(), sandbox_id, query, now).await?;
        let ids: Vec<CampaignId> = rows.iter().map(|r| r.id).collect();
        let activity: HashMap<CampaignId, store::reports::Activity> =
            store::reports::recent_activity(self.store().reader(), &ids, now - DAY_MS)
                .await?
                .into_iter()
                .map(|a| (a.campaign_id, a))
                .collect();
        let items = rows
            .into_iter()
            .map(|r| {
                let a = activity.get(&r.id).cloned().unwrap_or_default();
                CampaignSummary {
                    status: r.status_at(now),
                    category: r.category,
                    tags: r.tags(),
                    id: r.id.to_string(),
                    title: r.title,
                    channel: r.channel.to_string(),
                    updated_at: r.updated_at,
                    last_triggered_at: a.last_triggered_at,
                    sent_24h: a.sent,
                    failure_rate_24h: (a.finished > 0).then(|| a.failed as f64 / a.finished as f64),
                }
            })
            .collect();
        Ok(CampaignPage {
            items,
            total,
            page: query.page,
            per_page: domain::listing::PAGE_SIZE,
        })
    }

    /// A sandbox's campaigns, newest first, archived ones left out (up to 500, for choosers).
    pub async fn list_campaigns(&self, sandbox_id: &str) -> Result<Vec<CampaignSummary>> {
        let mut all = Vec::new();
        for page in 1..=20 {
            let query = CampaignQuery {
                page,
                ..CampaignQuery::default()
            };
            let found = self.find_campaigns(sandbox_id, &query).await?;
            let done = found.items.len() < found.per_page as usize;
            all.extend(found.items);
            if done {
                break;
            }
        }
        Ok(all)
    }

    /// A campaign of this sandbox; other sandboxes' campaigns are `campaign_not_found` too.
    /// The caller's row of the campaign: `campaign_not_found` in another sandbox, refused if
    /// the caller's role does not allow `permission`.
    pub(crate) async fn own_row(
        &self,
        caller: &Caller,
        permission: Permission,
        id: CampaignId,
    ) -> Result<store::campaigns::CampaignRow> {
        caller.require(permission)?;
        store::campaigns::campaign(self.store().reader(), id)
            .await?
            .filter(|row| row.sandbox_id == caller.sandbox_id())
            .ok_or_else(campaign_not_found)
    }

    pub async fn sandbox_campaign(&self, sandbox_id: &str, id: CampaignId) -> Result<CampaignView> {
        let campaign = self.campaign(id).await?;
        if campaign.sandbox_id == sandbox_id {
            Ok(campaign)
        } else {
            Err(campaign_not_found())
        }
    }

    /// Edits a campaign. A draft is changed in place. A live (or scheduled) campaign gets a new
    /// draft version of its content — trigger calls keep the live version until it is activated
    /// — and its properties change at once, except its channel and identity namespace, which
    /// integrations depend on. Stopped, completed and archived campaigns are duplicated instead.
    #[tracing::instrument(skip_all)]
    pub async fn edit_campaign(
        &self,
        caller: &Caller,
        id: CampaignId,
        campaign: NewCampaign,
    ) -> Result<()> {
        let row = self.own_row(caller, Permission::Edit, id).await?;
        let who = &caller.who();
        self.check_campaign_surface(&row.sandbox_id, &campaign)
            .await?;
        self.check_campaign_audience(&row.sandbox_id, &campaign)
            .await?;
        self.check_namespace(&row.sandbox_id, campaign.namespace.as_str(), "namespace")
            .await?;
        let stored = match row.status_at(now_ms()) {
            CampaignStatus::Draft => CampaignStatus::Draft,
            CampaignStatus::Live | CampaignStatus::Scheduled => {
                let mut errors = Vec::new();
                if campaign.content.channel() != row.channel {
                    errors.push(domain::FieldError::new(
                        "channel",
                        "cannot change once the campaign is live",
                    ));
                }
                if campaign.namespace.as_str() != row.namespace {
                    errors.push(domain::FieldError::new(
                        "namespace",
                        "cannot change once the campaign is live",
                    ));
                }
                if !errors.is_empty() {
                    return Err(Error::new(
                        ErrorKind::Conflict,
                        "live_campaign_identity",
                        "A live campaign keeps its channel and namespace; duplicate it to change them.",
                    )
                    .with_errors(errors));
                }
                CampaignStatus::Live
            }
            status => {
                return Err(Error::new(
                    ErrorKind::Conflict,
                    "invalid_transition",
                    format!(
                        "a {} campaign cannot be edited; duplicate it instead",
                        status.as_str()
                    ),
                ));
            }
        };
        let mut tx = self.store().begin().await?;
        let Some(version) =
            store::campaigns::edit(&mut tx, id, stored, &campaign, &who.actor, now_ms()).await?
        else {
            return Err(changed_meanwhile());
        };
        // What an approver would approve is no longer what was asked about.
        store::approvals::withdraw_pending(&mut tx, id, now_ms()).await?;
        let detail = format!("version {version}");
        audit(&mut tx, &row.sandbox_id, id, who, "edited", &detail).await?;
        tx.commit().await?;
        self.inner.campaigns.remove(&id);
        tracing::info!(campaign_id = %id, version, "campaign edited");
        Ok(())
    }

    /// Makes a change the review offers, as an edit of the newest content (a live campaign
    /// gets it in its draft version).
    #[tracing::instrument(skip_all)]
    pub async fn apply_review_fix(
        &self,
        caller: &Caller,
        id: CampaignId,
        fix: domain::review::Fix,
    ) -> Result<()> {
        self.own_row(caller, Permission::Edit, id).await?;
        let mut input = self.campaign(id).await?.to_input();
        fix.apply(&mut input);
        let campaign = self.parse_campaign(caller, &input).await?;
        self.edit_campaign(caller, id, campaign).await
    }

    /// Draft → Live: the newest version becomes the one trigger calls use. On a live campaign
    /// with a newer draft version, activates that version instead (calls accepted before keep
    /// the version they were pinned to). Where the sandbox requires approval of marketing
    /// campaigns, this is refused: an approver approves a request instead.
    #[tracing::instrument(skip_all)]
    pub async fn activate_campaign(&self, caller: &Caller, id: CampaignId) -> Result<()> {
        let row = self.own_row(caller, Permission::Launch, id).await?;
        if self.needs_approval(&row).await? {
            return Err(Error::new(
                ErrorKind::Conflict,
                "approval_required",
                "This sandbox requires approval of marketing campaigns: request approval, then an approver other than the last editor approves it.",
            ));
        }
        self.go_live(caller, &row, None).await
    }

    /// Makes the newest version live, if its review allows: a draft goes live, a live
    /// campaign's newer version replaces the live one. With `approval` (the version and the
    /// approver's comment), the pending request for that version is approved in the same
    /// transaction, or nothing happens.
    pub(crate) async fn go_live(
        &self,
        caller: &Caller,
        row: &store::campaigns::CampaignRow,
        approval: Option<(i64, &str)>,
    ) -> Result<()> {
        let id = row.id;
        let (newest, content) = self.newest_version(id).await?;
        check_review(&review_of(row, &content))?;
        let (who, now) = (&caller.who(), now_ms());
        let status = row.status_at(now);
        let mut tx = self.store().begin().await?;
        // The campaign row is written before the request, in the order an edit writes them.
        let published = if matches!(status, CampaignStatus::Live | CampaignStatus::Scheduled) {
            store::campaigns::publish_newest(&mut tx, id, now).await?
        } else {
            None
        };
        let version = match published {
            Some(version) => version,
            None => {
                CampaignStatus::activate(status).map_err(|reason| {
                    Error::new(ErrorKind::Conflict, "invalid_transition", reason)
                })?;
                if !store::campaigns::mark_live(&mut tx, id, now).await? {
                    return Err(changed_meanwhile());
                }
                newest.version
            }
        };
        if let Some((approved, comment)) = approval {
            let decision = domain::approval::Decision::Approved;
            let approver = &who.actor;
            if approved != version
                || !store::approvals::decide(&mut tx, id, version, decision, approver, comment, now)
                    .await?
            {
                return Err(no_pending_request());
            }
            let detail = domain::approval::decision_detail(version, comment);
            audit(&mut tx, &row.sandbox_id, id, who, "approved", &detail).await?;
        }
        let detail = format!("version {version}");
        audit(&mut tx, &row.sandbox_id, id, who, "activated", &detail).await?;
        tx.commit().await?;
        self.inner.campaigns.remove(&id);
        tracing::info!(campaign_id = %id, version, "campaign activated");
        Ok(())
    }

    /// Live → Stopped, for good: later trigger calls are refused; accepted messages still go out.
    #[tracing::instrument(skip_all)]
    pub async fn stop_campaign(&self, caller: &Caller, id: CampaignId) -> Result<()> {
        self.transition(
            caller,
            id,
            CampaignStatus::stop,
            store::campaigns::mark_stopped,
        )
        .await?;
        tracing::info!(campaign_id = %id, "campaign stopped");
        Ok(())
    }

    /// Stopped or completed → Archived: kept with its history, out of the way.
    #[tracing::instrument(skip_all)]
    pub async fn archive_campaign(&self, caller: &Caller, id: CampaignId) -> Result<()> {
        self.transition(
            caller,
            id,
            CampaignStatus::archive,
            store::campaigns::mark_archived,
        )
        .await?;
        tracing::info!(campaign_id = %id, "campaign archived");
        Ok(())
    }

    /// A new draft with the campaign's newest content, titled "Copy of …". Works for any status:
    /// duplicating is how a stopped campaign sends again.
    #[tracing::instrument(skip_all)]
    pub async fn duplicate_campaign(&self, caller: &Caller, id: CampaignId) -> Result<CampaignId> {
        self.own_row(caller, Permission::Edit, id).await?;
        let original = self.campaign(id).await?;
        let mut input = original.to_input();
        input.title = format!("Copy of {}", original.title)
            .chars()
            .take(200)
            .collect();
        // With the fragments as they are now (a deleted one is refused by field).
        let copy = self.parse_campaign(caller, &input).await?;
        let new_id = self.create_campaign(caller, copy).await?;
        let mut conn = self.store().acquire().await?;
        let detail = format!("from \"{}\" ({id})", original.title);
        audit(
            &mut conn,
            &original.sandbox_id,
            new_id,
            &caller.who(),
            "duplicated",
            &detail,
        )
        .await?;
        tracing::info!(campaign_id = %new_id, from = %id, "campaign duplicated");
        Ok(new_id)
    }

    /// Deletes a draft. Live, stopped and other campaigns are kept for their history.
    #[tracing::instrument(skip_all)]
    pub async fn delete_draft(&self, caller: &Caller, id: CampaignId) -> Result<()> {
        let sandbox_id = self.own_row(caller, Permission::Edit, id).await?.sandbox_id;
        let mut tx = self.store().begin().await?;
        if store::campaigns::delete_draft(&mut tx, id).await? {
            audit(&mut tx, &sandbox_id, id, &caller.who(), "deleted", "").await?;
            tx.commit().await?;
            self.inner.campaigns.remove(&id);
            tracing::info!(campaign_id = %id, "draft deleted");
            return Ok(());
        }
        Err(Error::new(
            ErrorKind::Conflict,
            "invalid_transition",
            "only drafts can be deleted; stop a live campaign instead",
        ))
    }

    /// The newest version (a draft's only one, or a live campaign's pending one) and its content.
    pub(crate) async fn newest_version(
        &self,
        id: CampaignId,
    ) -> Result<(store::campaigns::VersionRow, Content)> {
        let version = store::campaigns::latest_version(self.store().reader(), id)
            .await?
            .ok_or_else(|| Error::internal(anyhow::anyhow!("campaign {id} has no version")))?;
        let content = version.content().map_err(|e| {
            Error::internal(anyhow::anyhow!("stored content of {id} is invalid: {e:?}"))
        })?;
        Ok((version, content))
    }

    /// Checks the lifecycle rule, then writes the change only if the status did not change
    /// meanwhile; the campaign cache forgets the campaign at once.
    async fn transition<W>(
        &self,
        caller: &Caller,
        id: CampaignId,
        rule: fn(CampaignStatus) -> std::result::Result<CampaignStatus, &'static str>,
        write: W,
    ) -> Result<()>
    where
        W: for<'c> AsyncFn(&'c mut store::Conn, CampaignId, i64) -> sqlx::Result<bool>,
    {
        let row = self.own_row(caller, Permission::Launch, id).await?;
        let to = rule(row.status_at(now_ms()))
            .map_err(|reason| Error::new(ErrorKind::Conflict, "invalid_transition", reason))?;
        let mut tx = self.store().begin().await?;
        if !write(&mut tx, id, now_ms()).await? {
            return Err(changed_meanwhile());
        }
        let action = match to {
            CampaignStatus::Stopped => "stopped",
            CampaignStatus::Archived => "archived",
            other => other.as_str(),
        };
        audit(&mut tx, &row.sandbox_id, id, &caller.who(), action, "").await?;
        tx.commit().await?;
        self.inner.campaigns.remove(&id);
        Ok(())
    }
}

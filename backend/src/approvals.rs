//! Approval use cases: an owner requires approval in a sandbox; whoever may edit a campaign
//! requests it for the newest version; an approver other than that version's last
//! editor approves (the version goes live, see [`Herald::go_live`]) or rejects with a comment.
//! The invariants are in [`domain::approval`]; every step is in the campaign's history.

use crate::accounts::Caller;
use crate::campaigns::{audit, check_review, no_pending_request, review_of};
use crate::clock::now_ms;
use crate::error::{Error, ErrorKind, Result};
use crate::{Herald, store};
use domain::ValidationError;
use domain::approval::Decision;
use domain::campaign::CampaignStatus;
use domain::channel::Category;
use domain::ids::CampaignId;
use domain::tenancy::Permission;

fn comment_field(field: &str, raw: &str) -> Result<String> {
    domain::approval::comment(raw)
        .map_err(|m| ValidationError::single("invalid_approval", field, m).into())
}

impl Herald {
    /// Whether the campaign's versions go live only through an approver's decision.
    pub(crate) async fn needs_approval(&self, row: &store::campaigns::CampaignRow) -> Result<bool> {
        Ok(row.category == Category::Marketing
            && store::sandboxes::approval_required(self.store().reader(), &row.sandbox_id).await?)
    }

    /// Turns the caller's sandbox's approval requirement on or off (owners only).
    pub async fn set_approval_required(&self, caller: &Caller, required: bool) -> Result<()> {
        caller.require(Permission::Own)?;
        let action = if required {
            "approval required"
        } else {
            "approval not required"
        };
        let mut tx = self.store().begin().await?;
        store::sandboxes::set_approval_required(&mut tx, caller.sandbox_id(), required).await?;
        let subject = format!("sandbox {}", caller.sandbox.name);
        store::audit::record_event(
            &mut tx,
            caller.sandbox_id(),
            &caller.who(),
            action,
            &subject,
            "marketing campaigns",
            now_ms(),
        )
        .await?;
        tx.commit().await?;
        tracing::info!(
            sandbox_id = caller.sandbox_id(),
            required,
            "approval policy changed"
        );
        Ok(())
    }

    /// Asks an approver to approve the campaign's newest version (a draft, or a live
    /// campaign's newer version). Returns that version.
    pub async fn request_approval(
        &self,
        caller: &Caller,
        id: CampaignId,
        note: &str,
    ) -> Result<i64> {
        let row = self.own_row(caller, Permission::Edit, id).await?;
        let note = comment_field("note", note)?;
        if !self.needs_approval(&row).await? {
            return Err(Error::new(
                ErrorKind::Conflict,
                "approval_not_required",
                "This campaign goes live without approval: activate it.",
            ));
        }
        let (newest, content) = self.newest_version(id).await?;
        let pending_version = row.live_version.is_some_and(|live| live < newest.version);
        let status = row.status_at(now_ms());
        if !(status == CampaignStatus::Draft
            || pending_version
                && matches!(status, CampaignStatus::Live | CampaignStatus::Scheduled))
        {
            return Err(Error::new(
                ErrorKind::Conflict,
                "nothing_to_approve",
                "Nothing is waiting to go live: edit the campaign first.",
            ));
        }
        check_review(&review_of(&row, &content))?;
        let version = newest.version;
        let mut tx = self.store().begin().await?;
        let who = caller.who();
        store::approvals::request(
            &mut tx,
            id,
            version,
            &row.sandbox_id,
            &who.actor,
            &note,
            now_ms(),
        )
        .await?;
        let detail = domain::approval::decision_detail(version, &note);
        audit(
            &mut tx,
            &row.sandbox_id,
            id,
            &who,
            "approval requested",
            &detail,
        )
        .await?;
        tx.commit().await?;
        tracing::info!(campaign_id = %id, version, "approval requested");
        Ok(version)
    }

    /// An approver's decision on the pending request for `version`: approving makes it live
    /// (refused to API keys and to whoever last wrote the version); rejecting needs a comment.
    pub async fn decide_approval(
        &self,
        caller: &Caller,
        id: CampaignId,
        version: i64,
        approve: bool,
        comment: &str,
    ) -> Result<()> {
        let row = self.own_row(caller, Permission::Launch, id).await?;
        let comment = comment_field("comment", comment)?;
        let pool = self.store().reader();
        let pending = store::approvals::for_version(pool, id, version)
            .await?
            .is_some_and(|r| r.is_pending());
        if !pending {
            return Err(no_pending_request());
        }
        if approve {
            if caller.user.is_none() {
                return Err(Error::new(
                    ErrorKind::Forbidden,
                    "approval_by_person",
                    "An approval is a person's decision: approve in the browser.",
                ));
            }
            let editor = store::approvals::editor(pool, id, version).await?;
            if editor.is_some_and(|(actor, _)| actor == caller.actor().to_string()) {
                return Err(Error::new(
                    ErrorKind::Forbidden,
                    "own_change",
                    "You made the last change to this version: another approver must approve it.",
                ));
            }
            return self.go_live(caller, &row, Some((version, &comment))).await;
        }
        if comment.is_empty() {
            return Err(ValidationError::single(
                "invalid_approval",
                "comment",
                "say what should change",
            )
            .into());
        }
        let who = caller.who();
        let mut tx = self.store().begin().await?;
        let decided = store::approvals::decide(
            &mut tx,
            id,
            version,
            Decision::Rejected,
            &who.actor,
            &comment,
            now_ms(),
        )
        .await?;
        if !decided {
            return Err(no_pending_request());
        }
        let detail = domain::approval::decision_detail(version, &comment);
        audit(&mut tx, &row.sandbox_id, id, &who, "rejected", &detail).await?;
        tx.commit().await?;
        tracing::info!(campaign_id = %id, version, "approval rejected");
        Ok(())
    }
}

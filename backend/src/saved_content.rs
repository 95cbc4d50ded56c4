//! Saved content: a campaign's newest content kept under a name, listed, opened to start a new
//! campaign from, and deleted (see [`domain::saved_content`]). Saving copies the content: later
//! edits of the campaign, or its deletion, do not change what was saved.

use crate::accounts::Caller;
use crate::clock::now_ms;
use crate::error::{Error, ErrorKind, Result};
use crate::{Herald, store};
use domain::content::ContentInput;
use domain::ids::{CampaignId, SavedContentId};
use domain::saved_content::{
    NewSavedContent, SaveContentInput, SavedContentSummary, SavedContentView,
};
use domain::tenancy::Permission;

/// The answer for an id that names no saved content of the caller's sandbox.
pub fn saved_content_not_found() -> Error {
    Error::not_found(
        "saved_content_not_found",
        "The sandbox has no saved content of this id.",
    )
}

impl Herald {
    /// Saves the newest content of the caller's campaign (its draft version, if it has one)
    /// under a name no other saved content of the sandbox has.
    pub async fn save_content(
        &self,
        caller: &Caller,
        campaign_id: CampaignId,
        input: &SaveContentInput,
    ) -> Result<SavedContentSummary> {
        let campaign = self.own_row(caller, Permission::Edit, campaign_id).await?;
        let new = NewSavedContent::parse(input)?;
        let (_, content) = self.newest_version(campaign_id).await?;
        let json = serde_json::to_string(&content.to_input())
            .map_err(|e| Error::internal(anyhow::anyhow!("content serialises: {e}")))?;
        let id = SavedContentId::new();
        let now = now_ms();
        let who = caller.who();
        let mut tx = self.store().begin().await?;
        let row = store::saved_content::NewRow {
            id,
            sandbox_id: caller.sandbox_id(),
            name: &new.name,
            description: &new.description,
            channel: content.channel(),
            content: &json,
            campaign_id,
            saved_by: &who.actor,
            saved_at: now,
        };
        if !store::saved_content::insert(&mut tx, &row).await? {
            return Err(Error::new(
                ErrorKind::Conflict,
                "saved_content_exists",
                "the sandbox already has saved content of this name: choose another name",
            )
            .with_errors(vec![domain::FieldError::new(
                "name",
                "is taken by other saved content",
            )]));
        }
        let subject = format!("saved content {}", new.name);
        let detail = format!("from campaign \"{}\"", campaign.title);
        caller
            .audit(&mut tx, "content saved", &subject, &detail)
            .await?;
        tx.commit().await?;
        tracing::info!(%campaign_id, saved_content_id = %id, "content saved");
        store::saved_content::get(self.store().reader(), caller.sandbox_id(), id)
            .await?
            .map(|(summary, _)| summary)
            .ok_or_else(saved_content_not_found)
    }

    /// The sandbox's saved content, by name.
    pub async fn saved_contents(&self, caller: &Caller) -> Result<Vec<SavedContentSummary>> {
        caller.require(Permission::Read)?;
        Ok(store::saved_content::list(self.store().reader(), caller.sandbox_id()).await?)
    }

    /// One saved content with the content itself.
    pub async fn saved_content(
        &self,
        caller: &Caller,
        id: SavedContentId,
    ) -> Result<SavedContentView> {
        caller.require(Permission::Read)?;
        let (summary, json) =
            store::saved_content::get(self.store().reader(), caller.sandbox_id(), id)
                .await?
                .ok_or_else(saved_content_not_found)?;
        let content: ContentInput = serde_json::from_str(&json).map_err(|e| {
            Error::internal(anyhow::anyhow!("saved content {id} is unreadable: {e}"))
        })?;
        Ok(SavedContentView { summary, content })
    }

    /// Deletes one saved content; campaigns started from it keep their own copy.
    pub async fn delete_saved_content(&self, caller: &Caller, id: SavedContentId) -> Result<()> {
        caller.require(Permission::Edit)?;
        let mut tx = self.store().begin().await?;
        let name = store::saved_content::delete(&mut tx, caller.sandbox_id(), id)
            .await?
            .ok_or_else(saved_content_not_found)?;
        caller
            .audit(
                &mut tx,
                "saved content deleted",
                &format!("saved content {name}"),
                "",
            )
            .await?;
        tx.commit().await?;
        tracing::info!(saved_content_id = %id, "saved content deleted");
        Ok(())
    }
}

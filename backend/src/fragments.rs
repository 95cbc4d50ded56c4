//! Fragments: named pieces of content the campaigns of a sandbox include with `{{> name}}`
//! (see [`domain::fragment`] for the rules). Created, edited, listed with the campaigns that
//! include them, and deleted while none does.
//!
//! Invariant: a fragment's edit reaches a campaign only through its next version — the content
//! checks of that version run on the new body then. So an edit can never make a stored version
//! invalid, and what is live or approved keeps the body it was checked with.

use crate::accounts::Caller;
use crate::clock::now_ms;
use crate::error::{Error, ErrorKind, Result};
use crate::{Herald, store};
use domain::campaign::Window;
use domain::fragment::{FragmentInput, Fragments, NewFragment};
use domain::ids::FragmentId;
use domain::tenancy::Permission;
use domain::views::{FragmentUse, FragmentView};

/// The answer for a fragment id that names no fragment of the caller's sandbox.
pub fn fragment_not_found() -> Error {
    Error::not_found(
        "fragment_not_found",
        "The sandbox has no fragment of this id.",
    )
}

impl Herald {
    /// The sandbox's fragments by name, each with the campaigns that include it.
    pub async fn fragments(&self, caller: &Caller) -> Result<Vec<FragmentView>> {
        caller.require(Permission::Read)?;
        let sandbox_id = caller.sandbox_id();
        let rows = store::fragments::list(self.store().reader(), sandbox_id).await?;
        let uses = self.inclusions(sandbox_id).await?;
        Ok(rows.into_iter().map(|row| view(row, &uses)).collect())
    }

    pub async fn fragment(&self, caller: &Caller, id: FragmentId) -> Result<FragmentView> {
        caller.require(Permission::Read)?;
        let sandbox_id = caller.sandbox_id();
        let row = store::fragments::get(self.store().reader(), sandbox_id, id)
            .await?
            .ok_or_else(fragment_not_found)?;
        Ok(view(row, &self.inclusions(sandbox_id).await?))
    }

    /// A new fragment, under a name no other fragment of the sandbox has.
    pub async fn create_fragment(
        &self,
        caller: &Caller,
        input: &FragmentInput,
    ) -> Result<FragmentView> {
        caller.require(Permission::Edit)?;
        let new = NewFragment::parse(input)?;
        let id = FragmentId::new();
        let mut tx = self.store().begin().await?;
        let (sandbox_id, actor) = (caller.sandbox_id(), caller.who().actor);
        if !store::fragments::insert(&mut tx, id, sandbox_id, &new, &actor, now_ms()).await? {
            return Err(Error::new(
                ErrorKind::Conflict,
                "fragment_exists",
                "the sandbox already has a fragment of this name: choose another name",
            )
            .with_errors(vec![domain::FieldError::new(
                "name",
                "is taken by another fragment",
            )]));
        }
        let subject = format!("fragment {}", new.name);
        caller
            .audit(&mut tx, "fragment created", &subject, "")
            .await?;
        tx.commit().await?;
        tracing::info!(fragment_id = %id, "fragment created");
        self.fragment(caller, id).await
    }

    /// Changes a fragment's description and body; campaigns take the new body in their next
    /// version. Its name cannot change: content includes it by name.
    pub async fn edit_fragment(
        &self,
        caller: &Caller,
        id: FragmentId,
        input: &FragmentInput,
    ) -> Result<FragmentView> {
        caller.require(Permission::Edit)?;
        let sandbox_id = caller.sandbox_id();
        let old = store::fragments::get(self.store().reader(), sandbox_id, id)
            .await?
            .ok_or_else(fragment_not_found)?;
        let new = NewFragment::parse(input)?;
        if new.name != old.name {
            return Err(Error::from(domain::ValidationError::single(
                "invalid_fragment",
                "name",
                "cannot change: campaigns include the fragment by its name",
            )));
        }
        let mut tx = self.store().begin().await?;
        let actor = caller.who().actor;
        if !store::fragments::update(&mut tx, sandbox_id, id, &new, &actor, now_ms()).await? {
            return Err(fragment_not_found());
        }
        let subject = format!("fragment {}", new.name);
        caller
            .audit(&mut tx, "fragment edited", &subject, "")
            .await?;
        tx.commit().await?;
        tracing::info!(fragment_id = %id, "fragment edited");
        self.fragment(caller, id).await
    }

    /// Deletes a fragment no campaign includes; while some do, refused with their titles (a
    /// campaign's next edit could not include it any more).
    pub async fn delete_fragment(&self, caller: &Caller, id: FragmentId) -> Result<()> {
        caller.require(Permission::Edit)?;
        let fragment = self.fragment(caller, id).await?;
        if !fragment.used_by.is_empty() {
            let titles: Vec<String> = fragment
                .used_by
                .iter()
                .map(|u| format!("“{}”", u.title))
                .collect();
            return Err(Error::new(
                ErrorKind::Conflict,
                "fragment_in_use",
                format!(
                    "{} include{} this fragment; remove it from their content first.",
                    titles.join(", "),
                    if titles.len() == 1 { "s" } else { "" }
                ),
            ));
        }
        let mut tx = self.store().begin().await?;
        let name = store::fragments::delete(&mut tx, caller.sandbox_id(), id)
            .await?
            .ok_or_else(fragment_not_found)?;
        let subject = format!("fragment {name}");
        caller
            .audit(&mut tx, "fragment deleted", &subject, "")
            .await?;
        tx.commit().await?;
        tracing::info!(fragment_id = %id, "fragment deleted");
        Ok(())
    }

    /// The bodies of the sandbox's fragments as they are now: what new content includes.
    pub(crate) async fn current_fragments(&self, sandbox_id: &str) -> Result<Fragments> {
        Ok(store::fragments::list(self.store().reader(), sandbox_id)
            .await?
            .into_iter()
            .map(|f| (f.name, f.body))
            .collect())
    }

    /// The newest versions of the sandbox's campaigns that include fragments, with the bodies
    /// they hold.
    async fn inclusions(&self, sandbox_id: &str) -> Result<Vec<(FragmentUse, Fragments)>> {
        let now = now_ms();
        let rows = store::fragments::inclusions(self.store().reader(), sandbox_id).await?;
        Ok(rows
            .into_iter()
            .map(|row| {
                let window = Window {
                    starts_at: row.starts_at,
                    ends_at: row.ends_at,
                };
                let held: Fragments = serde_json::from_str(&row.fragments).unwrap_or_default();
                let used = FragmentUse {
                    campaign_id: row.campaign_id.to_string(),
                    title: row.title,
                    status: row.status.effective(window, now),
                    version: row.version,
                    current: false,
                };
                (used, held)
            })
            .collect())
    }
}

/// A fragment with the campaigns whose newest version includes it, each saying whether that
/// version holds the body as it is now.
fn view(row: store::fragments::FragmentRow, uses: &[(FragmentUse, Fragments)]) -> FragmentView {
    let used_by = uses
        .iter()
        .filter_map(|(used, held)| {
            let body = held.get(&row.name)?;
            Some(FragmentUse {
                current: body == row.body,
                ..used.clone()
            })
        })
        .collect();
    FragmentView {
        id: row.id.to_string(),
        name: row.name,
        description: row.description,
        body: row.body,
        updated_by: row.updated_by,
        updated_at: row.updated_at,
        used_by,
    }
}

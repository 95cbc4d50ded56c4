//! Identity namespaces: the standard ones every sandbox has, and custom ones an admin adds.
//! Campaigns and profile identities may use only the namespaces their sandbox knows; a custom
//! namespace in use cannot be deleted.

use crate::accounts::Caller;
use crate::clock::now_ms;
use crate::error::{Error, ErrorKind, Result};
use crate::{Herald, store};
use domain::profile::{NamespaceInput, NewNamespace, STANDARD_NAMESPACES, is_standard};
use domain::tenancy::Permission;
use domain::views::NamespaceView;
use std::collections::{HashMap, HashSet};

/// What the standard namespaces hold.
fn standard_description(name: &str) -> &'static str {
    match name {
        "email" => "Email addresses",
        "phone" => "Mobile numbers in E.164 form",
        "ecid" => "Experience Cloud IDs (devices)",
        _ => "Customer ids of your CRM",
    }
}

impl Herald {
    /// The sandbox's namespaces: the standard ones, then the custom ones by name, each with
    /// how many campaigns and profile identities use it.
    pub async fn list_namespaces(&self, sandbox_id: &str) -> Result<Vec<NamespaceView>> {
        let pool = self.store().reader();
        let usage: HashMap<String, (i64, i64)> = store::namespaces::usage(pool, sandbox_id)
            .await?
            .into_iter()
            .map(|(name, campaigns, identities)| (name, (campaigns, identities)))
            .collect();
        let view = |name: &str, description: &str, standard: bool| {
            let (campaigns, identities) = usage.get(name).copied().unwrap_or_default();
            NamespaceView {
                name: name.to_owned(),
                description: description.to_owned(),
                standard,
                campaigns,
                identities,
            }
        };
        let custom = store::namespaces::list(pool, sandbox_id).await?;
        Ok(STANDARD_NAMESPACES
            .iter()
            .map(|name| view(name, standard_description(name), true))
            .chain(custom.iter().map(|c| view(&c.name, &c.description, false)))
            .collect())
    }

    /// The names of the sandbox's identity namespaces: the standard ones and its custom ones.
    pub(crate) async fn namespace_names(&self, sandbox_id: &str) -> Result<HashSet<String>> {
        let custom = store::namespaces::list(self.store().reader(), sandbox_id).await?;
        Ok(STANDARD_NAMESPACES
            .map(String::from)
            .into_iter()
            .chain(custom.into_iter().map(|c| c.name))
            .collect())
    }

    /// Adds a custom namespace to the sandbox.
    pub async fn add_namespace(
        &self,
        caller: &Caller,
        input: &NamespaceInput,
    ) -> Result<NamespaceView> {
        caller.require(Permission::Configure)?;
        let sandbox_id = caller.sandbox_id();
        let new = NewNamespace::parse(input)?;
        let mut tx = self.store().begin().await?;
        let name = new.name.as_str();
        if !store::namespaces::insert(&mut tx, sandbox_id, name, &new.description, now_ms()).await?
        {
            return Err(Error::new(
                ErrorKind::Conflict,
                "namespace_exists",
                "the sandbox already has a namespace of this name",
            ));
        }
        let subject = format!("namespace {name}");
        caller
            .audit(&mut tx, "namespace added", &subject, "")
            .await?;
        tx.commit().await?;
        tracing::info!(sandbox_id, namespace = name, "namespace added");
        Ok(NamespaceView {
            name: name.to_owned(),
            description: new.description,
            standard: false,
            campaigns: 0,
            identities: 0,
        })
    }

    /// Deletes a custom namespace that no campaign or profile identity uses.
    pub async fn delete_namespace(&self, caller: &Caller, name: &str) -> Result<()> {
        caller.require(Permission::Configure)?;
        let sandbox_id = caller.sandbox_id();
        if is_standard(name) {
            return Err(Error::new(
                ErrorKind::Conflict,
                "standard_namespace",
                "a standard namespace cannot be deleted",
            ));
        }
        let pool = self.store().reader();
        if !store::namespaces::exists(pool, sandbox_id, name).await? {
            return Err(Error::not_found(
                "namespace_not_found",
                "The sandbox has no namespace of this name.",
            ));
        }
        let mut tx = self.store().begin().await?;
        if !store::namespaces::delete_unused(&mut tx, sandbox_id, name).await? {
            return Err(Error::new(
                ErrorKind::Conflict,
                "namespace_in_use",
                "campaigns or profiles use this namespace; it can be deleted once none does",
            ));
        }
        let subject = format!("namespace {name}");
        caller
            .audit(&mut tx, "namespace deleted", &subject, "")
            .await?;
        tx.commit().await?;
        tracing::info!(sandbox_id, namespace = name, "namespace deleted");
        Ok(())
    }

    /// Refuses a namespace the sandbox does not know, naming `field`.
    pub(crate) async fn check_namespace(
        &self,
        sandbox_id: &str,
        name: &str,
        field: &str,
    ) -> Result<()> {
        if is_standard(name)
            || store::namespaces::exists(self.store().reader(), sandbox_id, name).await?
        {
            return Ok(());
        }
        Err(domain::ValidationError::single(
            "unknown_namespace",
            field,
            format!(
                "\"{name}\" is not an identity namespace of this sandbox: use email, phone, ecid, \
                 crmId, or a custom one an admin adds under Settings → Namespaces"
            ),
        )
        .into())
    }
}

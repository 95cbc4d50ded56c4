//! Sandboxes: the isolated spaces of an organisation. See [`domain::tenancy`].

use crate::clock::now_ms;
use crate::error::{Error, ErrorKind, Result};
use crate::{Herald, store};
use domain::ValidationError;
use domain::ids::SandboxId;
use domain::tenancy::{OrgId, SandboxName};
use domain::views::SandboxView;

fn sandbox_not_found() -> Error {
    Error::not_found("sandbox_not_found", "No sandbox has this name.")
}

impl Herald {
    /// Every sandbox of every organisation.
    pub async fn list_sandboxes(&self) -> Result<Vec<SandboxView>> {
        Ok(store::sandboxes::list(self.store().reader()).await?)
    }

    pub async fn create_sandbox(&self, org: &str, name: &str) -> Result<SandboxView> {
        let org = OrgId::parse(org);
        let name = SandboxName::parse(name);
        let (org, name) = match (org, name) {
            (Ok(org), Ok(name)) => (org, name),
            (org, name) => {
                let errors = org.err().into_iter().chain(name.err()).collect();
                return Err(ValidationError::new("invalid_sandbox", errors).into());
            }
        };
        let id = SandboxId::new();
        let mut conn = self.store().acquire().await?;
        match store::sandboxes::insert(&mut conn, id, org.as_str(), name.as_str(), now_ms()).await {
            Ok(()) => {}
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                return Err(Error::new(
                    ErrorKind::Conflict,
                    "sandbox_exists",
                    "this organisation already has a sandbox of this name",
                ));
            }
            Err(e) => return Err(e.into()),
        }
        tracing::info!(sandbox_id = %id, org = org.as_str(), name = name.as_str(), "sandbox created");
        Ok(SandboxView {
            id: id.to_string(),
            org_id: org.as_str().to_owned(),
            name: name.as_str().to_owned(),
        })
    }

    pub async fn sandbox(&self, id: &str) -> Result<SandboxView> {
        store::sandboxes::by_id(self.store().reader(), id)
            .await?
            .ok_or_else(sandbox_not_found)
    }

    /// The sandbox called `name`, in `org` if given (needed when several organisations have one).
    pub async fn sandbox_by_name(&self, org: Option<&str>, name: &str) -> Result<SandboxView> {
        let mut found = store::sandboxes::by_name(self.store().reader(), org, name.trim()).await?;
        match found.len() {
            0 => Err(sandbox_not_found()),
            1 => Ok(found.remove(0)),
            _ => Err(Error::new(
                ErrorKind::Invalid,
                "ambiguous_sandbox",
                "several organisations have a sandbox of this name; name the organisation too",
            )),
        }
    }
}

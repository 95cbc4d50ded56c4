//! Sandboxes: the isolated spaces of an organisation. See [`domain::tenancy`].

use crate::accounts::Caller;
use crate::clock::now_ms;
use crate::error::{Error, ErrorKind, Result};
use crate::store::audit::Who;
use crate::{Herald, store};
use domain::ValidationError;
use domain::ids::{SandboxId, SurfaceId};
use domain::local_time::TimeZoneName;
use domain::recipient::PhoneRegion;
use domain::surface::SurfaceSettings;
use domain::tenancy::{OrgId, Permission, SandboxName};
use domain::views::{SandboxSettingsInput, SandboxSettingsView, SandboxView};

fn sandbox_not_found() -> Error {
    Error::not_found("sandbox_not_found", "No sandbox has this name.")
}

impl Herald {
    /// Every sandbox of every organisation.
    pub async fn list_sandboxes(&self) -> Result<Vec<SandboxView>> {
        Ok(store::sandboxes::list(self.store().reader()).await?)
    }

    /// Creates a sandbox; `who` made it (recorded in the new sandbox's audit log).
    pub async fn create_sandbox(&self, org: &str, name: &str, who: &Who) -> Result<SandboxView> {
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
        let mut tx = self.store().begin().await?;
        match store::sandboxes::insert(&mut tx, id, org.as_str(), name.as_str(), now_ms()).await {
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
        let subject = format!("sandbox {}/{}", org.as_str(), name.as_str());
        let id_text = id.to_string();
        store::audit::record_event(
            &mut tx,
            &id_text,
            who,
            "sandbox created",
            &subject,
            "",
            now_ms(),
        )
        .await?;
        tx.commit().await?;
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

impl Herald {
    /// The sandbox's own settings and the server's defaults.
    pub async fn sandbox_settings(&self, sandbox_id: &str) -> Result<SandboxSettingsView> {
        let sandbox = self.sandbox(sandbox_id).await?;
        let (phone_region, _) =
            store::sandboxes::phone_region_sources(self.store().reader(), sandbox_id, None).await?;
        let time_zone = self.sandbox_time_zone(sandbox_id).await?.to_string();
        Ok(SandboxSettingsView {
            id: sandbox.id,
            org_id: sandbox.org_id,
            name: sandbox.name,
            phone_region,
            server_phone_region: self
                .settings()
                .default_phone_region
                .as_ref()
                .map(|r| r.to_string()),
            time_zone,
            approval_required: store::sandboxes::approval_required(
                self.store().reader(),
                sandbox_id,
            )
            .await?,
        })
    }

    /// Sets the sandbox's own settings (a `None` or empty region: the server's; a `None` or
    /// empty time zone: UTC).
    pub async fn set_sandbox_settings(
        &self,
        caller: &Caller,
        input: &SandboxSettingsInput,
    ) -> Result<SandboxSettingsView> {
        caller.require(Permission::Configure)?;
        let sandbox_id = caller.sandbox_id();
        let raw = input.phone_region.as_deref().map(str::trim);
        let region = match raw.filter(|r| !r.is_empty()) {
            None => None,
            Some(raw) => {
                let refuse = |m: &str| -> Error {
                    ValidationError::single("invalid_sandbox_settings", "phoneRegion", m).into()
                };
                let region = PhoneRegion::parse(raw).map_err(refuse)?;
                if !crate::phone::region_known(&region) {
                    return Err(refuse(crate::surfaces::UNKNOWN_REGION));
                }
                Some(region)
            }
        };
        let time_zone = match input.time_zone.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(raw) => Some(TimeZoneName::parse(raw).map_err(|m| {
                Error::from(ValidationError::single(
                    "invalid_sandbox_settings",
                    "timeZone",
                    m,
                ))
            })?),
        };
        let (region, zone) = (
            region.as_ref().map(PhoneRegion::as_str),
            time_zone.as_ref().map(TimeZoneName::as_str),
        );
        let mut tx = self.store().begin().await?;
        store::sandboxes::set_settings(&mut tx, sandbox_id, region, zone).await?;
        let detail = format!(
            "phone region {}, time zone {}",
            region.unwrap_or("(server's)"),
            zone.unwrap_or("UTC")
        );
        caller
            .audit(&mut tx, "settings changed", "sandbox", &detail)
            .await?;
        tx.commit().await?;
        tracing::info!(sandbox_id, phone_region = ?region, time_zone = ?zone, "sandbox settings changed");
        self.sandbox_settings(sandbox_id).await
    }

    /// The zone of a sandbox's recipients whose profile names none (UTC unless set).
    pub(crate) async fn sandbox_time_zone(&self, sandbox_id: &str) -> Result<TimeZoneName> {
        let stored = store::sandboxes::time_zone(self.store().reader(), sandbox_id).await?;
        Ok(stored
            .and_then(|name| TimeZoneName::parse(&name).ok())
            .unwrap_or_else(TimeZoneName::utc))
    }

    /// The region national numbers of a campaign's messages are read in: its surface's, else
    /// its sandbox's, else the server's.
    pub(crate) async fn phone_region_for(
        &self,
        sandbox_id: &str,
        surface: Option<SurfaceId>,
    ) -> Result<Option<PhoneRegion>> {
        let (own, settings) =
            store::sandboxes::phone_region_sources(self.store().reader(), sandbox_id, surface)
                .await?;
        let surface_region = settings
            .and_then(|json| serde_json::from_str::<SurfaceSettings>(&json).ok())
            .map(|s| s.phone_region);
        Ok([surface_region, own]
            .into_iter()
            .flatten()
            .find_map(|r| PhoneRegion::parse(&r).ok())
            .or_else(|| self.settings().default_phone_region.clone()))
    }
}

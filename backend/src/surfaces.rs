//! Channel surface use cases: list, read, save (create or edit) and delete a sandbox's surfaces,
//! and the check that a campaign names a surface of its own channel and category.
//!
//! Credentials are sealed with the server's [`SecretBox`](crate::secret_box::SecretBox) before
//! they are stored and are opened only to send (or to keep them on an edit); views carry only the
//! names of the ones that are set. A stored secret is bound to the provider and destination
//! (`host:port`) it was entered for: an edit that changes either without sending the secret
//! again is refused (`secret_required`), so a token never follows a changed URL.

use crate::accounts::Caller;
use crate::clock::now_ms;
use crate::error::{Error, ErrorKind, Result};
use crate::store::surfaces::{SurfaceRecord, SurfaceRow};
use crate::{Herald, store};
use domain::FieldError;
use domain::campaign::NewCampaign;
use domain::channel::Channel;
use domain::ids::SurfaceId;
use domain::recipient::PhoneRegion;
use domain::surface::{NewSurface, ProviderKind, SurfaceInput, SurfaceSecrets, SurfaceSettings};
use domain::tenancy::Permission;
use domain::views::{SurfaceCheck, SurfaceView};

/// Why a well-formed region is refused.
pub(crate) const UNKNOWN_REGION: &str = "is not a country whose phone numbers Herald knows";

fn surface_not_found() -> Error {
    Error::not_found("surface_not_found", "No surface has this id.")
}

/// A stored surface, opened: settings parsed and secrets decrypted.
#[derive(Debug, Clone)]
pub struct OpenSurface {
    /// `None`: a surface being checked before it is stored.
    pub id: Option<SurfaceId>,
    pub channel: Channel,
    pub settings: SurfaceSettings,
    pub secrets: SurfaceSecrets,
    pub updated_at: i64,
}

impl Herald {
    pub async fn list_surfaces(&self, sandbox_id: &str) -> Result<Vec<SurfaceView>> {
        let rows = store::surfaces::list(self.store().reader(), sandbox_id).await?;
        Ok(rows.into_iter().map(|r| self.surface_view(r)).collect())
    }

    /// A surface of this sandbox; other sandboxes' surfaces are `surface_not_found` too.
    pub async fn surface(&self, sandbox_id: &str, id: &str) -> Result<SurfaceView> {
        Ok(self.surface_view(self.sandbox_surface(sandbox_id, id).await?))
    }

    async fn sandbox_surface(&self, sandbox_id: &str, id: &str) -> Result<SurfaceRow> {
        let id: SurfaceId = id.parse().map_err(|_| surface_not_found())?;
        store::surfaces::by_id(self.store().reader(), id)
            .await?
            .filter(|r| r.sandbox_id == sandbox_id)
            .ok_or_else(surface_not_found)
    }

    /// Creates a surface (`id` None) or edits one. On an edit the channel stays, secrets left out
    /// are kept, and the category may change only while no campaign uses the surface.
    #[tracing::instrument(skip_all)]
    pub async fn save_surface(
        &self,
        caller: &Caller,
        id: Option<&str>,
        input: &SurfaceInput,
    ) -> Result<SurfaceView> {
        caller.require(Permission::Configure)?;
        let sandbox_id = caller.sandbox_id();
        let resent = input.secrets.names();
        let mut input = input.clone();
        let mut stored_settings = None;
        let (id, created_at) = match id {
            None => (SurfaceId::new(), None),
            Some(id) => {
                let row = self.sandbox_surface(sandbox_id, id).await?;
                if row.channel != input.channel {
                    return Err(invalid("channel", "cannot change; create another surface"));
                }
                if row.category != input.category && row.campaigns > 0 {
                    return Err(Error::new(
                        ErrorKind::Conflict,
                        "surface_in_use",
                        "Campaigns use this surface, so its category cannot change.",
                    ));
                }
                let stored = self.open(&row);
                input.secrets = stored.secrets.updated_with(&input.secrets);
                stored_settings = Some(stored.settings);
                (row.id, Some(row.created_at))
            }
        };
        let surface = NewSurface::parse(&input).map_err(Error::from)?;
        if let Some(stored) = &stored_settings {
            kept_secrets_stay_with_their_destination(stored, &surface, &resent)?;
        }
        if let Ok(region) = PhoneRegion::parse(&surface.settings.phone_region)
            && !crate::phone::region_known(&region)
        {
            return Err(invalid("settings.phoneRegion", UNKNOWN_REGION));
        }
        self.check_destinations(&surface).await?;
        self.check_provider(&surface)?;
        self.check_backup(sandbox_id, id, &surface).await?;
        let settings = serde_json::to_string(&surface.settings).map_err(Error::internal)?;
        let sealed = (!surface.secrets.names().is_empty()).then(|| {
            let json = serde_json::to_vec(&surface.secrets).expect("secrets serialise");
            self.inner.secret_box.seal(&id.to_string(), &json)
        });
        let record = SurfaceRecord {
            id,
            sandbox_id,
            name: &surface.name,
            channel: surface.channel,
            category: surface.category,
            settings: &settings,
            secrets: sealed.as_deref(),
            now: now_ms(),
        };
        let verb = if created_at.is_some() {
            "edited"
        } else {
            "created"
        };
        let mut tx = self.store().begin().await?;
        if !store::surfaces::save(&mut tx, &record).await? {
            return Err(Error::new(
                ErrorKind::Conflict,
                "surface_exists",
                "Another surface of this sandbox has this name.",
            ));
        }
        let subject = format!("surface {}", surface.name);
        let provider = surface.settings.provider.as_str();
        caller
            .audit(&mut tx, &format!("surface {verb}"), &subject, provider)
            .await?;
        tx.commit().await?;
        tracing::info!(surface_id = %id, provider = surface.settings.provider.as_str(), "surface {verb}");
        self.surface(sandbox_id, &id.to_string()).await
    }

    /// Connects to a surface's provider as a send would (connection, TLS, credentials),
    /// sending no message, and reports what it answered. A fresh transport is used, so the
    /// answer is today's, not a pooled connection's.
    #[tracing::instrument(skip_all)]
    pub async fn verify_surface(&self, caller: &Caller, id: &str) -> Result<SurfaceCheck> {
        caller.require(Permission::Configure)?;
        let row = self.sandbox_surface(caller.sandbox_id(), id).await?;
        let open = self.open(&row);
        let provider = open.settings.provider.as_str().to_owned();
        let started = std::time::Instant::now();
        let answer = match self.inner.transports.unshared(&open) {
            Err(why) => Err(format!("The surface {why}")),
            Ok(transport) => transport.verify().await.map_err(|e| e.detail),
        };
        let took_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        tracing::info!(surface_id = %row.id, provider, ok = answer.is_ok(), "surface verified");
        Ok(match answer {
            Ok(answer) => SurfaceCheck {
                provider,
                ok: true,
                answer,
                took_ms,
            },
            Err(answer) => SurfaceCheck {
                provider,
                ok: false,
                answer,
                took_ms,
            },
        })
    }

    /// Deletes a surface that no campaign and no message refers to.
    #[tracing::instrument(skip_all)]
    pub async fn delete_surface(&self, caller: &Caller, id: &str) -> Result<()> {
        caller.require(Permission::Configure)?;
        let row = self.sandbox_surface(caller.sandbox_id(), id).await?;
        let mut tx = self.store().begin().await?;
        if store::surfaces::delete_unused(&mut tx, row.id).await? {
            let subject = format!("surface {}", row.name);
            caller
                .audit(&mut tx, "surface deleted", &subject, "")
                .await?;
            tx.commit().await?;
            tracing::info!(surface_id = %row.id, "surface deleted");
            return Ok(());
        }
        Err(Error::new(
            ErrorKind::Conflict,
            "surface_in_use",
            "Campaigns or messages refer to this surface; it cannot be deleted.",
        ))
    }

    /// Refuses a campaign whose surface is not one of its sandbox, channel and category.
    pub(crate) async fn check_campaign_surface(
        &self,
        sandbox_id: &str,
        campaign: &NewCampaign,
    ) -> Result<()> {
        let Some(id) = campaign.surface_id else {
            return Ok(());
        };
        let Some(row) = store::surfaces::by_id(self.store().reader(), id)
            .await?
            .filter(|r| r.sandbox_id == sandbox_id)
        else {
            return Err(campaign_invalid("no surface of this sandbox has this id"));
        };
        let channel = campaign.content.channel();
        if row.channel != channel {
            return Err(campaign_invalid(format!(
                "is a {} surface; this is a {channel} campaign",
                row.channel,
            )));
        }
        if row.category != campaign.category {
            return Err(campaign_invalid(format!(
                "is a {} surface; this campaign is {}",
                row.category, campaign.category
            )));
        }
        Ok(())
    }

    /// The surface with its secrets opened, for delivery.
    pub(crate) fn open(&self, row: &SurfaceRow) -> OpenSurface {
        let secrets = row
            .secrets
            .as_deref()
            .and_then(|sealed| self.inner.secret_box.open(&row.id.to_string(), sealed))
            .and_then(|json| serde_json::from_slice(&json).ok());
        if row.secrets.is_some() && secrets.is_none() {
            tracing::error!(surface_id = %row.id, "the surface's credentials cannot be opened with this server's secret key; enter them again");
        }
        OpenSurface {
            id: Some(row.id),
            channel: row.channel,
            settings: serde_json::from_str(&row.settings).unwrap_or_default(),
            secrets: secrets.unwrap_or_default(),
            updated_at: row.updated_at,
        }
    }

    /// A backup surface must be another surface of this sandbox and channel.
    async fn check_backup(
        &self,
        sandbox_id: &str,
        id: SurfaceId,
        surface: &NewSurface,
    ) -> Result<()> {
        let backup = surface.settings.backup_surface_id.as_str();
        if backup.is_empty() {
            return Ok(());
        }
        let row = match backup.parse::<SurfaceId>() {
            Ok(backup) => store::surfaces::by_id(self.store().reader(), backup).await?,
            Err(_) => None,
        };
        match row {
            Some(r) if r.id == id => Err(invalid(
                "settings.backupSurfaceId",
                "cannot be the surface itself",
            )),
            Some(r) if r.sandbox_id == sandbox_id && r.channel == surface.channel => Ok(()),
            _ => Err(invalid(
                "settings.backupSurfaceId",
                "must be another surface of this sandbox and channel",
            )),
        }
    }

    /// Checks what only the server can: that the provider's credentials are usable (the SMTP
    /// URL parses, the FCM and APNs keys load).
    fn check_provider(&self, surface: &NewSurface) -> Result<()> {
        let open = OpenSurface {
            id: None,
            channel: surface.channel,
            settings: surface.settings.clone(),
            secrets: surface.secrets.clone(),
            updated_at: -1,
        };
        let field = match surface.settings.provider {
            ProviderKind::Smtp => "secrets.smtpUrl",
            ProviderKind::Fcm => "secrets.serviceAccount",
            ProviderKind::Apns => "secrets.privateKey",
            _ => "settings.provider",
        };
        match self.inner.transports.check(&open) {
            Ok(()) => Ok(()),
            Err(e) => Err(invalid(field, e)),
        }
    }

    fn surface_view(&self, row: SurfaceRow) -> SurfaceView {
        let open = self.open(&row);
        SurfaceView {
            smtp_server: open.secrets.smtp_url.as_deref().map(redact_url),
            secrets_set: open.secrets.names(),
            settings: open.settings,
            channel: open.channel,
            category: row.category,
            id: row.id.to_string(),
            name: row.name,
            campaigns: row.campaigns,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

fn invalid(field: &str, message: impl Into<String>) -> Error {
    Error::from(domain::ValidationError::new(
        "invalid_surface",
        vec![FieldError::new(field, message)],
    ))
}

fn campaign_invalid(message: impl Into<String>) -> Error {
    Error::from(domain::ValidationError::new(
        "invalid_campaign",
        vec![FieldError::new("surfaceId", message)],
    ))
}

/// A URL without its password: `smtp://user@host:587`.
fn redact_url(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut url) => {
            let _ = url.set_password(None);
            url.set_query(None);
            url.to_string()
        }
        Err(_) => "(not a URL)".into(),
    }
}

impl Herald {
    /// Every URL a surface's provider is reached at passes the outbound policy.
    async fn check_destinations(&self, surface: &NewSurface) -> Result<()> {
        let smtp = surface.secrets.smtp_url.clone().unwrap_or_default();
        let settings = surface
            .settings
            .urls()
            .map(|(name, url)| (format!("settings.{name}"), url));
        let mut errors = Vec::new();
        for (field, url) in settings
            .into_iter()
            .chain([("secrets.smtpUrl".into(), smtp.as_str())])
        {
            if !url.is_empty()
                && let Err(why) = self.egress().check_url(url).await
            {
                errors.push(FieldError::new(field, why));
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(domain::ValidationError::new("invalid_surface", errors).into())
        }
    }
}

/// Where a surface's secrets are sent: its provider and the `host:port` of each URL that gets
/// them (the SMTP URL is itself the secret, so it is not listed).
fn secret_destination(settings: &SurfaceSettings) -> (ProviderKind, Vec<String>) {
    let urls: Vec<&str> = match settings.provider {
        ProviderKind::Twilio | ProviderKind::Apns => vec![&settings.base_url],
        ProviderKind::Webhook => vec![&settings.webhook_url],
        ProviderKind::Fcm => vec![&settings.token_url, &settings.api_base],
        ProviderKind::Capture | ProviderKind::Smtp => vec![],
    };
    let hosts = urls
        .into_iter()
        .map(|u| match url::Url::parse(u) {
            Ok(u) => format!(
                "{}:{}",
                u.host_str().unwrap_or_default().to_ascii_lowercase(),
                u.port_or_known_default().unwrap_or_default()
            ),
            Err(_) => u.to_owned(),
        })
        .collect();
    (settings.provider, hosts)
}

/// A stored secret is bound to the provider and destination it was entered for: an edit that
/// changes either must send the secret again, or it would go to a URL it was not given for.
fn kept_secrets_stay_with_their_destination(
    stored: &SurfaceSettings,
    surface: &NewSurface,
    resent: &[String],
) -> Result<()> {
    let (before, after) = (
        secret_destination(stored),
        secret_destination(&surface.settings),
    );
    if before == after {
        return Ok(());
    }
    let kept: Vec<FieldError> = surface
        .secrets
        .names()
        .into_iter()
        .filter(|name| !resent.contains(name))
        .map(|name| {
            FieldError::new(
                format!("secrets.{name}"),
                "was entered for another provider or address: enter it again to use it with the new one",
            )
        })
        .collect();
    if kept.is_empty() {
        return Ok(());
    }
    Err(domain::ValidationError::new("secret_required", kept).into())
}

#[cfg(test)]
mod tests {
    #[test]
    fn redacted_urls_keep_no_password() {
        assert_eq!(
            super::redact_url("smtp://me:hunter2@mail.example:587?tls=required"),
            "smtp://me@mail.example:587"
        );
    }
}

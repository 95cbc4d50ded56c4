//! Where a claimed message goes and when: its surface's transport (or its channel's default),
//! its backup's, and the slot its rate limits give it.

use super::pacing::{Pacer, Slot};
use super::transport::Built;
use super::turn::Plan;
use crate::clock::Millis;
use crate::error::Result;
use crate::store::messages::ClaimedMessage;
use crate::{Herald, store};
use domain::channel::{Category, Channel};
use domain::ids::SurfaceId;
use domain::report::Exclusion;
use domain::surface::SurfaceSettings;
use std::collections::HashMap;

const THROTTLED_PAST_END: &str = "throttled past end date";
const PAST_SEND_WINDOW: &str = "still waiting when its audience send's window closed";

/// A claimed message's way out: its transport, its backup's, and what paces it.
pub(super) struct MessageRoute {
    transport: Built,
    backup: Option<Built>,
    /// (pacing key, messages per second) of its campaign and surface.
    pub limits: Vec<(String, u32)>,
    /// Its campaign's end date.
    ends_at: Option<Millis>,
    /// Its audience send's window's end.
    send_by: Option<Millis>,
}

/// A surface's way out: its transport and its provider's rate limit.
pub(super) struct Route {
    transport: Built,
    rate_limit: Option<u32>,
    /// The backup surface's transport, used when this one's provider is down.
    backup: Option<Built>,
}

/// When a routed message goes: at the slot its rate limits give it within the pacing window,
/// later (back to the outbox), or never if that is past its campaign's end.
pub(super) fn plan(
    route: MessageRoute,
    pacer: &mut Pacer,
    now: Millis,
    window_end: Millis,
) -> Plan {
    let slot = pacer.slot(&route.limits, now, window_end);
    let at = match slot {
        Slot::At(at) | Slot::Later(at) => at,
    };
    match slot {
        _ if route.ends_at.is_some_and(|end| at > end) => {
            Plan::Exclude(Exclusion::PastEndDate, THROTTLED_PAST_END)
        }
        _ if route.send_by.is_some_and(|end| at > end) => {
            Plan::Exclude(Exclusion::SendWindow, PAST_SEND_WINDOW)
        }
        Slot::At(at) => Plan::Send {
            transport: route.transport,
            backup: route.backup,
            at,
            limits: route.limits,
        },
        Slot::Later(at) => Plan::Defer(at),
    }
}

impl Herald {
    /// Where a message goes: its surface's transport (or its channel's default), and the rate
    /// limits and end date that pace it. A marketing email gets its one-click unsubscribe link,
    /// an SMS its delivery-receipt URL.
    pub(super) async fn route(
        &self,
        m: &mut ClaimedMessage,
        routes: &HashMap<SurfaceId, Route>,
    ) -> Result<MessageRoute> {
        let campaign = self.campaign_row(m.campaign_id).await?;
        if m.channel == Channel::Email && campaign.category == Category::Marketing {
            m.outgoing.unsubscribe_url = Some(self.unsubscribe_url(&m.outgoing.id.to_string()));
        }
        if m.channel == Channel::Sms {
            m.outgoing.status_callback_url =
                Some(self.status_callback_url(&m.outgoing.id.to_string()));
        }
        let mut limits = Vec::new();
        if let Some(rate) = campaign.rate_limit {
            limits.push((format!("campaign:{}", m.campaign_id), rate.max(1) as u32));
        }
        let (transport, backup) = match &m.surface_id {
            Some(id) => {
                let route = &routes[id];
                if let Some(rate) = route.rate_limit {
                    limits.push((format!("surface:{id}"), rate));
                }
                (route.transport.clone(), route.backup.clone())
            }
            None => (Ok(self.inner.transports.default_for(m.channel)), None),
        };
        Ok(MessageRoute {
            transport,
            backup,
            limits,
            ends_at: campaign.ends_at,
            send_by: m.send_by,
        })
    }

    /// The route of every surface the claimed messages go through: its transport (cached, or
    /// built anew when the surface changed since), its rate limit and its backup's transport.
    pub(super) async fn routes_for(
        &self,
        claimed: &[ClaimedMessage],
    ) -> Result<HashMap<SurfaceId, Route>> {
        let mut ids: Vec<SurfaceId> = claimed.iter().filter_map(|m| m.surface_id).collect();
        ids.sort_unstable();
        ids.dedup();
        let reader = self.store().reader();
        // Settings are read every round (rate limit, backup); credentials are decrypted only
        // when a surface's transport is built, i.e. when it changed since it was cached.
        let rows = store::surfaces::by_ids(reader, &ids).await?;
        let settings: HashMap<SurfaceId, SurfaceSettings> = rows
            .iter()
            .map(|row| {
                let parsed = serde_json::from_str(&row.settings).unwrap_or_default();
                (row.id, parsed)
            })
            .collect();
        // A surface's backup, if it names one that can be (it was checked when saved).
        let backup_of = |s: &SurfaceSettings| s.backup_surface_id.parse::<SurfaceId>().ok();
        let mut backup_ids: Vec<SurfaceId> = settings
            .values()
            .filter_map(backup_of)
            .filter(|b| !ids.contains(b))
            .collect();
        backup_ids.sort_unstable();
        backup_ids.dedup();
        let backups = store::surfaces::by_ids(reader, &backup_ids).await?;
        let cache = &self.inner.transports;
        let built: HashMap<SurfaceId, Built> = rows
            .iter()
            .chain(&backups)
            .map(|row| {
                let transport = cache
                    .cached(row.id, row.updated_at)
                    .unwrap_or_else(|| cache.build(&self.open(row)));
                (row.id, transport)
            })
            .collect();
        let transport_of = |id: SurfaceId| {
            built
                .get(&id)
                .cloned()
                .unwrap_or_else(|| Err("no longer exists".into()))
        };
        Ok(ids
            .iter()
            .map(|&id| {
                let settings = settings.get(&id);
                let route = Route {
                    transport: transport_of(id),
                    rate_limit: settings.and_then(|s| s.rate_limit),
                    backup: settings.and_then(backup_of).map(transport_of),
                };
                (id, route)
            })
            .collect())
    }
}

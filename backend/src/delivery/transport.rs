//! The transport of each message: its surface's provider, or the server's default for its
//! channel (the `HERALD_SMTP_URL` relay or the capture for email; the capture for SMS and push).
//!
//! Transports are built from opened surfaces and cached by surface id; a surface edited since
//! (a newer `updated_at`) is rebuilt on the next round, so new credentials apply within one round.

use super::SendError;
use super::email::Mailer;
use super::lease::step_timeout;
use super::push::{Apns, Fcm};
use super::sms::{Twilio, Webhook};
use crate::settings::Settings;
use crate::surfaces::OpenSurface;
use domain::channel::Channel;
use domain::delivery::Outgoing;
use domain::ids::SurfaceId;
use domain::surface::ProviderKind;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// A surface's transport, or why it cannot be built (the message waits for a fix).
pub(crate) type Built = Result<Arc<Transport>, String>;

pub(crate) enum Transport {
    Email(Mailer),
    Twilio(Twilio),
    Webhook(Webhook),
    Fcm(Fcm),
    Apns(Apns),
    Capture,
}

impl Transport {
    /// The provider name recorded on attempts.
    pub fn provider(&self) -> &'static str {
        match self {
            Transport::Email(mailer) => mailer.provider(),
            Transport::Twilio(_) => "twilio",
            Transport::Webhook(_) => "webhook",
            Transport::Fcm(_) => "fcm",
            Transport::Apns(_) => "apns",
            Transport::Capture => "capture",
        }
    }

    /// Connects to the provider as a send would, sending no message, and says what it answered.
    pub async fn verify(&self) -> Result<String, SendError> {
        match self {
            Transport::Email(mailer) => mailer.verify().await,
            Transport::Twilio(t) => t.verify().await,
            Transport::Webhook(w) => w.verify().await,
            Transport::Fcm(f) => f.verify().await,
            Transport::Apns(a) => a.verify().await,
            Transport::Capture => Ok(super::CAPTURE_VERIFIED.to_owned()),
        }
    }

    /// Sends one message; on success, the provider's id for it if it gave one.
    pub async fn send(&self, m: &Outgoing) -> Result<Option<String>, SendError> {
        match self {
            Transport::Email(mailer) => mailer.send(m).await.map(|()| None),
            Transport::Twilio(t) => t.send(m).await,
            Transport::Webhook(w) => w.send(m).await,
            Transport::Fcm(f) => f.send(m).await,
            Transport::Apns(a) => a.send(m).await,
            Transport::Capture => Ok(None),
        }
    }
}

pub(crate) struct Transports {
    settings: Settings,
    default_email: Arc<Transport>,
    capture: Arc<Transport>,
    /// HTTP/1.1 or HTTP/2 as the server offers (SMS gateways, FCM).
    http: reqwest::Client,
    /// HTTP/2 only (APNs).
    http2: reqwest::Client,
    /// Surface id → (its `updated_at`, its transport or why it could not be built).
    built: Mutex<HashMap<SurfaceId, (i64, Built)>>,
}

impl Transports {
    pub fn new(settings: &Settings) -> anyhow::Result<Self> {
        let timeout = step_timeout(settings);
        let egress = crate::egress_of(settings);
        let http = egress.http_client(timeout, false)?;
        let http2 = egress.http_client(timeout, true)?;
        Ok(Self {
            settings: settings.clone(),
            default_email: Arc::new(Transport::Email(Mailer::from_settings(settings)?)),
            capture: Arc::new(Transport::Capture),
            http,
            http2,
            built: Mutex::new(HashMap::new()),
        })
    }

    /// The default email provider's name, for the start-up log.
    pub fn default_email_provider(&self) -> &'static str {
        self.default_email.provider()
    }

    /// The transport of a message without a surface.
    pub fn default_for(&self, channel: Channel) -> Arc<Transport> {
        if channel == Channel::Email {
            self.default_email.clone()
        } else {
            self.capture.clone()
        }
    }

    /// The cached transport of a surface if it is as new as `updated_at`.
    pub fn cached(&self, id: SurfaceId, updated_at: i64) -> Option<Built> {
        let built = self.built.lock().expect("transport cache lock");
        built
            .get(&id)
            .filter(|(at, _)| *at == updated_at)
            .map(|(_, t)| t.clone())
    }

    /// Whether a surface's transport can be built (its keys load, its URL parses).
    pub fn check(&self, surface: &OpenSurface) -> Result<(), String> {
        self.make(surface).map(drop)
    }

    /// A new transport of an opened surface, not cached nor shared (for a check).
    pub fn unshared(&self, surface: &OpenSurface) -> Result<Transport, String> {
        self.make(surface)
    }

    /// Builds (and caches) the transport of an opened surface.
    pub fn build(&self, surface: &OpenSurface) -> Built {
        let built = self.make(surface).map(Arc::new);
        if let Some(id) = surface.id {
            self.built
                .lock()
                .expect("transport cache lock")
                .insert(id, (surface.updated_at, built.clone()));
        }
        built
    }

    fn make(&self, surface: &OpenSurface) -> Result<Transport, String> {
        let s = &surface.settings;
        let secrets = &surface.secrets;
        // Names are checked as they resolve; a literal address is checked here, once per build.
        let egress = crate::egress_of(&self.settings);
        for (field, url) in s.urls() {
            if !url.is_empty() {
                egress
                    .check_literal(url)
                    .map_err(|why| format!("is not usable: {field} {why}"))?;
            }
        }
        let built = match s.provider {
            ProviderKind::Capture => Ok(Transport::Capture),
            ProviderKind::Smtp => {
                Mailer::from_surface(&self.settings, s, secrets).map(Transport::Email)
            }
            ProviderKind::Twilio => {
                Twilio::new(self.http.clone(), s, secrets).map(Transport::Twilio)
            }
            ProviderKind::Webhook => Ok(Transport::Webhook(Webhook::new(
                self.http.clone(),
                s,
                secrets,
            ))),
            ProviderKind::Fcm => Fcm::new(self.http.clone(), s, secrets).map(Transport::Fcm),
            ProviderKind::Apns => Apns::new(self.http2.clone(), s, secrets).map(Transport::Apns),
        };
        built.map_err(|e| format!("is not usable: {e:#}"))
    }
}

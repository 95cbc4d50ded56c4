//! Channel surfaces: who a message comes from and which provider carries it.
//!
//! A surface belongs to one sandbox and one channel and is marked marketing or transactional; a
//! campaign may only use a surface of its own channel and category. Its settings are plain; its
//! provider credentials ([`SurfaceSecrets`]) are write-only: stored encrypted, never shown again,
//! and a view says only which of them are set. On an edit, a secret left out keeps its value.

use crate::channel::{Category, Channel};
use crate::error::{FieldError, ValidationError};
use crate::recipient::{EmailAddress, PhoneNumber, PhoneRegion};
use serde::{Deserialize, Serialize};

/// Who carries a surface's messages.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProviderKind {
    /// Kept in Herald and shown on "Sent messages"; nothing leaves the machine. Any channel.
    #[default]
    Capture,
    /// Email through an SMTP relay.
    Smtp,
    /// SMS through a Twilio-compatible Messages API.
    Twilio,
    /// SMS as a JSON POST to a gateway of your own.
    Webhook,
    /// Push through Firebase Cloud Messaging (HTTP v1).
    Fcm,
    /// Push through Apple Push Notification service (token-based auth).
    Apns,
}

impl ProviderKind {
    pub const ALL: [ProviderKind; 6] = [
        ProviderKind::Capture,
        ProviderKind::Smtp,
        ProviderKind::Twilio,
        ProviderKind::Webhook,
        ProviderKind::Fcm,
        ProviderKind::Apns,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ProviderKind::Capture => "capture",
            ProviderKind::Smtp => "smtp",
            ProviderKind::Twilio => "twilio",
            ProviderKind::Webhook => "webhook",
            ProviderKind::Fcm => "fcm",
            ProviderKind::Apns => "apns",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            ProviderKind::Capture => "Local capture (nothing is sent)",
            ProviderKind::Smtp => "SMTP relay",
            ProviderKind::Twilio => "Twilio-compatible API",
            ProviderKind::Webhook => "JSON webhook",
            ProviderKind::Fcm => "Firebase Cloud Messaging",
            ProviderKind::Apns => "Apple Push Notification service",
        }
    }

    /// Whether this provider can carry messages of `channel`.
    pub fn serves(self, channel: Channel) -> bool {
        matches!(
            (self, channel),
            (ProviderKind::Capture, _)
                | (ProviderKind::Smtp, Channel::Email)
                | (ProviderKind::Twilio | ProviderKind::Webhook, Channel::Sms)
                | (ProviderKind::Fcm | ProviderKind::Apns, Channel::Push)
        )
    }
}

/// Default endpoints, used when a setting is left empty; tests point them at local servers.
pub const TWILIO_BASE_URL: &str = "https://api.twilio.com";
pub const FCM_TOKEN_URL: &str = "https://oauth2.googleapis.com/token";
pub const FCM_API_BASE: &str = "https://fcm.googleapis.com";
pub const APNS_BASE_URL: &str = "https://api.push.apple.com";

/// A surface's plain settings. Fields that do not apply to its channel and provider are empty.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct SurfaceSettings {
    pub provider: ProviderKind,
    /// Email: the sender's display name.
    pub from_name: String,
    /// Email: the sender's address.
    pub from_address: String,
    /// Email: where replies go (optional).
    pub reply_to: String,
    /// SMS: an alphanumeric sender id (up to 11 characters) or an E.164 number.
    pub sender: String,
    /// SMS: the country national numbers (without a leading `+`) are read in, e.g. `US`;
    /// empty: the sandbox's default.
    pub phone_region: String,
    /// Push: the app's bundle id or package name.
    pub app_id: String,
    /// Push: `android` or `ios`.
    pub platform: String,
    /// Twilio, APNs: the API's base URL (default: the provider's own).
    pub base_url: String,
    /// Twilio: the account SID.
    pub account_sid: String,
    /// Webhook: the gateway URL that receives a JSON POST per SMS.
    pub webhook_url: String,
    /// FCM: the OAuth2 token URL (default: the service account's `token_uri`).
    pub token_url: String,
    /// FCM: the API's base URL.
    pub api_base: String,
    /// APNs: the developer team id.
    pub team_id: String,
    /// APNs: the signing key's id.
    pub key_id: String,
    /// Another surface of the same channel whose provider takes over when this one's is down
    /// (no connection, a timeout, a 5xx); empty: none.
    pub backup_surface_id: String,
    /// Most messages per second this provider takes from Herald (1 to 10,000; none: no limit).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<u32>,
}

/// A surface's credentials: write-only. `None` on an edit keeps the stored value.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct SurfaceSecrets {
    /// SMTP: `smtp://user:password@host:587?tls=required` or `smtps://…`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smtp_url: Option<String>,
    /// Twilio: the auth token. Webhook: a bearer token sent as `Authorization` (optional).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_token: Option<String>,
    /// FCM: the service account's JSON key file, whole.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_account: Option<String>,
    /// APNs: the `.p8` signing key (PEM).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private_key: Option<String>,
}

impl std::fmt::Debug for SurfaceSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SurfaceSecrets([redacted])")
    }
}

impl SurfaceSecrets {
    /// The names of the secrets that are set, as the API spells them.
    pub fn names(&self) -> Vec<String> {
        [
            ("smtpUrl", &self.smtp_url),
            ("authToken", &self.auth_token),
            ("serviceAccount", &self.service_account),
            ("privateKey", &self.private_key),
        ]
        .into_iter()
        .filter(|(_, v)| v.as_deref().is_some_and(|v| !v.is_empty()))
        .map(|(n, _)| n.to_owned())
        .collect()
    }

    /// `self` with every secret that `update` sets replaced; empty strings count as unset.
    pub fn updated_with(&self, update: &SurfaceSecrets) -> SurfaceSecrets {
        let pick = |new: &Option<String>, old: &Option<String>| {
            new.clone()
                .filter(|v| !v.trim().is_empty())
                .or_else(|| old.clone())
        };
        SurfaceSecrets {
            smtp_url: pick(&update.smtp_url, &self.smtp_url),
            auth_token: pick(&update.auth_token, &self.auth_token),
            service_account: pick(&update.service_account, &self.service_account),
            private_key: pick(&update.private_key, &self.private_key),
        }
    }

    /// Only the secrets `provider` uses: switching provider drops the others.
    pub fn for_provider(&self, provider: ProviderKind) -> SurfaceSecrets {
        let mut kept = SurfaceSecrets::default();
        match provider {
            ProviderKind::Capture => {}
            ProviderKind::Smtp => kept.smtp_url = self.smtp_url.clone(),
            ProviderKind::Twilio | ProviderKind::Webhook => {
                kept.auth_token = self.auth_token.clone()
            }
            ProviderKind::Fcm => kept.service_account = self.service_account.clone(),
            ProviderKind::Apns => kept.private_key = self.private_key.clone(),
        }
        kept
    }
}

/// A surface as a form or an API client submits it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SurfaceInput {
    pub name: String,
    pub channel: Channel,
    pub category: Category,
    #[serde(default)]
    pub settings: SurfaceSettings,
    /// Write-only credentials; left out on an edit, the stored ones are kept.
    #[serde(default)]
    pub secrets: SurfaceSecrets,
}

/// A validated surface: its settings are trimmed and complete for its channel and provider, and
/// its secrets are the ones its provider needs.
#[derive(Debug, Clone)]
pub struct NewSurface {
    pub name: String,
    pub channel: Channel,
    pub category: Category,
    pub settings: SurfaceSettings,
    pub secrets: SurfaceSecrets,
}

/// The service-account fields FCM needs.
#[derive(Debug, Clone, Deserialize)]
pub struct ServiceAccount {
    pub project_id: String,
    pub client_email: String,
    pub private_key: String,
    #[serde(default)]
    pub token_uri: Option<String>,
}

impl ServiceAccount {
    pub fn parse(json: &str) -> Result<Self, String> {
        let account: ServiceAccount = serde_json::from_str(json)
            .map_err(|_| "must be the service account's JSON key file (with project_id, client_email and private_key)".to_owned())?;
        if !account.private_key.contains("PRIVATE KEY") {
            return Err("private_key must be a PEM private key".into());
        }
        Ok(account)
    }
}

impl NewSurface {
    /// Validates `input`, whose secrets were already merged with the stored ones on an edit.
    pub fn parse(input: &SurfaceInput) -> Result<Self, ValidationError> {
        let mut errors = Vec::new();
        let name = input.name.trim().to_owned();
        if name.is_empty() || name.chars().count() > 100 || name.contains(['\r', '\n']) {
            errors.push(FieldError::new(
                "name",
                "is required: one line of at most 100 characters",
            ));
        }
        let mut s = trimmed(&input.settings);
        // Every setting ends up in a header, a URL or a request line: one line of text, always.
        for (field, value) in s.texts() {
            if value.chars().any(char::is_control) || value.len() > 2048 {
                errors.push(FieldError::new(
                    format!("settings.{field}"),
                    "must be one line of at most 2,048 characters, without control characters",
                ));
            }
        }
        let provider = s.provider;
        if !provider.serves(input.channel) {
            errors.push(FieldError::new(
                "settings.provider",
                format!(
                    "{} cannot carry {} messages",
                    provider.as_str(),
                    input.channel.as_str()
                ),
            ));
        }
        match input.channel {
            Channel::Email => {
                if EmailAddress::parse(&s.from_address).is_err() {
                    errors.push(FieldError::new(
                        "settings.fromAddress",
                        "must be an email address such as news@example.com",
                    ));
                }
                if s.from_name.chars().count() > 100 || s.from_name.contains('"') {
                    errors.push(FieldError::new(
                        "settings.fromName",
                        "must be at most 100 characters, without double quotes",
                    ));
                }
                if !s.reply_to.is_empty() && EmailAddress::parse(&s.reply_to).is_err() {
                    errors.push(FieldError::new(
                        "settings.replyTo",
                        "must be an email address or empty",
                    ));
                }
            }
            Channel::Sms => {
                if !valid_sender(&s.sender) {
                    errors.push(FieldError::new(
                        "settings.sender",
                        "must be an E.164 number (+15551234567) or 1 to 11 letters and digits",
                    ));
                }
                if !s.phone_region.is_empty()
                    && let Err(m) = PhoneRegion::parse(&s.phone_region)
                {
                    errors.push(FieldError::new("settings.phoneRegion", m));
                }
            }
            Channel::Push => {
                if s.app_id.is_empty()
                    || s.app_id.len() > 200
                    || s.app_id.chars().any(char::is_whitespace)
                {
                    errors.push(FieldError::new(
                        "settings.appId",
                        "is required: the app's bundle id or package name",
                    ));
                }
                if !matches!(s.platform.as_str(), "android" | "ios") {
                    errors.push(FieldError::new(
                        "settings.platform",
                        "must be android or ios",
                    ));
                } else if provider == ProviderKind::Apns && s.platform != "ios" {
                    errors.push(FieldError::new("settings.platform", "must be ios for APNs"));
                }
            }
        }
        if s.rate_limit.is_some_and(|r| !(1..=10_000).contains(&r)) {
            errors.push(FieldError::new(
                "settings.rateLimit",
                "must be 1 to 10,000 messages per second",
            ));
        }
        let secrets = input.secrets.for_provider(provider);
        let secret = |v: &Option<String>| v.as_deref().map(str::trim).unwrap_or("").to_owned();
        match provider {
            ProviderKind::Capture => {}
            ProviderKind::Smtp => {
                let url = secret(&secrets.smtp_url);
                if !(url.starts_with("smtp://") || url.starts_with("smtps://")) || url.len() < 10 {
                    errors.push(FieldError::new(
                        "secrets.smtpUrl",
                        "is required: smtp://user:password@host:587?tls=required or smtps://…",
                    ));
                }
            }
            ProviderKind::Twilio => {
                need("accountSid", &s.account_sid, &mut errors);
                if secret(&secrets.auth_token).is_empty() {
                    errors.push(FieldError::new(
                        "secrets.authToken",
                        "is required for Twilio",
                    ));
                }
                default_url(&mut s.base_url, TWILIO_BASE_URL, "baseUrl", &mut errors);
            }
            ProviderKind::Webhook => {
                need("webhookUrl", &s.webhook_url, &mut errors);
                check_url(&s.webhook_url, "webhookUrl", &mut errors);
            }
            ProviderKind::Fcm => {
                match ServiceAccount::parse(&secret(&secrets.service_account)) {
                    Ok(account) => {
                        let from_key = account.token_uri.unwrap_or_default();
                        let fallback = if from_key.is_empty() {
                            FCM_TOKEN_URL
                        } else {
                            &from_key
                        };
                        default_url(&mut s.token_url, fallback, "tokenUrl", &mut errors);
                    }
                    Err(message) => errors.push(FieldError::new("secrets.serviceAccount", message)),
                }
                default_url(&mut s.api_base, FCM_API_BASE, "apiBase", &mut errors);
            }
            ProviderKind::Apns => {
                for (field, value) in [("teamId", &s.team_id), ("keyId", &s.key_id)] {
                    if value.len() != 10 || !value.chars().all(|c| c.is_ascii_alphanumeric()) {
                        errors.push(FieldError::new(
                            format!("settings.{field}"),
                            "must be the 10-character id Apple shows",
                        ));
                    }
                }
                if !secret(&secrets.private_key).contains("PRIVATE KEY") {
                    errors.push(FieldError::new(
                        "secrets.privateKey",
                        "is required: the .p8 signing key (PEM)",
                    ));
                }
                default_url(&mut s.base_url, APNS_BASE_URL, "baseUrl", &mut errors);
            }
        }
        if !errors.is_empty() {
            return Err(ValidationError::new("invalid_surface", errors));
        }
        Ok(Self {
            name,
            channel: input.channel,
            category: input.category,
            settings: s,
            secrets,
        })
    }
}

impl SurfaceSettings {
    /// The URL settings a provider is reached at, with their API names (empty: not used).
    pub fn urls(&self) -> [(&'static str, &str); 4] {
        [
            ("baseUrl", &self.base_url),
            ("webhookUrl", &self.webhook_url),
            ("tokenUrl", &self.token_url),
            ("apiBase", &self.api_base),
        ]
    }

    /// Every text setting with its API name.
    fn texts(&self) -> [(&'static str, &str); 15] {
        [
            ("fromName", &self.from_name),
            ("fromAddress", &self.from_address),
            ("replyTo", &self.reply_to),
            ("sender", &self.sender),
            ("phoneRegion", &self.phone_region),
            ("appId", &self.app_id),
            ("platform", &self.platform),
            ("baseUrl", &self.base_url),
            ("accountSid", &self.account_sid),
            ("webhookUrl", &self.webhook_url),
            ("tokenUrl", &self.token_url),
            ("apiBase", &self.api_base),
            ("teamId", &self.team_id),
            ("keyId", &self.key_id),
            ("backupSurfaceId", &self.backup_surface_id),
        ]
    }
}

/// The settings trimmed, with those of other channels and providers cleared.
fn trimmed(raw: &SurfaceSettings) -> SurfaceSettings {
    let t = |v: &str| v.trim().to_owned();
    let p = raw.provider;
    let keep = |applies: bool, v: &str| if applies { t(v) } else { String::new() };
    use ProviderKind::*;
    SurfaceSettings {
        provider: p,
        from_name: t(&raw.from_name),
        from_address: t(&raw.from_address),
        reply_to: t(&raw.reply_to),
        sender: t(&raw.sender),
        phone_region: t(&raw.phone_region).to_ascii_uppercase(),
        app_id: t(&raw.app_id),
        platform: t(&raw.platform).to_ascii_lowercase(),
        base_url: keep(matches!(p, Twilio | Apns), &raw.base_url),
        account_sid: keep(p == Twilio, &raw.account_sid),
        webhook_url: keep(p == Webhook, &raw.webhook_url),
        token_url: keep(p == Fcm, &raw.token_url),
        api_base: keep(p == Fcm, &raw.api_base),
        team_id: keep(p == Apns, &raw.team_id),
        key_id: keep(p == Apns, &raw.key_id),
        rate_limit: raw.rate_limit,
        backup_surface_id: t(&raw.backup_surface_id),
    }
}

fn need(field: &str, value: &str, errors: &mut Vec<FieldError>) {
    if value.is_empty() {
        errors.push(FieldError::new(
            format!("settings.{field}"),
            "is required for this provider",
        ));
    }
}

fn valid_sender(sender: &str) -> bool {
    PhoneNumber::parse(sender).is_ok()
        || ((1..=11).contains(&sender.len())
            && sender.chars().all(|c| c.is_ascii_alphanumeric())
            && sender.chars().any(|c| c.is_ascii_alphabetic()))
}

fn check_url(url: &str, field: &str, errors: &mut Vec<FieldError>) {
    let ok = (url.starts_with("https://") || url.starts_with("http://"))
        && !url.contains(char::is_whitespace);
    if !url.is_empty() && !ok {
        errors.push(FieldError::new(
            format!("settings.{field}"),
            "must be an http:// or https:// URL",
        ));
    }
}

fn default_url(value: &mut String, default: &str, field: &str, errors: &mut Vec<FieldError>) {
    if value.is_empty() {
        *value = default.to_owned();
    }
    *value = value.trim_end_matches('/').to_owned();
    check_url(value, field, errors);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_setting_can_carry_a_line_break_or_a_control_character() {
        for (field, bad) in [
            ("fromName", "Acme\r\nBcc: victim@example.com"),
            ("fromName", "Acme\u{0}"),
            ("replyTo", "a@acme.test\nX: y"),
        ] {
            let mut input = email(ProviderKind::Capture);
            match field {
                "fromName" => input.settings.from_name = bad.into(),
                _ => input.settings.reply_to = bad.into(),
            }
            let err = NewSurface::parse(&input).unwrap_err();
            assert!(
                err.errors
                    .iter()
                    .any(|e| e.field == format!("settings.{field}")),
                "{field}: {err:?}"
            );
        }
        let mut sms = email(ProviderKind::Webhook);
        sms.channel = Channel::Sms;
        sms.settings.sender = "Acme".into();
        sms.settings.webhook_url = "https://gw.example/sms\u{7f}".into();
        let err = NewSurface::parse(&sms).unwrap_err();
        assert!(
            err.errors.iter().any(|e| e.field == "settings.webhookUrl"),
            "{err:?}"
        );
    }

    fn email(provider: ProviderKind) -> SurfaceInput {
        SurfaceInput {
            name: "Newsletters".into(),
            channel: Channel::Email,
            category: Category::Marketing,
            settings: SurfaceSettings {
                provider,
                from_name: "Acme News".into(),
                from_address: "news@acme.test".into(),
                ..Default::default()
            },
            secrets: SurfaceSecrets::default(),
        }
    }

    fn fields(input: &SurfaceInput) -> Vec<String> {
        NewSurface::parse(input)
            .unwrap_err()
            .errors
            .into_iter()
            .map(|e| e.field)
            .collect()
    }

    #[test]
    fn a_capture_email_surface_needs_only_a_sender() {
        let s = NewSurface::parse(&email(ProviderKind::Capture)).unwrap();
        assert_eq!(s.settings.from_address, "news@acme.test");
        let mut bad = email(ProviderKind::Capture);
        bad.settings.from_address = "nope".into();
        bad.settings.reply_to = "also nope".into();
        assert_eq!(fields(&bad), ["settings.fromAddress", "settings.replyTo"]);
    }

    #[test]
    fn smtp_needs_its_url_as_a_secret() {
        assert_eq!(fields(&email(ProviderKind::Smtp)), ["secrets.smtpUrl"]);
        let mut ok = email(ProviderKind::Smtp);
        ok.secrets.smtp_url = Some("smtp://u:p@127.0.0.1:2525".into());
        assert!(NewSurface::parse(&ok).is_ok());
    }

    #[test]
    fn a_provider_must_serve_the_channel() {
        assert_eq!(
            fields(&email(ProviderKind::Twilio)),
            [
                "settings.provider",
                "settings.accountSid",
                "secrets.authToken"
            ]
        );
    }

    #[test]
    fn sms_senders_are_numbers_or_short_names() {
        for (sender, ok) in [
            ("+15551234567", true),
            ("ACME", true),
            ("Acme2Go", true),
            ("12345", false),
            ("TooLongSenderName", false),
            ("", false),
        ] {
            assert_eq!(valid_sender(sender), ok, "{sender}");
        }
    }

    #[test]
    fn defaults_fill_empty_endpoints_and_other_providers_settings_are_dropped() {
        let input = SurfaceInput {
            name: "Alerts".into(),
            channel: Channel::Sms,
            category: Category::Transactional,
            settings: SurfaceSettings {
                provider: ProviderKind::Twilio,
                sender: "ACME".into(),
                account_sid: " AC123 ".into(),
                webhook_url: "https://stale.example".into(),
                ..Default::default()
            },
            secrets: SurfaceSecrets {
                auth_token: Some("t".into()),
                private_key: Some("stale".into()),
                ..Default::default()
            },
        };
        let s = NewSurface::parse(&input).unwrap();
        assert_eq!(s.settings.base_url, TWILIO_BASE_URL);
        assert_eq!(s.settings.account_sid, "AC123");
        assert_eq!(s.settings.webhook_url, "");
        assert_eq!(s.secrets.names(), ["authToken"]);
    }

    #[test]
    fn secrets_left_out_keep_the_stored_ones() {
        let stored = SurfaceSecrets {
            auth_token: Some("old".into()),
            ..Default::default()
        };
        let kept = stored.updated_with(&SurfaceSecrets {
            auth_token: Some("  ".into()),
            ..Default::default()
        });
        assert_eq!(kept.auth_token.as_deref(), Some("old"));
        let replaced = stored.updated_with(&SurfaceSecrets {
            auth_token: Some("new".into()),
            ..Default::default()
        });
        assert_eq!(replaced.auth_token.as_deref(), Some("new"));
        assert!(!format!("{replaced:?}").contains("new"));
    }

    #[test]
    fn push_surfaces_check_the_platform_and_apns_ids() {
        let input = SurfaceInput {
            name: "App".into(),
            channel: Channel::Push,
            category: Category::Transactional,
            settings: SurfaceSettings {
                provider: ProviderKind::Apns,
                app_id: "com.acme.app".into(),
                platform: "android".into(),
                team_id: "ABCDE12345".into(),
                key_id: "short".into(),
                ..Default::default()
            },
            secrets: SurfaceSecrets::default(),
        };
        assert_eq!(
            fields(&input),
            ["settings.platform", "settings.keyId", "secrets.privateKey"]
        );
    }
}

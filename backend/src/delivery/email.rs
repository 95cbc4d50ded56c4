//! Email transports: an SMTP relay (lettre over our own connection pool), or the local capture
//! store. The server's settings give the default one; a surface may give its own.

use super::SendError;
use super::lease::step_timeout;
use super::smtp_pool::SmtpPool;
use crate::egress::Egress;
use crate::settings::Settings;
use anyhow::Context;
use domain::delivery::Outgoing;
use domain::surface::{ProviderKind, SurfaceSecrets, SurfaceSettings};
use lettre::Message;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use std::sync::Arc;

/// Where emails go.
#[derive(Clone)]
pub enum Mailer {
    /// A real SMTP relay.
    Smtp {
        pool: Arc<SmtpPool>,
        from: Mailbox,
        reply_to: Option<Mailbox>,
    },
    /// No relay configured: messages stay in the database and show on the "Sent messages" page.
    Capture,
}

/// `egress`: the outbound policy a surface's relay is under (`None`: the operator's own relay).
fn smtp(
    settings: &Settings,
    url: &str,
    from: Mailbox,
    reply_to: Option<Mailbox>,
    egress: Option<Egress>,
) -> anyhow::Result<Mailer> {
    let connections = settings.delivery_workers.max(1) * settings.delivery_concurrency;
    let pool = SmtpPool::from_url(url, step_timeout(settings), connections)?.under(egress);
    Ok(Mailer::Smtp {
        pool: Arc::new(pool),
        from,
        reply_to,
    })
}

impl Mailer {
    /// The default: `HERALD_SMTP_URL` as `HERALD_EMAIL_FROM`, or the capture.
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Self> {
        let Some(url) = &settings.smtp_url else {
            return Ok(Mailer::Capture);
        };
        let from = settings
            .email_from
            .parse()
            .context("HERALD_EMAIL_FROM is not a valid mailbox")?;
        smtp(settings, &url.0, from, None, None).context("HERALD_SMTP_URL is not a valid SMTP URL")
    }

    /// An email surface's relay and sender.
    pub fn from_surface(
        settings: &Settings,
        surface: &SurfaceSettings,
        secrets: &SurfaceSecrets,
    ) -> anyhow::Result<Self> {
        if surface.provider != ProviderKind::Smtp {
            return Ok(Mailer::Capture);
        }
        let name = (!surface.from_name.is_empty()).then(|| surface.from_name.clone());
        let from = Mailbox::new(name, surface.from_address.parse()?);
        let reply_to = match surface.reply_to.as_str() {
            "" => None,
            r => Some(Mailbox::new(None, r.parse()?)),
        };
        let url = secrets.smtp_url.as_deref().context("no SMTP URL is set")?;
        smtp(
            settings,
            url,
            from,
            reply_to,
            Some(crate::egress_of(settings)),
        )
    }

    /// The provider name recorded on attempts.
    pub fn provider(&self) -> &'static str {
        match self {
            Mailer::Smtp { .. } => "smtp",
            Mailer::Capture => "capture",
        }
    }

    /// Connects to the relay as a send would, sending no message.
    pub async fn verify(&self) -> Result<String, SendError> {
        match self {
            Mailer::Smtp { pool, .. } => pool.verify().await,
            Mailer::Capture => Ok(super::CAPTURE_VERIFIED.to_owned()),
        }
    }

    pub async fn send(&self, m: &Outgoing) -> Result<(), SendError> {
        let Mailer::Smtp {
            pool,
            from,
            reply_to,
        } = self
        else {
            return Ok(());
        };
        let email = build_email(m, from.clone(), reply_to.clone())
            .map_err(|e| SendError::permanent(format!("the message cannot be built: {e}")))?;
        pool.send(&email).await
    }
}

/// The Message-ID is the message's own id at the sender's domain, so a retry carries the same one.
/// Marketing email carries `List-Unsubscribe` and `List-Unsubscribe-Post`.
fn build_email(m: &Outgoing, from: Mailbox, reply_to: Option<Mailbox>) -> anyhow::Result<Message> {
    let to: Mailbox = m.address.parse().context("invalid recipient address")?;
    let message_id = format!("<{}@{}>", m.id, from.email.domain());
    let mut builder = Message::builder()
        .from(from)
        .to(to)
        .subject(m.subject.clone())
        .message_id(Some(message_id));
    if let Some(reply_to) = reply_to {
        builder = builder.reply_to(reply_to);
    }
    // RFC 8058: mail clients show an unsubscribe button that POSTs to the link, no second click.
    if let Some(url) = &m.unsubscribe_url {
        builder = builder
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe"),
                format!("<{url}>"),
            ))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                "List-Unsubscribe=One-Click".into(),
            ));
    }
    let email = match (m.html_body.trim().is_empty(), m.text_body.trim().is_empty()) {
        (false, false) => builder.multipart(MultiPart::alternative_plain_html(
            m.text_body.clone(),
            m.html_body.clone(),
        ))?,
        (false, true) => builder.singlepart(
            SinglePart::builder()
                .header(ContentType::TEXT_HTML)
                .body(m.html_body.clone()),
        )?,
        _ => builder.singlepart(
            SinglePart::builder()
                .header(ContentType::TEXT_PLAIN)
                .body(m.text_body.clone()),
        )?,
    };
    Ok(email)
}

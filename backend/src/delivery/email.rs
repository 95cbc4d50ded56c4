//! Email transports: an SMTP relay (lettre over our own connection pool), or the local capture
//! store.

use super::smtp_pool::SmtpPool;
use super::worker::CLAIM_WAVES;
use crate::settings::Settings;
use crate::store::messages::ClaimedMessage;
use anyhow::Context;
use lettre::Message;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart, SinglePart};
use std::sync::Arc;
use std::time::Duration;

/// Where emails go.
#[derive(Clone)]
pub enum Mailer {
    /// A real SMTP relay.
    Smtp { pool: Arc<SmtpPool>, from: Mailbox },
    /// No relay configured: messages stay in the database and show on the "Sent messages" page.
    Capture,
}

/// Why a send failed, and whether trying again may help.
#[derive(Debug, Clone)]
pub struct SendError {
    pub transient: bool,
    pub detail: String,
    /// The server said the mailbox does not exist (5.1.1): the address is suppressed.
    pub hard_bounce: bool,
}

impl Mailer {
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Self> {
        let Some(url) = &settings.smtp_url else {
            return Ok(Mailer::Capture);
        };
        // Every wave of a claimed round must end within the delivery lease, or another worker
        // could retry a message whose first attempt is still under way.
        let timeout =
            (settings.delivery_lease / (CLAIM_WAVES as u32 + 1)).min(Duration::from_secs(30));
        let connections = settings.delivery_workers.max(1) * settings.delivery_concurrency;
        let pool = SmtpPool::from_url(&url.0, timeout, connections)
            .context("HERALD_SMTP_URL is not a valid SMTP URL")?;
        let from = settings
            .email_from
            .parse()
            .context("HERALD_EMAIL_FROM is not a valid mailbox")?;
        Ok(Mailer::Smtp {
            pool: Arc::new(pool),
            from,
        })
    }

    /// The provider name recorded on attempts.
    pub fn provider(&self) -> &'static str {
        match self {
            Mailer::Smtp { .. } => "smtp",
            Mailer::Capture => "capture",
        }
    }

    pub async fn send(&self, m: &ClaimedMessage) -> Result<(), SendError> {
        let (pool, from) = match self {
            Mailer::Capture => return Ok(()),
            Mailer::Smtp { pool, from } => (pool, from),
        };
        let email = build_email(m, from.clone()).map_err(|e| SendError {
            transient: false,
            detail: format!("the message cannot be built: {e}"),
            hard_bounce: false,
        })?;
        pool.send(&email).await
    }
}

/// The Message-ID is the message's own id at the sender's domain, so a retry carries the same one.
fn build_email(m: &ClaimedMessage, from: Mailbox) -> anyhow::Result<Message> {
    let to: Mailbox = m.address.parse().context("invalid recipient address")?;
    let message_id = format!("<{}@{}>", m.id, from.email.domain());
    let builder = Message::builder()
        .from(from)
        .to(to)
        .subject(m.subject.clone())
        .message_id(Some(message_id));
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

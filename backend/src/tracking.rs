//! Engagement tracking for campaigns that turn it on.
//!
//! At acceptance each web link of a message (email HTML and text, SMS text) is replaced by
//! `{public_url}/l/<id>` with a random 16-character id stored with the original URL (one id per
//! URL of a message, so unique clicks per link count messages), and email
//! HTML gets an open pixel `{public_url}/o/<message id>.<signature>`. Following a link records a
//! click and redirects to the stored URL only — Herald's own links (unsubscribe) are left as
//! they are — so a tracking link can never be made to redirect anywhere else. Clicks and the
//! first open are also webhook events.

use crate::clock::now_ms;
use crate::error::Result;
use crate::{Herald, store};
use domain::channel::Channel;
use domain::ids::MessageId;
use domain::report::Tally;
use domain::template::Rendered;
use domain::tracking::{track_html, track_text};
use rand::Rng;

const OPEN: &str = "open";

/// Rewrites the links of a rendered message to tracked ones (email also gets the open pixel at
/// `pixel_url`); returns each (link id, original URL).
pub(crate) fn track(
    channel: Channel,
    message: &mut Rendered,
    base: &str,
    pixel_url: &str,
) -> Vec<(String, String)> {
    let mut links: Vec<(String, String)> = Vec::new();
    let mut link = |url: &str| {
        if url.starts_with(base) {
            return None;
        }
        // One tracked link per URL of a message, so its clicks count once per message.
        let id = match links.iter().find(|(_, u)| u == url) {
            Some((id, _)) => id.clone(),
            None => {
                let id = link_id();
                links.push((id.clone(), url.to_owned()));
                id
            }
        };
        Some(format!("{base}/l/{id}"))
    };
    match channel {
        Channel::Email => {
            if !message.html_body.is_empty() {
                let pixel = format!(
                    "<img src=\"{pixel_url}\" width=\"1\" height=\"1\" alt=\"\" style=\"display:none\">"
                );
                message.html_body = track_html(&message.html_body, Some(&pixel), &mut link);
            }
            message.text_body = track_text(&message.text_body, &mut link);
        }
        Channel::Sms => message.text_body = track_text(&message.text_body, &mut link),
        Channel::Push => {}
    }
    links
}

/// 16 characters of [0-9a-zA-Z]: about 95 bits, not guessable.
fn link_id() -> String {
    const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut rng = rand::rng();
    (0..16)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

impl Herald {
    /// The open pixel of a message.
    pub fn open_pixel_url(&self, message_id: &str) -> String {
        let token = self.inner.secret_box.token(OPEN, message_id);
        format!("{}/o/{token}", self.settings().public_url)
    }

    /// Records a click on a tracked link and returns where it goes; `None` for an unknown id.
    #[tracing::instrument(skip_all)]
    pub async fn follow_link(&self, id: &str) -> Result<Option<String>> {
        let Some((message_id, url)) = store::engagements::link(self.store().reader(), id).await?
        else {
            return Ok(None);
        };
        let now = now_ms();
        let mut tx = self.store().begin().await?;
        let mut tally = Tally::default();
        if store::engagements::record_click(&mut tx, &mut tally, message_id, id, &url, now).await? {
            let at = domain::dates::format_rfc3339(now);
            store::webhooks::enqueue(&mut tx, "clicked", &[message_id], &at, now).await?;
            store::reports::add(&mut tx, &tally).await?;
        }
        tx.commit().await?;
        Ok(Some(url))
    }

    /// Records an open from a pixel token; false when the token is not one Herald signed.
    #[tracing::instrument(skip_all)]
    pub async fn record_open(&self, token: &str) -> Result<bool> {
        let Some(message_id) = self
            .inner
            .secret_box
            .open_token(OPEN, token)
            .and_then(|id| id.parse::<MessageId>().ok())
        else {
            return Ok(false);
        };
        let now = now_ms();
        let mut tx = self.store().begin().await?;
        let mut tally = Tally::default();
        let first = store::engagements::record_open(&mut tx, &mut tally, message_id, now).await?;
        if first == Some(true) {
            let at = domain::dates::format_rfc3339(now);
            store::webhooks::enqueue(&mut tx, "opened", &[message_id], &at, now).await?;
        }
        store::reports::add(&mut tx, &tally).await?;
        tx.commit().await?;
        Ok(true)
    }
}

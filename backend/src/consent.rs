//! Consent: marketing opt-outs and the one-click unsubscribe link.
//!
//! Every marketing message carries a link `{public_url}/u/{token}` (in `List-Unsubscribe`, and in
//! the content as `{{unsubscribeUrl}}`) where the token is the message id and its HMAC, so it
//! cannot be forged or pointed at another address. Using it (a POST, RFC 8058 one-click; the GET
//! only shows a confirmation page) records an opt-out of marketing on the message's channel for
//! its address in its sandbox. Marketing campaigns then exclude that address, and any profile
//! whose `consents.marketing.<channel>.val` (or `.any.val`) is `"n"`; transactional campaigns
//! ignore both. Suppressions (hard bounces, dead push tokens) apply to every campaign.

use crate::clock::now_ms;
use crate::error::{Error, Result};
use crate::{Herald, store};
use domain::ids::MessageId;
use domain::report::Happening;
use serde_json::{Map, Value};

const PURPOSE: &str = "unsubscribe";

/// Whose unsubscribe link it is, for the page: the channel and the address, partly hidden.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsubscriber {
    pub channel: String,
    pub address_hint: String,
}

fn link_not_found() -> Error {
    Error::not_found(
        "link_not_found",
        "This unsubscribe link is not valid. Use the link from the message itself.",
    )
}

impl Herald {
    /// The unsubscribe link of a message.
    pub fn unsubscribe_url(&self, message_id: &str) -> String {
        let token = self.inner.secret_box.token(PURPOSE, message_id);
        format!("{}/u/{token}", self.settings().public_url)
    }

    /// Whose link `token` is, without changing anything (the GET page).
    pub async fn unsubscriber(&self, token: &str) -> Result<Unsubscriber> {
        self.recipient_of(self.verified_message(token)?).await
    }

    /// Records the opt-out of the link's recipient (idempotent).
    #[tracing::instrument(skip_all)]
    pub async fn unsubscribe(&self, token: &str) -> Result<Unsubscriber> {
        let message_id = self.verified_message(token)?;
        let who = self.recipient_of(message_id).await?;
        let now = now_ms();
        let mut tx = self.store().begin().await?;
        if store::opt_outs::add_for_message(&mut tx, message_id, "unsubscribe_link", now).await? {
            let at = domain::dates::format_rfc3339(now);
            store::webhooks::enqueue(&mut tx, "unsubscribed", &[message_id], &at, now).await?;
            crate::reports::count(&mut tx, message_id, now, &Happening::Unsubscribed).await?;
        }
        tx.commit().await?;
        tracing::info!(%message_id, channel = %who.channel, "recipient unsubscribed");
        Ok(who)
    }

    async fn recipient_of(&self, message_id: MessageId) -> Result<Unsubscriber> {
        let (channel, address) =
            store::opt_outs::message_recipient(self.store().reader(), message_id)
                .await?
                .ok_or_else(link_not_found)?;
        Ok(Unsubscriber {
            channel,
            address_hint: hint(&address),
        })
    }

    fn verified_message(&self, token: &str) -> Result<MessageId> {
        self.inner
            .secret_box
            .open_token(PURPOSE, token)
            .and_then(|id| id.parse().ok())
            .ok_or_else(link_not_found)
    }
}

/// Why a profile's consent excludes it from marketing on `channel`, if it does.
pub fn denied_consent(profile: &Map<String, Value>, channel: &str) -> Option<String> {
    let marketing = &profile.get("consents")?["marketing"];
    [channel, "any"].into_iter().find_map(|key| {
        (marketing[key]["val"].as_str() == Some("n"))
            .then(|| format!("no marketing consent (consents.marketing.{key}.val is n)"))
    })
}

/// `jane@example.com` → `j…@example.com`, `+15551234567` → `…4567`, a token → its end.
fn hint(address: &str) -> String {
    match address.split_once('@') {
        Some((user, domain)) => format!("{}…@{domain}", user.chars().next().unwrap_or('?')),
        None => {
            let tail: String = address
                .chars()
                .rev()
                .take(4)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            format!("…{tail}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_profile_without_consent_is_named_with_the_attribute() {
        let p = |v: Value| v.as_object().unwrap().clone();
        assert_eq!(denied_consent(&p(json!({})), "email"), None);
        assert_eq!(
            denied_consent(
                &p(json!({"consents": {"marketing": {"email": {"val": "n"}}}})),
                "email"
            )
            .as_deref(),
            Some("no marketing consent (consents.marketing.email.val is n)")
        );
        assert!(
            denied_consent(
                &p(json!({"consents": {"marketing": {"email": {"val": "n"}}}})),
                "sms"
            )
            .is_none()
        );
        assert!(
            denied_consent(
                &p(json!({"consents": {"marketing": {"any": {"val": "n"}}}})),
                "sms"
            )
            .is_some()
        );
        assert!(
            denied_consent(
                &p(json!({"consents": {"marketing": {"email": {"val": "y"}}}})),
                "email"
            )
            .is_none()
        );
    }

    #[test]
    fn hints_hide_most_of_the_address() {
        assert_eq!(hint("jane@example.com"), "j…@example.com");
        assert_eq!(hint("+15551234567"), "…4567");
    }
}

//! Delivery receipts: providers report what became of a message after they accepted it.
//!
//! An SMS sent through Twilio names `{public_url}/hooks/twilio/<message id>.<signature>` as its
//! status callback; Twilio POSTs `MessageStatus` there. `delivered` marks the message delivered;
//! `undelivered` or `failed` marks it failed with the carrier's error code. Both are webhook
//! events. The signature makes the URL unforgeable, so no one else can change a message's fate.

use crate::clock::now_ms;
use crate::error::{Error, Result};
use crate::{Herald, store};
use domain::ids::MessageId;
use domain::report::{Failure, Happening};

const PURPOSE: &str = "twilio-status";

impl Herald {
    /// The status callback URL of an SMS.
    pub fn status_callback_url(&self, message_id: &str) -> String {
        let token = self.inner.secret_box.token(PURPOSE, message_id);
        format!("{}/hooks/twilio/{token}", self.settings().public_url)
    }

    /// Records a Twilio status callback. Statuses before the end (queued, sent, …) change nothing.
    #[tracing::instrument(skip_all)]
    pub async fn twilio_status(
        &self,
        token: &str,
        status: &str,
        error_code: Option<&str>,
    ) -> Result<()> {
        let unknown = || Error::not_found("message_not_found", "No message has this callback.");
        let id = self
            .inner
            .secret_box
            .open_token(PURPOSE, token)
            .and_then(|id| id.parse::<MessageId>().ok())
            .ok_or_else(unknown)?;
        let now = now_ms();
        let mut tx = self.store().begin().await?;
        let event = match status {
            "delivered" => store::messages::mark_delivered(&mut tx, id, now)
                .await?
                .then_some(("delivered", Happening::Delivered)),
            "undelivered" | "failed" => {
                let reason = match error_code {
                    Some(code) => format!("Twilio: {status} (error {code})"),
                    None => format!("Twilio: {status}"),
                };
                let undelivered = Happening::Failed {
                    reason: Failure::Undelivered,
                    bounce: None,
                };
                store::messages::mark_undelivered(&mut tx, id, &reason, now)
                    .await?
                    .then_some(("failed", undelivered))
            }
            _ => None,
        };
        if let Some((event, happening)) = event {
            let at = domain::dates::format_rfc3339(now);
            store::webhooks::enqueue(&mut tx, event, &[id], &at, now).await?;
            crate::reports::count(&mut tx, id, now, &happening).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

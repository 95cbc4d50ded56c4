//! Triggering a campaign: `POST /ajo/im/executions/unitary`.
//!
//! Invariants:
//! - Everything that can be checked is checked before anything is written; a rejected call
//!   writes nothing.
//! - Messages are rendered with the campaign version that is live when the call is accepted, and
//!   stored rendered: later edits never change an accepted message.
//! - The execution, its messages and its idempotency key (`campaign_id`, `request_id`) are
//!   committed in one transaction, and the answer is sent only after that commit.
//! - The same `requestId` with the same body gets the original answer back (a replay, nothing is
//!   sent again); with a different body it is refused.

use crate::accounts::ApiCaller;
use crate::clock::{Millis, now_ms};
use crate::error::{Error, ErrorKind, Result};
use crate::store::executions::{NewExecution, NewMessage};
use crate::{Herald, store};
use domain::FieldError;
use domain::campaign::CampaignStatus;
use domain::ids::{CampaignId, ExecutionId, MessageId};
use domain::recipient::EmailAddress;
use domain::template::EmailRenderer;
use domain::trigger::{TriggerRecipient, UnitaryTrigger};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// Compiled templates per (campaign, version). Versions are immutable, so entries never go stale.
pub(crate) type RendererCache = RwLock<HashMap<(CampaignId, i64), Arc<EmailRenderer>>>;

/// The answer to an accepted call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    pub execution_id: String,
    pub request_id: String,
    pub created_at: Millis,
    pub created_by: String,
    /// True when this answers a repeat of an already accepted call.
    pub replay: bool,
}

impl Herald {
    /// Validates, renders and durably accepts one unitary trigger call.
    /// `request_hash` identifies the body, to tell a replay from a reused `requestId`.
    pub async fn trigger_unitary(
        &self,
        caller: &ApiCaller,
        trigger: UnitaryTrigger,
        request_hash: &str,
    ) -> Result<Accepted> {
        let campaign_id = trigger.campaign_id;
        let campaign = store::campaigns::campaign(self.store().reader(), campaign_id)
            .await?
            .ok_or_else(|| {
                Error::not_found("campaign_not_found", "No campaign has this campaignId.")
            })?;
        let version = match (campaign.status(), campaign.live_version) {
            (CampaignStatus::Live, Some(v)) => v,
            (status, _) => {
                return Err(Error::new(
                    ErrorKind::Unprocessable,
                    "campaign_not_live",
                    format!(
                        "The campaign is {}; only a live campaign can be triggered. Activate it first.",
                        status.as_str()
                    ),
                ));
            }
        };
        let renderer = self.renderer(campaign_id, version).await?;

        let mut errors = Vec::new();
        let mut messages = Vec::with_capacity(trigger.recipients.len());
        for (i, recipient) in trigger.recipients.iter().enumerate() {
            match prepare_message(i, recipient, &campaign.namespace, &renderer) {
                Ok(m) => messages.push(m),
                Err(e) => errors.push(e),
            }
        }
        if !errors.is_empty() {
            return Err(Error::from(domain::ValidationError::new(
                "invalid_recipient",
                errors,
            )));
        }

        let campaign_key = campaign_id.to_string();
        let mut tx = self.store().writer().begin().await?;
        if let Some(existing) =
            store::executions::execution_by_request(&mut tx, &campaign_key, &trigger.request_id)
                .await?
        {
            return if existing.request_hash == request_hash {
                Ok(Accepted {
                    execution_id: existing.id,
                    request_id: existing.request_id,
                    created_at: existing.created_at,
                    created_by: existing.api_key_id,
                    replay: true,
                })
            } else {
                Err(Error::new(
                    ErrorKind::Conflict,
                    "request_id_reused",
                    "This requestId was already used for this campaign with a different body. \
                     Use a new requestId for a new request.",
                ))
            };
        }
        let now = now_ms();
        let execution = NewExecution {
            id: ExecutionId::new(),
            campaign_id: &campaign_key,
            campaign_version: version,
            request_id: &trigger.request_id,
            request_hash,
            api_key_id: &caller.api_key_id,
            now,
        };
        store::executions::insert_execution(&mut tx, &execution, &messages).await?;
        tx.commit().await?;
        self.inner.outbox_signal.notify_one();
        tracing::info!(
            execution_id = %execution.id,
            campaign_id = %campaign_id,
            recipients = messages.len(),
            "execution accepted"
        );
        Ok(Accepted {
            execution_id: execution.id.to_string(),
            request_id: trigger.request_id,
            created_at: now,
            created_by: caller.api_key_id.clone(),
            replay: false,
        })
    }

    async fn renderer(&self, campaign_id: CampaignId, version: i64) -> Result<Arc<EmailRenderer>> {
        let key = (campaign_id, version);
        if let Some(r) = self
            .inner
            .renderers
            .read()
            .expect("renderer cache lock")
            .get(&key)
        {
            return Ok(r.clone());
        }
        let row = store::campaigns::version(self.store().reader(), campaign_id, version)
            .await?
            .ok_or_else(|| {
                Error::internal(anyhow::anyhow!(
                    "live version {version} of {campaign_id} is missing"
                ))
            })?;
        let content = row
            .content()
            .map_err(|e| Error::internal(anyhow::anyhow!("stored content is invalid: {e:?}")))?;
        let renderer = Arc::new(EmailRenderer::new(&content).map_err(Error::internal)?);
        self.inner
            .renderers
            .write()
            .expect("renderer cache lock")
            .insert(key, renderer.clone());
        Ok(renderer)
    }
}

fn prepare_message(
    i: usize,
    r: &TriggerRecipient,
    campaign_namespace: &str,
    renderer: &EmailRenderer,
) -> Result<NewMessage, FieldError> {
    if r.namespace != campaign_namespace {
        return Err(FieldError::new(
            format!("recipients[{i}].namespace"),
            format!("must be \"{campaign_namespace}\", the campaign's identity namespace"),
        ));
    }
    let (field, raw) = match &r.email_address {
        Some(a) => ("channelData.emailAddress", a.as_str()),
        None => ("userId", r.user_id.as_str()),
    };
    let address = EmailAddress::parse(raw)
        .map_err(|m| FieldError::new(format!("recipients[{i}].{field}"), m))?;
    let data = json!({
        "profile": Value::Object(r.profile.clone()),
        "context": Value::Object(r.context.clone()),
    });
    let rendered = renderer.render(&data).map_err(|e| {
        FieldError::new(
            format!("recipients[{i}]"),
            format!("cannot be rendered: {e}"),
        )
    })?;
    Ok(NewMessage {
        id: MessageId::new(),
        recipient_index: i as i64,
        user_id: r.user_id.clone(),
        address: address.as_str().to_owned(),
        subject: rendered.subject,
        html_body: rendered.html_body,
        text_body: rendered.text_body,
    })
}

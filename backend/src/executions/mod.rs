//! Triggering a campaign (`POST /ajo/im/executions/unitary`), its dry run, and the status of
//! what was triggered.
//!
//! Invariants:
//! - Everything that can be checked is checked before anything is written; a rejected call
//!   writes nothing. A dry run runs the very same checks and rendering, and writes nothing.
//! - Messages are rendered with the campaign version that is live when the call is accepted, and
//!   stored rendered: later edits never change an accepted message.
//! - A key triggers only campaigns of its own sandbox (any other is "not found") and, if the key
//!   is restricted, only its listed campaigns; executions are read back under the same rule.
//! - `aep` recipients are looked up among the sandbox's profiles by (namespace, userId); an
//!   unknown one refuses the call unless the campaign creates profiles (identity only, created
//!   with the execution). The call's `profile` overlays stored attributes for this message only;
//!   `context` is never stored on a profile.
//! - The campaign's trigger contract is enforced: a recipient without a required context
//!   attribute is refused, naming the recipient and the attribute.
//! - The execution, its messages and its idempotency key are committed together (see
//!   [`commit`]), and the answer is sent only after that commit. Of concurrent calls
//!   with the same key exactly one is accepted; the others see its record.
//! - The idempotency key is the `Idempotency-Key` header, else the `requestId`, per campaign.
//!   While it is remembered, the same key with the same body gets the original answer back (a
//!   replay: nothing is sent again); with a different body it is refused.

pub(crate) mod commit;

use commit::Job;

use crate::accounts::Caller;
use crate::clock::{Millis, now_ms};
use crate::error::{Error, ErrorKind, Result};
use crate::store::executions::{
    Excluded, NewExecution, NewMessage, OPTED_OUT_REASON, SUPPRESSED_REASON,
};
use crate::store::profiles::Identity;
use crate::{Herald, store};
use domain::FieldError;
use domain::campaign::CampaignStatus;
use domain::channel::{Category, Channel};
use domain::content::PushOptions;
use domain::ids::{ApiKeyId, CampaignId, ExecutionId, MessageId, SurfaceId};
use domain::profile::{EMAIL_ATTRIBUTE, PHONE_ATTRIBUTE, text_at};
use domain::recipient::{EmailAddress, PhoneRegion, PushToken};
use domain::report::Exclusion;
use domain::template::{Pick, Renderer};
use domain::trigger::{MAX_CONTEXT_BYTES, RecipientKind, TriggerRecipient, UnitaryTrigger};
use domain::views::{AttemptView, ExecutionStatusView, RecipientStatus};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// Compiled versions per (campaign, version). Versions are immutable, so entries never go stale.
pub(crate) type CompiledVersions = RwLock<HashMap<(CampaignId, i64), Arc<CompiledVersion>>>;

/// A live version ready to render recipients and check them against its trigger contract.
pub(crate) struct CompiledVersion {
    pub(crate) channel: Channel,
    push: PushOptions,
    renderer: Renderer,
    /// Required context attributes, as paths below `context` (e.g. `["order", "id"]`).
    pub(crate) required_context: Vec<Vec<String>>,
}

/// The answer to an accepted call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    pub execution_id: ExecutionId,
    pub request_id: String,
    pub created_at: Millis,
    pub created_by: ApiKeyId,
    /// True when this answers a repeat of an already accepted call.
    pub replay: bool,
}

/// What a call would do, per recipient, without doing it.
#[derive(Debug, Clone)]
pub struct DryRun {
    pub campaign_id: CampaignId,
    pub campaign_version: i64,
    pub recipients: Vec<DryRunRecipient>,
}

#[derive(Debug, Clone)]
pub struct DryRunRecipient {
    pub user_id: String,
    pub channel: Channel,
    /// Push: app, platform, image, link and data (JSON).
    pub payload: Option<String>,
    /// The recipient has no profile yet; the campaign would create one.
    pub creates_profile: bool,
    /// Why the message would not be sent, if it would not.
    pub excluded: Option<String>,
    pub address: String,
    pub subject: String,
    pub html_body: String,
    pub text_body: String,
    /// The language variant rendered; `None`: the default content.
    pub locale: Option<String>,
}

/// A call that passed every check, rendered and ready to store.
struct Prepared {
    campaign_id: CampaignId,
    /// The campaign's surface at acceptance: its messages are sent through it.
    surface_id: Option<SurfaceId>,
    version: i64,
    messages: Vec<NewMessage>,
    /// Identities of `aep` recipients without a profile, for a campaign that creates profiles.
    new_profiles: Vec<Identity>,
}

/// The digest of a parsed request (maps are key-sorted) that tells a repeated call (same
/// body) from a reused `requestId`.
pub fn request_hash(request: &impl serde::Serialize) -> String {
    hex::encode(Sha256::digest(
        serde_json::to_vec(request).expect("a parsed request serialises"),
    ))
}

impl Herald {
    /// Validates, renders and durably accepts one unitary trigger call.
    /// `request_hash` identifies the body, to tell a replay from a reused key.
    #[tracing::instrument(skip_all)]
    pub async fn trigger_unitary(
        &self,
        caller: &Caller,
        trigger: UnitaryTrigger,
        request_hash: &str,
        idempotency_key: Option<String>,
    ) -> Result<Accepted> {
        // The address lists are checked when the call is committed (group_commit).
        let trigger = Arc::new(trigger);
        let prepared = self.prepare(caller, &trigger, false).await?;
        let now = now_ms();
        let recipients = prepared.messages.len();
        let channel = prepared.messages.first().map(|m| m.channel);
        let job = Job {
            execution: NewExecution {
                id: ExecutionId::new(),
                campaign_id: prepared.campaign_id,
                surface_id: prepared.surface_id,
                campaign_version: prepared.version,
                request_id: trigger.request_id.clone(),
                api_key_id: caller.api_key_id,
                now,
            },
            messages: prepared.messages,
            sandbox_id: caller.sandbox.id.clone(),
            new_profiles: prepared.new_profiles,
            idempotency_key: idempotency_key.unwrap_or_else(|| trigger.request_id.clone()),
            request_hash: request_hash.to_owned(),
            key_expires_at: now + self.settings().idempotency_retention.as_millis() as Millis,
        };
        let accepted = self.inner.committer.accept(job).await?;
        if !accepted.replay {
            tracing::info!(
                execution_id = %accepted.execution_id,
                campaign_id = %trigger.campaign_id,
                recipients,
                "execution accepted"
            );
            if let Some(channel) = channel {
                crate::telemetry::recipients_accepted(channel, recipients);
            }
        }
        Ok(accepted)
    }

    /// Runs every check and renders every message of a call, and stores and sends nothing.
    #[tracing::instrument(skip_all)]
    pub async fn dry_run_unitary(
        &self,
        caller: &Caller,
        trigger: UnitaryTrigger,
    ) -> Result<DryRun> {
        let prepared = self.prepare(caller, &Arc::new(trigger), true).await?;
        Ok(DryRun {
            campaign_id: prepared.campaign_id,
            campaign_version: prepared.version,
            recipients: prepared
                .messages
                .into_iter()
                .map(|m| DryRunRecipient {
                    creates_profile: prepared
                        .new_profiles
                        .iter()
                        .any(|(_, value)| *value == m.user_id),
                    user_id: m.user_id,
                    channel: m.channel,
                    payload: m.payload,
                    excluded: m.excluded.map(|e| e.reason),
                    address: m.address,
                    subject: m.subject,
                    html_body: m.html_body,
                    text_body: m.text_body,
                    locale: m.locale,
                })
                .collect(),
        })
    }

    /// An execution of the caller's sandbox with its messages and their attempts. Unknown ids
    /// and other sandboxes' executions are both `execution_not_found`.
    #[tracing::instrument(skip_all)]
    pub async fn execution_status(
        &self,
        caller: &Caller,
        execution_id: &str,
    ) -> Result<ExecutionStatusView> {
        let not_found = || Error::not_found("execution_not_found", "No execution has this id.");
        let id: ExecutionId = execution_id.parse().map_err(|_| not_found())?;
        let pool = self.store().reader();
        let execution = store::executions::execution(pool, &caller.sandbox.id, id)
            .await?
            .ok_or_else(not_found)?;
        // A key restricted to some campaigns reads only their executions.
        caller.check_campaign(execution.campaign_id)?;
        let (messages, attempts) =
            store::executions::execution_messages(pool, execution.id).await?;
        let mut attempts_of: HashMap<MessageId, Vec<AttemptView>> = HashMap::new();
        for a in attempts {
            attempts_of.entry(a.message_id).or_default().push(a.attempt);
        }
        let recipients = messages
            .into_iter()
            .map(|m| RecipientStatus {
                attempts: attempts_of.remove(&m.id).unwrap_or_default(),
                index: m.recipient_index,
                user_id: m.user_id,
                message_id: m.id,
                channel: m.channel,
                status: m.status,
                status_reason: m.status_reason,
                attempt_count: m.attempts,
                created_at: m.created_at,
                updated_at: m.updated_at,
            })
            .collect();
        Ok(ExecutionStatusView {
            execution_id: execution.id,
            request_id: execution.request_id,
            campaign_id: execution.campaign_id,
            campaign_version: execution.campaign_version,
            created_at: execution.created_at,
            created_by: execution.api_key_id,
            recipients,
        })
    }

    /// Forgets idempotency keys past their retention, in small batches (a purge never holds the
    /// writer long: trigger calls wait for it).
    pub async fn purge_expired_idempotency_keys(&self) -> Result<u64> {
        let now = now_ms();
        crate::maintenance::in_batches(crate::maintenance::PURGE_BATCH, |limit| async move {
            let mut conn = self.store().acquire().await?;
            Ok(store::executions::purge_expired_keys(&mut conn, now, limit).await?)
        })
        .await
    }

    /// Checks and renders a call. `read_lists`: also exclude messages to suppressed and
    /// opted-out addresses now (the dry run); an accepted call has them excluded in its commit.
    async fn prepare(
        &self,
        caller: &Caller,
        trigger: &Arc<UnitaryTrigger>,
        read_lists: bool,
    ) -> Result<Prepared> {
        caller.require(domain::tenancy::Permission::Trigger)?;
        if trigger.context_bytes() > MAX_CONTEXT_BYTES {
            return Err(Error::new(
                ErrorKind::TooLarge,
                "context_too_large",
                "The recipients' context data is larger than 200 KB in total.",
            ));
        }
        let campaign_id = trigger.campaign_id;
        let campaign = self.campaign_row(campaign_id).await?;
        if campaign.sandbox_id != caller.sandbox.id {
            return Err(campaign_not_found());
        }
        caller.check_campaign(campaign.id)?;
        let version = live_version(&campaign, now_ms())?;
        let wrong_namespace: Vec<FieldError> = trigger
            .recipients
            .iter()
            .enumerate()
            .filter(|(_, r)| r.namespace != campaign.namespace)
            .map(|(i, _)| {
                FieldError::new(
                    format!("recipients[{i}].namespace"),
                    format!(
                        "must be \"{}\", the campaign's identity namespace",
                        campaign.namespace
                    ),
                )
            })
            .collect();
        if !wrong_namespace.is_empty() {
            return Err(domain::ValidationError::new("invalid_recipient", wrong_namespace).into());
        }
        let (stored, new_profiles) = self.stored_profiles(&campaign, trigger).await?;
        let compiled = self.compiled_version(campaign_id, version).await?;
        let marketing = campaign.category == Category::Marketing;
        let tracking = campaign.tracking;
        let region = match campaign.channel {
            Channel::Sms => {
                self.phone_region_for(&campaign.sandbox_id, campaign.surface_id)
                    .await?
            }
            _ => None,
        };
        let (herald, trigger) = (self.clone(), trigger.clone());
        let (messages, errors) = self
            .inner
            .render_pool
            .run(move || {
                with_links(&herald, marketing, tracking, |links| {
                    let mut errors = Vec::new();
                    let mut messages = Vec::with_capacity(trigger.recipients.len());
                    for (i, recipient) in trigger.recipients.iter().enumerate() {
                        let profile = match recipient.kind {
                            RecipientKind::Aep => stored.get(recipient.user_id.as_str()),
                            RecipientKind::External => None,
                        };
                        let at = Recipient {
                            index: i,
                            id: MessageId::new(),
                            call: recipient,
                            stored: profile,
                        };
                        match prepare_message(&at, &compiled, links, region.as_ref()) {
                            Ok(m) => messages.push(m),
                            Err(mut e) => errors.append(&mut e),
                        }
                    }
                    (messages, errors)
                })
            })
            .await?;
        let mut messages = messages;
        if !errors.is_empty() {
            return Err(Error::from(domain::ValidationError::new(
                "invalid_recipient",
                errors,
            )));
        }
        if read_lists {
            if marketing {
                self.exclude_opted_out(&campaign, &mut messages).await?;
            }
            self.exclude_suppressed(&campaign, &mut messages).await?;
        }
        Ok(Prepared {
            surface_id: campaign.surface_id,
            campaign_id: campaign.id,
            version,
            messages,
            new_profiles,
        })
    }

    /// Marks messages of a marketing campaign to addresses that opted out as excluded.
    async fn exclude_opted_out(
        &self,
        campaign: &store::campaigns::CampaignRow,
        messages: &mut [NewMessage],
    ) -> Result<()> {
        let addresses: Vec<&str> = messages.iter().map(|m| m.address.as_str()).collect();
        let opted_out = store::opt_outs::opted_out(
            self.store().reader(),
            &campaign.sandbox_id,
            campaign.channel,
            &addresses,
        )
        .await?;
        for m in messages
            .iter_mut()
            .filter(|m| opted_out.contains(&m.address))
        {
            m.excluded = Some(Excluded {
                class: Exclusion::OptedOut,
                reason: format!("{OPTED_OUT_REASON}{}", campaign.channel),
            });
        }
        Ok(())
    }

    /// Marks messages to suppressed addresses (hard bounces) as excluded: they are recorded and
    /// reported, never sent — for transactional and marketing campaigns alike.
    async fn exclude_suppressed(
        &self,
        campaign: &store::campaigns::CampaignRow,
        messages: &mut [NewMessage],
    ) -> Result<()> {
        let addresses: Vec<&str> = messages.iter().map(|m| m.address.as_str()).collect();
        let suppressed = store::suppressions::reasons(
            self.store().reader(),
            &campaign.sandbox_id,
            campaign.channel,
            &addresses,
        )
        .await?;
        for m in messages.iter_mut() {
            if let Some(reason) = suppressed.get(&m.address) {
                m.excluded = Some(Excluded {
                    class: Exclusion::Suppressed,
                    reason: format!("{SUPPRESSED_REASON}{reason}"),
                });
            }
        }
        Ok(())
    }

    /// The stored attributes of the call's `aep` recipients, by userId, and the identities of
    /// those without a profile when the campaign creates profiles. Without profile creation, a
    /// missing profile refuses the call (`profile_not_found`, naming each recipient).
    async fn stored_profiles(
        &self,
        campaign: &store::campaigns::CampaignRow,
        trigger: &UnitaryTrigger,
    ) -> Result<(HashMap<String, Map<String, Value>>, Vec<Identity>)> {
        let aep: Vec<(usize, &str)> = trigger
            .recipients
            .iter()
            .enumerate()
            .filter(|(_, r)| r.kind == RecipientKind::Aep)
            .map(|(i, r)| (i, r.user_id.as_str()))
            .collect();
        if aep.is_empty() {
            return Ok(Default::default());
        }
        let values: Vec<&str> = aep.iter().map(|(_, v)| *v).collect();
        let stored = store::profiles::attributes_by_identity(
            self.store().reader(),
            &campaign.sandbox_id,
            &campaign.namespace,
            &values,
        )
        .await?;
        let missing: Vec<(usize, &str)> = aep
            .into_iter()
            .filter(|(_, v)| !stored.contains_key(*v))
            .collect();
        if missing.is_empty() {
            return Ok((stored, Vec::new()));
        }
        if campaign.create_profiles {
            let new = missing
                .into_iter()
                .map(|(_, v)| (campaign.namespace.clone(), v.to_owned()))
                .collect();
            return Ok((stored, new));
        }
        let errors = missing
            .into_iter()
            .map(|(i, _)| {
                FieldError::new(
                    format!("recipients[{i}].userId"),
                    format!(
                        "has no profile in namespace \"{}\"; store the profile first, send the \
                         recipient as type \"external\", or let the campaign create profiles",
                        campaign.namespace
                    ),
                )
            })
            .collect();
        Err(Error::new(
            ErrorKind::Unprocessable,
            "profile_not_found",
            "A recipient of type \"aep\" has no profile and the campaign does not create profiles.",
        )
        .with_errors(errors))
    }

    /// The campaign's row, cached for 1 s; a change on any node evicts it (see `coherence`).
    pub(crate) async fn campaign_row(
        &self,
        id: CampaignId,
    ) -> Result<store::campaigns::CampaignRow> {
        if let Some(row) = self.inner.campaigns.get(&id) {
            return Ok(row);
        }
        let read_at = self.inner.campaigns.generation();
        let row = store::campaigns::campaign(self.store().reader(), id)
            .await?
            .ok_or_else(campaign_not_found)?;
        self.inner.campaigns.insert(id, row.clone(), read_at);
        Ok(row)
    }

    pub(crate) async fn compiled_version(
        &self,
        campaign_id: CampaignId,
        version: i64,
    ) -> Result<Arc<CompiledVersion>> {
        let key = (campaign_id, version);
        if let Some(c) = self
            .inner
            .compiled_versions
            .read()
            .expect("compiled version cache lock")
            .get(&key)
        {
            return Ok(c.clone());
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
        let compiled = Arc::new(CompiledVersion {
            channel: content.channel(),
            push: content.push().clone(),
            renderer: content.renderer().map_err(Error::internal)?,
            required_context: content
                .required_context()
                .iter()
                .map(|path| path.split('.').skip(1).map(str::to_owned).collect())
                .collect(),
        });
        self.inner
            .compiled_versions
            .write()
            .expect("compiled version cache lock")
            .insert(key, compiled.clone());
        Ok(compiled)
    }
}

/// The version a call is pinned to: the live one, if the campaign accepts calls at `now`.
pub(crate) fn live_version(campaign: &store::campaigns::CampaignRow, now: Millis) -> Result<i64> {
    let refuse = |code, message: String| Err(Error::new(ErrorKind::Unprocessable, code, message));
    match (campaign.status_at(now), campaign.live_version) {
        (CampaignStatus::Live, Some(v)) => Ok(v),
        (CampaignStatus::Scheduled, _) => refuse(
            "campaign_not_started",
            format!(
                "The campaign accepts calls from {} on.",
                crate::clock::rfc3339(campaign.starts_at.unwrap_or_default())
            ),
        ),
        (CampaignStatus::Completed, _) => refuse(
            "campaign_ended",
            format!(
                "The campaign stopped accepting calls at {}.",
                crate::clock::rfc3339(campaign.ends_at.unwrap_or_default())
            ),
        ),
        (status, _) => refuse(
            "campaign_not_live",
            format!(
                "The campaign is {}; only a live campaign can be triggered. Activate it first.",
                status.as_str()
            ),
        ),
    }
}

pub(crate) fn campaign_not_found() -> Error {
    Error::not_found("campaign_not_found", "No campaign has this campaignId.")
}

/// A message's URL of some kind (unsubscribe, open pixel) from its id.
type UrlOf<'a> = &'a (dyn Fn(&str) -> String + Sync);

/// The links Herald adds to a campaign's messages.
pub(crate) struct Links<'a> {
    /// Marketing campaigns: a message's unsubscribe link, offered to the content as
    /// `{{unsubscribeUrl}}`; a profile without marketing consent is then excluded.
    unsubscribe: Option<UrlOf<'a>>,
    /// Tracked campaigns: Herald's public URL and a message's open-pixel URL.
    tracking: Option<(&'a str, UrlOf<'a>)>,
}

/// Runs `f` with the links Herald adds to the messages of a campaign of this category and
/// tracking.
pub(crate) fn with_links<R>(
    herald: &Herald,
    marketing: bool,
    tracking: bool,
    f: impl FnOnce(&Links<'_>) -> R,
) -> R {
    let unsubscribe_url = |id: &str| herald.unsubscribe_url(id);
    let open_pixel_url = |id: &str| herald.open_pixel_url(id);
    let links = Links {
        unsubscribe: marketing.then_some(&unsubscribe_url),
        tracking: tracking.then_some((herald.settings().public_url.as_str(), &open_pixel_url)),
    };
    f(&links)
}

/// One recipient about to get a message.
pub(crate) struct Recipient<'a> {
    /// Its place in the call (or the send), for errors and `recipient_index`.
    pub index: usize,
    /// The id its message will have.
    pub id: MessageId,
    pub call: &'a TriggerRecipient,
    /// Its stored profile's attributes, if any.
    pub stored: Option<&'a Map<String, Value>>,
}

/// Checks one recipient against the trigger contract, finds its address and renders its
/// message (with its tracked links).
pub(crate) fn prepare_message(
    at: &Recipient<'_>,
    compiled: &CompiledVersion,
    links: &Links<'_>,
    region: Option<&PhoneRegion>,
) -> Result<NewMessage, Vec<FieldError>> {
    let (i, r, stored, id) = (at.index, at.call, at.stored, at.id);
    let unsubscribe = links.unsubscribe;
    let missing: Vec<FieldError> = compiled
        .required_context
        .iter()
        .filter(|path| !is_present(&r.context, path))
        .map(|path| {
            FieldError::new(
                format!("recipients[{i}].context.{}", path.join(".")),
                "is required by the campaign",
            )
        })
        .collect();
    if !missing.is_empty() {
        return Err(missing);
    }
    let mut profile = stored.cloned().unwrap_or_default();
    domain::profile::overlay(&mut profile, &r.profile);
    let (address, payload) = address_for(i, r, &profile, compiled, region)?;
    let excluded = unsubscribe
        .and_then(|_| crate::consent::denied_consent(&profile, compiled.channel.as_str()))
        .map(|reason| Excluded {
            class: Exclusion::NoConsent,
            reason,
        });
    let platform = (compiled.channel == Channel::Push).then(|| {
        let platform = r.push_info.as_ref().and_then(|p| p.platform.as_deref());
        domain::report::platform_group(platform).to_owned()
    });
    let mut data = json!({
        "profile": Value::Object(profile),
        "context": Value::Object(r.context.clone()),
    });
    if let Some(url) = unsubscribe {
        data["unsubscribeUrl"] = Value::String(url(&id.to_string()));
    }
    let mut rendered = compiled
        .renderer
        .render(data, Pick::FromProfile)
        .map_err(|e| {
            vec![FieldError::new(
                format!("recipients[{i}]"),
                format!("cannot be rendered: {e}"),
            )]
        })?;
    let tracked_links = match links.tracking {
        Some((base, pixel)) => crate::tracking::track(
            compiled.channel,
            &mut rendered,
            base,
            &pixel(&id.to_string()),
        ),
        None => Vec::new(),
    };
    Ok(NewMessage {
        id,
        tracked_links,
        send_by: None,
        not_before: None,
        recipient_index: i as i64,
        user_id: r.user_id.clone(),
        channel: compiled.channel,
        address,
        payload,
        platform,
        excluded,
        subject: rendered.subject,
        html_body: rendered.html_body,
        text_body: rendered.text_body,
        locale: rendered.locale.map(String::from),
    })
}

/// Where a recipient's message goes on the campaign's channel, and the push payload. The call's
/// `channelData` wins over the profile, which wins over a `userId` in the channel's namespace.
fn address_for(
    i: usize,
    r: &TriggerRecipient,
    profile: &Map<String, Value>,
    compiled: &CompiledVersion,
    region: Option<&PhoneRegion>,
) -> Result<(String, Option<String>), Vec<FieldError>> {
    let refuse = |field: &str, message: &str| {
        Err(vec![FieldError::new(
            format!("recipients[{i}].{field}"),
            message,
        )])
    };
    // The first of: the call's channelData value, the profile attribute, the userId when it is
    // in the channel's namespace — with the field it came from, for the error.
    let source = |sent: Option<&str>, sent_field: &str, attribute: &str, namespace: &str| match (
        sent,
        text_at(profile, attribute),
    ) {
        (Some(a), _) => Some((sent_field.to_owned(), a.to_owned())),
        (None, Some(a)) => Some((format!("profile.{attribute}"), a.to_owned())),
        (None, None) if r.namespace == namespace => Some(("userId".to_owned(), r.user_id.clone())),
        (None, None) => None,
    };
    match compiled.channel {
        Channel::Email => {
            let Some((field, raw)) = source(
                r.email_address.as_deref(),
                "channelData.emailAddress",
                EMAIL_ATTRIBUTE,
                "email",
            ) else {
                return refuse(
                    "channelData.emailAddress",
                    "is required: the recipient has no email address (none in channelData, in the \
                     profile's personalEmail.address, or as an email userId)",
                );
            };
            match EmailAddress::parse(&raw) {
                Ok(a) => Ok((a.as_str().to_owned(), None)),
                Err(m) => refuse(&field, m),
            }
        }
        Channel::Sms => {
            let Some((field, raw)) = source(
                r.mobile_phone_number.as_deref(),
                "channelData.mobilePhoneNumber",
                PHONE_ATTRIBUTE,
                "phone",
            ) else {
                return refuse(
                    "channelData.mobilePhoneNumber",
                    "is required: the recipient has no mobile number (none in channelData, in the \
                     profile's mobilePhone.number, or as a phone userId)",
                );
            };
            match crate::phone::parse(&raw, region) {
                Ok(p) => Ok((p.as_str().to_owned(), None)),
                Err(m) => refuse(&field, &m),
            }
        }
        Channel::Push => {
            let info = r.push_info.clone().unwrap_or_default();
            let Some(raw) = info.token.as_deref() else {
                return refuse(
                    "channelData.pushInfo.token",
                    "is required: a push message needs the device's token",
                );
            };
            let token = match PushToken::parse(raw) {
                Ok(t) => t,
                Err(m) => return refuse("channelData.pushInfo.token", m),
            };
            let payload = json!({
                "appId": info.app_id,
                "platform": info.platform,
                "imageUrl": compiled.push.image_url,
                "link": compiled.push.link,
                "data": compiled.push.data,
            });
            Ok((token.as_str().to_owned(), Some(payload.to_string())))
        }
    }
}

/// Whether `path` leads to a value that is not null (an empty string counts as sent).
pub(crate) fn is_present(context: &Map<String, Value>, path: &[String]) -> bool {
    let Some((first, rest)) = path.split_first() else {
        return false;
    };
    let Some(mut node) = context.get(first) else {
        return false;
    };
    for segment in rest {
        node = match node.get(segment) {
            Some(v) => v,
            None => return false,
        };
    }
    !node.is_null()
}

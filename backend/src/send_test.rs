//! "Send test": a campaign's newest content, rendered with sample data the marketer edits, sent
//! at once through the campaign's surface to an address or number they type. It is not a message
//! of the campaign: nothing is counted or reported, and the subject says it is a test. What was
//! sent, and what the provider answered, is recorded (the newest 50 of a campaign) to be listed
//! and opened on the campaign page; a send refused before it reached a provider (a bad address,
//! sample data that does not render) is not.

use crate::accounts::Caller;
use crate::clock::now_ms;
use crate::error::{Error, ErrorKind, Result};
use crate::{Herald, store};
use domain::channel::Channel;
use domain::delivery::Outgoing;
use domain::ids::{CampaignId, TestSendId};
use domain::recipient::{EmailAddress, PushToken};
use domain::template::Pick;
use domain::tenancy::Permission;
use domain::views::{TestSendSummary, TestSendView};
use serde_json::{Map, Value, json};

/// What the provider said to a test send.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct TestSent {
    /// The recorded test send.
    pub id: TestSendId,
    pub provider: String,
    /// The provider's id for the message, if it gave one.
    pub provider_id: Option<String>,
}

impl Herald {
    #[tracing::instrument(skip_all)]
    pub async fn send_test(
        &self,
        caller: &Caller,
        id: CampaignId,
        address: &str,
        profile: Map<String, Value>,
        context: Map<String, Value>,
    ) -> Result<TestSent> {
        let surface_id = self.own_row(caller, Permission::Edit, id).await?.surface_id;
        let sandbox_id = caller.sandbox_id();
        let (version, content) = self.newest_version(id).await?;
        let channel = content.channel();
        let address = address.trim();
        let refuse = |message: &str| {
            Error::from(domain::ValidationError::single(
                "invalid_address",
                "address",
                message,
            ))
        };
        let address = match channel {
            Channel::Email => EmailAddress::parse(address)
                .map(|a| a.as_str().to_owned())
                .map_err(|_| refuse("must be an email address"))?,
            // A national number is read in the campaign's region, as in trigger calls.
            Channel::Sms => {
                let region = self.phone_region_for(sandbox_id, surface_id).await?;
                crate::phone::parse(address, region.as_ref())
                    .map(|p| p.as_str().to_owned())
                    .map_err(|why| refuse(&why))?
            }
            Channel::Push => PushToken::parse(address)
                .map(|t| t.as_str().to_owned())
                .map_err(|_| refuse("must be a device push token"))?,
        };
        let data = json!({
            "profile": Value::Object(profile),
            "context": Value::Object(context),
            "unsubscribeUrl": format!("{}/u/test", self.settings().public_url),
        });
        let push = content.push().clone();
        let rendered = self
            .inner
            .render_pool
            .run(move || {
                content
                    .renderer()
                    .and_then(|r| r.render(data, Pick::FromProfile))
            })
            .await?
            .map_err(|e| {
                Error::from(domain::ValidationError::single(
                    "render_failed",
                    "sample",
                    format!("the content cannot be rendered with this sample data: {e}"),
                ))
            })?;
        let (transport, app) = match surface_id {
            Some(surface_id) => {
                let row = store::surfaces::by_id(self.store().reader(), surface_id)
                    .await?
                    .ok_or_else(|| {
                        Error::internal(anyhow::anyhow!("surface {surface_id} is gone"))
                    })?;
                let open = self.open(&row);
                let app = (open.settings.app_id.clone(), open.settings.platform.clone());
                (self.inner.transports.build(&open), app)
            }
            None => (
                Ok(self.inner.transports.default_for(channel)),
                Default::default(),
            ),
        };
        let transport = transport.map_err(|why| {
            Error::new(
                ErrorKind::Unprocessable,
                "surface_unusable",
                format!("The campaign's surface {why}"),
            )
        })?;
        let payload = (channel == Channel::Push).then(|| {
            json!({"appId": app.0, "platform": app.1, "imageUrl": push.image_url,
                   "link": push.link, "data": push.data})
            .to_string()
        });
        let subject = match channel {
            Channel::Sms => String::new(),
            _ => format!("[Test] {}", rendered.subject),
        };
        let message = Outgoing {
            id: domain::ids::MessageId::new(),
            address,
            subject,
            html_body: rendered.html_body,
            text_body: rendered.text_body,
            payload,
            unsubscribe_url: None,
            status_callback_url: None,
        };
        let provider = transport.provider().to_owned();
        let outcome = transport.send(&message).await;
        let test_id = TestSendId::new();
        let mut tx = self.store().begin().await?;
        store::test_sends::record(
            &mut tx,
            &store::test_sends::NewTestSend {
                id: test_id,
                campaign_id: id,
                version: version.version,
                channel,
                address: &message.address,
                subject: &message.subject,
                html_body: &message.html_body,
                text_body: &message.text_body,
                payload: message.payload.as_deref(),
                provider: &provider,
                provider_id: outcome.as_ref().ok().and_then(Option::as_deref),
                error: outcome.as_ref().err().map(|e| e.detail.as_str()),
                sent_by: &caller.who().actor,
                sent_at: now_ms(),
            },
        )
        .await?;
        tx.commit().await?;
        match outcome {
            Ok(provider_id) => {
                tracing::info!(campaign_id = %id, provider, "test message sent");
                Ok(TestSent {
                    id: test_id,
                    provider,
                    provider_id,
                })
            }
            Err(e) => Err(Error::new(
                ErrorKind::Unprocessable,
                "test_send_failed",
                format!("{provider} did not take the test message: {}", e.detail),
            )),
        }
    }

    /// The caller's campaign's test sends, newest first.
    pub async fn test_sends(
        &self,
        caller: &Caller,
        id: CampaignId,
    ) -> Result<Vec<TestSendSummary>> {
        self.own_row(caller, Permission::Read, id).await?;
        Ok(store::test_sends::for_campaign(self.store().reader(), id).await?)
    }

    /// One test send of the caller's campaign, with what was sent.
    pub async fn test_send(
        &self,
        caller: &Caller,
        id: CampaignId,
        test_id: TestSendId,
    ) -> Result<TestSendView> {
        let row = self.own_row(caller, Permission::Read, id).await?;
        let test = store::test_sends::by_id(self.store().reader(), test_id)
            .await?
            .filter(|t| t.campaign_id == id)
            .ok_or_else(|| Error::not_found("test_send_not_found", "No test send has this id."))?;
        Ok(TestSendView {
            summary: test.summary,
            campaign_id: id.to_string(),
            campaign_title: row.title,
            channel: test.channel,
            html_body: test.html_body,
            text_body: test.text_body,
            payload: test.payload,
        })
    }
}

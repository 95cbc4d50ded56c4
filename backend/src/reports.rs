//! Campaign and sandbox reports, read from the counters (`store::reports`) that every change
//! of a message moves in its own transaction; the counting rule is `domain::report`'s.

use crate::clock::{Millis, now_ms};
use crate::error::{Error, Result};
use crate::{Herald, store};
use domain::ids::{CampaignId, MessageId};
use domain::report::{
    CampaignFailures, Happening, Report, ReportQuery, ReportQueryInput, SandboxReport, Tally,
};
use store::reports::Scope;

/// Campaigns the home page lists as failing most.
const MOST_FAILED: i64 = 5;

impl Herald {
    /// What a campaign of this sandbox did in the query's range.
    #[tracing::instrument(skip_all)]
    pub async fn campaign_report(
        &self,
        sandbox_id: &str,
        id: CampaignId,
        input: &ReportQueryInput,
    ) -> Result<Report> {
        let query = ReportQuery::parse(input, now_ms())?;
        let reader = self.store().reader();
        match store::campaigns::campaign(reader, id).await? {
            Some(c) if c.sandbox_id == sandbox_id => {}
            _ => {
                return Err(Error::not_found(
                    "campaign_not_found",
                    "No campaign has this id.",
                ));
            }
        }
        self.report(Scope::Campaign(id), &query).await
    }

    /// What a whole sandbox did in the query's range, and its campaigns that failed most.
    #[tracing::instrument(skip_all)]
    pub async fn sandbox_report(
        &self,
        sandbox_id: &str,
        input: &ReportQueryInput,
    ) -> Result<SandboxReport> {
        let query = ReportQuery::parse(input, now_ms())?;
        let report = self.report(Scope::Sandbox(sandbox_id), &query).await?;
        let most_failed =
            store::reports::most_failed(self.store().reader(), sandbox_id, &query, MOST_FAILED)
                .await?
                .into_iter()
                .map(|(id, title, failed, finished)| CampaignFailures {
                    campaign_id: id.to_string(),
                    title,
                    failed,
                    finished,
                })
                .collect();
        Ok(SandboxReport {
            report,
            most_failed,
        })
    }

    /// Whether messages of this sandbox are only captured, not delivered: no SMTP relay is
    /// configured and the sandbox has no surface.
    pub async fn captures_only(&self, sandbox_id: &str) -> Result<bool> {
        Ok(self.inner.transports.default_email_provider() == "capture"
            && self.list_surfaces(sandbox_id).await?.is_empty())
    }

    async fn report(&self, scope: Scope<'_>, query: &ReportQuery) -> Result<Report> {
        let reader = self.store().reader();
        let (sums, buckets) = tokio::try_join!(
            store::reports::sums(reader, scope, query),
            store::reports::buckets(reader, scope, query),
        )?;
        Ok(Report::build(query, &sums, &buckets))
    }
}

/// Moves the report counters of one message's happening, in the caller's transaction (a
/// message that no longer exists counts nothing).
pub(crate) async fn count(
    conn: &mut store::Conn,
    message_id: MessageId,
    at: Millis,
    happening: &Happening<'_>,
) -> Result<()> {
    if let Some(segment) = store::engagements::segment(conn, message_id).await? {
        let mut tally = Tally::default();
        tally.add(&segment, at, happening);
        store::reports::add(conn, &tally).await?;
    }
    Ok(())
}

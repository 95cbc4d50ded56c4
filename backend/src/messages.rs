//! Reading messages for the ledger pages.

use crate::error::Result;
use crate::{Herald, store};
use domain::views::MessageView;

impl Herald {
    /// The newest messages, newest first.
    pub async fn recent_messages(&self, limit: i64) -> Result<Vec<MessageView>> {
        let rows =
            store::messages::recent_messages(self.store().reader(), limit.clamp(1, 1000)).await?;
        Ok(rows
            .into_iter()
            .map(|r| MessageView {
                id: r.id,
                execution_id: r.execution_id,
                campaign_id: r.campaign_id,
                campaign_title: r.campaign_title,
                recipient: r.address,
                subject: r.subject,
                html_body: r.html_body,
                text_body: r.text_body,
                status: r.status,
                status_reason: r.status_reason,
                attempts: r.attempts,
                provider: r.provider,
                created_at: r.created_at,
                updated_at: r.updated_at,
            })
            .collect())
    }
}

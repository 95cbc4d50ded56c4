//! Reading messages for the ledger pages.

use crate::error::{Error, Result};
use crate::store::executions::AttemptRow;
use crate::{Herald, store};
use domain::ids::MessageId;
use domain::views::{MessageView, SuppressionView};

impl Herald {
    /// The newest messages of a sandbox, newest first.
    pub async fn recent_messages(&self, sandbox_id: &str, limit: i64) -> Result<Vec<MessageView>> {
        let limit = limit.clamp(1, 1000);
        Ok(store::messages::recent_messages(self.store().reader(), sandbox_id, limit).await?)
    }

    /// One page of a sandbox's messages matching `query`, newest first.
    #[tracing::instrument(skip_all)]
    pub async fn find_messages(
        &self,
        sandbox_id: &str,
        query: &domain::message_query::MessageQuery,
    ) -> Result<domain::views::MessagePage> {
        let (items, total) =
            store::messages::find(self.store().reader(), sandbox_id, query).await?;
        Ok(domain::views::MessagePage {
            items,
            total,
            page: query.page,
            per_page: domain::message_query::MESSAGE_PAGE_SIZE,
        })
    }

    /// A sandbox's suppressed addresses (hard bounces), newest first.
    pub async fn suppressions(&self, sandbox_id: &str) -> Result<Vec<SuppressionView>> {
        Ok(store::suppressions::list(self.store().reader(), sandbox_id).await?)
    }

    /// Lets Herald send to an address again (e.g. once the mailbox exists).
    #[tracing::instrument(skip_all)]
    pub async fn lift_suppression(
        &self,
        sandbox_id: &str,
        channel: &str,
        address: &str,
    ) -> Result<()> {
        let mut conn = self.store().acquire().await?;
        if store::suppressions::remove(&mut conn, sandbox_id, channel, address).await? {
            tracing::info!(channel, "suppression lifted");
            Ok(())
        } else {
            Err(Error::not_found(
                "suppression_not_found",
                "This address is not suppressed.",
            ))
        }
    }

    /// One message of a sandbox with every delivery attempt. Unknown ids and other sandboxes'
    /// messages are both `message_not_found`.
    pub async fn message(
        &self,
        sandbox_id: &str,
        id: &str,
    ) -> Result<(MessageView, Vec<AttemptRow>)> {
        let not_found = || Error::not_found("message_not_found", "No message has this id.");
        let id: MessageId = id.parse().map_err(|_| not_found())?;
        let pool = self.store().reader();
        let message = store::messages::message(pool, sandbox_id, id)
            .await?
            .ok_or_else(not_found)?;
        let attempts = store::executions::message_attempts(pool, id).await?;
        Ok((message, attempts))
    }
}

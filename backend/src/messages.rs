//! Reading messages for the ledger pages.

use crate::error::{Error, Result};
use crate::{Herald, store};
use domain::ids::MessageId;
use domain::views::{AttemptView, MessageView};

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

    /// One message of a sandbox with every delivery attempt. Unknown ids and other sandboxes'
    /// messages are both `message_not_found`.
    pub async fn message(
        &self,
        sandbox_id: &str,
        id: &str,
    ) -> Result<(MessageView, Vec<AttemptView>)> {
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

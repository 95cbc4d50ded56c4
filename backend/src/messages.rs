//! Reading messages for the ledger pages.

use crate::error::{Error, Result};
use crate::store::executions::AttemptRow;
use crate::{Herald, store};
use domain::ids::MessageId;
use domain::views::MessageView;

impl Herald {
    /// The newest messages of a sandbox, newest first.
    pub async fn recent_messages(&self, sandbox_id: &str, limit: i64) -> Result<Vec<MessageView>> {
        let limit = limit.clamp(1, 1000);
        Ok(store::messages::recent_messages(self.store().reader(), sandbox_id, limit).await?)
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
        let message = store::messages::message(pool, sandbox_id, &id.to_string())
            .await?
            .ok_or_else(not_found)?;
        let attempts = store::executions::message_attempts(pool, &message.id).await?;
        Ok((message, attempts))
    }
}

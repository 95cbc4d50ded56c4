//! Reading messages for the ledger pages.

use crate::error::Result;
use crate::{Herald, store};
use domain::views::MessageView;

impl Herald {
    /// The newest messages of a sandbox, newest first.
    pub async fn recent_messages(&self, sandbox_id: &str, limit: i64) -> Result<Vec<MessageView>> {
        let limit = limit.clamp(1, 1000);
        Ok(store::messages::recent_messages(self.store().reader(), sandbox_id, limit).await?)
    }
}

//! Reading messages for the ledger pages.

use crate::error::Result;
use crate::{Herald, store};
use domain::views::MessageView;

impl Herald {
    /// The newest messages, newest first.
    pub async fn recent_messages(&self, limit: i64) -> Result<Vec<MessageView>> {
        Ok(store::messages::recent_messages(self.store().reader(), limit.clamp(1, 1000)).await?)
    }
}

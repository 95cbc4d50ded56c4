//! A person's browser sessions: listed at sign-in so they can see where they are signed in and
//! end the sessions they do not recognise. Ending one deletes the session itself, so its cookie
//! stops working at its next request; a password change or reset ends the others.

use crate::clock::now_ms;
use crate::error::Result;
use crate::{Herald, store};
use domain::ids::UserId;
use domain::team::SessionView;

/// The longest browser description kept.
const MAX_BROWSER_CHARS: usize = 300;

impl Herald {
    /// Lists a session that just signed `user` in; `key` is its row's key in the session table.
    pub async fn record_session(
        &self,
        user: UserId,
        key: &str,
        browser: &str,
        address: &str,
    ) -> Result<()> {
        let browser: String = browser.chars().take(MAX_BROWSER_CHARS).collect();
        let mut conn = self.store().acquire().await?;
        store::accounts::record_session(&mut conn, key, user, &browser, address, now_ms()).await?;
        Ok(())
    }

    /// The user's open sessions, newest first; `current` marks the one asking.
    pub async fn sessions_of(&self, user: UserId, current: &str) -> Result<Vec<SessionView>> {
        let rows = store::accounts::sessions_of(self.store().reader(), user).await?;
        Ok(rows
            .into_iter()
            .map(|r| SessionView {
                current: r.session_key == current,
                key: r.session_key,
                signed_in_at: r.created_at,
                browser: r.browser,
                address: r.address,
            })
            .collect())
    }

    /// Ends one of the user's sessions (another person's key ends nothing). Returns whether
    /// one ended.
    pub async fn end_session(&self, user: UserId, key: &str) -> Result<bool> {
        let mut conn = self.store().acquire().await?;
        let ended = store::accounts::end_sessions(&mut conn, user, &[key.to_owned()]).await?;
        Ok(ended == 1)
    }

    /// Ends every session of the user but `keep` (`None`: all). Returns how many ended.
    pub async fn end_other_sessions(&self, user: UserId, keep: Option<&str>) -> Result<u64> {
        let others: Vec<String> = store::accounts::sessions_of(self.store().reader(), user)
            .await?
            .into_iter()
            .map(|r| r.session_key)
            .filter(|key| Some(key.as_str()) != keep)
            .collect();
        let mut conn = self.store().acquire().await?;
        let ended = store::accounts::end_sessions(&mut conn, user, &others).await?;
        if ended > 0 {
            tracing::info!(user_id = %user, ended, "sessions ended");
        }
        Ok(ended)
    }
}

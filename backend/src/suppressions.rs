//! Who Herald will not send to: suppressed addresses (hard bounces, dead push tokens), skipped
//! by every campaign, and marketing opt-outs (an unsubscribe link used), skipped by marketing
//! campaigns. Both are kept when a profile is erased: they are how its wish is honoured.
//!
//! Invariant: lifting either is recorded in the audit with who and when; the address itself is
//! recorded only as a digest, since the audit outlives erasures.

use crate::accounts::Caller;
use crate::clock::now_ms;
use crate::error::{Error, Result};
use crate::{Herald, store};
use domain::tenancy::Permission;
use domain::views::{OptOutView, SuppressionView};
use sha2::{Digest, Sha256};

impl Herald {
    /// A sandbox's suppressed addresses, newest first (the first 1,000).
    pub async fn suppressions(&self, sandbox_id: &str) -> Result<Vec<SuppressionView>> {
        Ok(store::suppressions::list(self.store().reader(), sandbox_id).await?)
    }

    /// A sandbox's marketing opt-outs, newest first (the first 1,000).
    pub async fn opt_outs(&self, sandbox_id: &str) -> Result<Vec<OptOutView>> {
        Ok(store::opt_outs::list(self.store().reader(), sandbox_id).await?)
    }

    /// Lets Herald send to an address again (e.g. once the mailbox exists).
    pub async fn lift_suppression(
        &self,
        caller: &Caller,
        channel: &str,
        address: &str,
    ) -> Result<()> {
        self.lift(List::Suppressions, caller, channel, address)
            .await
    }

    /// Lets marketing campaigns reach an address that opted out again (e.g. the person asked
    /// to be subscribed again).
    pub async fn lift_opt_out(&self, caller: &Caller, channel: &str, address: &str) -> Result<()> {
        self.lift(List::OptOuts, caller, channel, address).await
    }

    #[tracing::instrument(skip_all, fields(list = list.action()))]
    async fn lift(&self, list: List, caller: &Caller, channel: &str, address: &str) -> Result<()> {
        caller.require(Permission::Configure)?;
        let sandbox_id = caller.sandbox_id();
        let mut tx = self.store().begin().await?;
        let removed = match list {
            List::Suppressions => {
                store::suppressions::remove(&mut tx, sandbox_id, channel, address).await?
            }
            List::OptOuts => store::opt_outs::remove(&mut tx, sandbox_id, channel, address).await?,
        };
        if !removed {
            return Err(list.not_found());
        }
        let digest = hex::encode(&Sha256::digest(address.as_bytes())[..8]);
        store::audit::record_event(
            &mut tx,
            sandbox_id,
            &caller.who(),
            list.action(),
            channel,
            &format!("address sha256:{digest}…"),
            now_ms(),
        )
        .await?;
        tx.commit().await?;
        tracing::info!(channel, "lifted");
        Ok(())
    }
}

/// The two lists of addresses Herald does not send to.
#[derive(Clone, Copy)]
enum List {
    Suppressions,
    OptOuts,
}

impl List {
    fn action(self) -> &'static str {
        match self {
            List::Suppressions => "suppression_lifted",
            List::OptOuts => "opt_out_lifted",
        }
    }

    fn not_found(self) -> Error {
        match self {
            List::Suppressions => {
                Error::not_found("suppression_not_found", "This address is not suppressed.")
            }
            List::OptOuts => {
                Error::not_found("opt_out_not_found", "This address has not opted out.")
            }
        }
    }
}

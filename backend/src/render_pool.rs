//! Rendering runs here, off the async runtime's threads: on tokio's blocking pool, at most one
//! job per core at a time (callers wait their turn). Each template's own limits (depth, loop
//! iterations, output, time: see `domain::template`) bound a job; this pool bounds how many run
//! at once, so hostile content can slow rendering down but never stall the runtime that answers
//! health checks, sign-ins and other campaigns' calls. A panic in a job fails that job only.

use crate::error::{Error, Result};
use tokio::sync::Semaphore;

pub(crate) struct RenderPool {
    permits: Semaphore,
}

impl RenderPool {
    pub fn new() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self {
            permits: Semaphore::new(cores.max(2)),
        }
    }

    /// Runs `job` on the blocking pool once a slot is free.
    pub async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T> {
        let _slot = self.permits.acquire().await.map_err(Error::internal)?;
        tokio::task::spawn_blocking(job).await.map_err(|e| {
            let cause = if e.is_panic() {
                anyhow::anyhow!("rendering panicked")
            } else {
                anyhow::anyhow!("rendering was cancelled")
            };
            Error::internal(cause)
        })
    }
}

//! Limits checked *while* a message renders, so a template that would exceed one stops there
//! instead of after the work: output per part ([`MAX_RENDERED_BYTES`]), loop iterations per
//! message ([`MAX_ITERATIONS`]) and, on the server, time per message ([`RENDER_TIME_BUDGET`]).
//!
//! The budget lives in a thread-local for the duration of one message's render ([`Budget::
//! install`]): Handlebars calls back into [`tick`] (once per `#each` iteration, from a helper
//! the renderer puts at the start of every loop body) and into [`Capped`] (every write), both on
//! the rendering thread.

use std::cell::RefCell;
use std::io;
use std::time::Duration;

/// Largest rendered part.
pub const MAX_RENDERED_BYTES: usize = 1024 * 1024;

/// Most `#each` iterations in one message, all loops and parts together.
pub const MAX_ITERATIONS: u64 = 10_000;

/// Longest a message may take to render (not enforced in the browser, which has no clock here
/// and renders only its own user's preview).
pub const RENDER_TIME_BUDGET: Duration = Duration::from_millis(500);

/// Which limit stopped a render.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    Output,
    Iterations,
    Time,
}

impl Limit {
    pub fn reason(self) -> String {
        match self {
            Limit::Output => "stopped: the rendered text passed 1 MB (the limit per part)".into(),
            Limit::Iterations => format!(
                "stopped: loops ran more than {MAX_ITERATIONS} times (the limit per message)"
            ),
            Limit::Time => format!(
                "stopped: rendering took longer than {} ms (the limit per message)",
                RENDER_TIME_BUDGET.as_millis()
            ),
        }
    }
}

struct State {
    iterations_left: u64,
    #[cfg(not(target_arch = "wasm32"))]
    deadline: std::time::Instant,
    exceeded: Option<Limit>,
}

thread_local! {
    static BUDGET: RefCell<Option<State>> = const { RefCell::new(None) };
}

/// One message's budget on this thread, removed when dropped.
pub(super) struct Budget(());

impl Budget {
    pub fn install() -> Self {
        BUDGET.with_borrow_mut(|b| {
            *b = Some(State {
                iterations_left: MAX_ITERATIONS,
                #[cfg(not(target_arch = "wasm32"))]
                deadline: std::time::Instant::now() + RENDER_TIME_BUDGET,
                exceeded: None,
            })
        });
        Budget(())
    }

    /// The limit that stopped the render, if one did.
    pub fn exceeded(&self) -> Option<Limit> {
        BUDGET.with_borrow(|b| b.as_ref().and_then(|s| s.exceeded))
    }
}

impl Drop for Budget {
    fn drop(&mut self) {
        BUDGET.with_borrow_mut(|b| *b = None);
    }
}

/// Charges the budget: `iterations` loop turns and, always, a look at the clock.
fn charge(iterations: u64, output_over: bool) -> Result<(), Limit> {
    BUDGET.with_borrow_mut(|b| {
        let Some(state) = b.as_mut() else {
            return Ok(());
        };
        let over = if output_over {
            Some(Limit::Output)
        } else if state.iterations_left < iterations {
            Some(Limit::Iterations)
        } else {
            state.iterations_left -= iterations;
            #[cfg(not(target_arch = "wasm32"))]
            let late = std::time::Instant::now() > state.deadline;
            #[cfg(target_arch = "wasm32")]
            let late = false;
            late.then_some(Limit::Time)
        };
        match over {
            Some(limit) => {
                state.exceeded.get_or_insert(limit);
                Err(limit)
            }
            None => Ok(()),
        }
    })
}

/// One loop iteration.
pub(super) fn tick() -> Result<(), Limit> {
    charge(1, false)
}

/// The output of one part: refuses a write that would take it past [`MAX_RENDERED_BYTES`].
#[derive(Default)]
pub(super) struct Capped(Vec<u8>);

impl Capped {
    pub fn into_string(self) -> String {
        // Handlebars writes whole `str` segments, so the bytes are UTF-8.
        String::from_utf8(self.0).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into())
    }
}

impl io::Write for Capped {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        charge(0, self.0.len() + bytes.len() > MAX_RENDERED_BYTES)
            .map_err(|limit| io::Error::other(limit.reason()))?;
        self.0.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

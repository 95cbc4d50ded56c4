//! Several Herald nodes — real `herald` processes — on one PostgreSQL database, the way a team
//! runs Herald behind a load balancer. Each test gets a fresh database on the server at
//! `HERALD_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`; the
//! README's test command starts one when none answers).

// Helpers outside `#[test]` functions unwrap too: a failure there is a failed test.
#![allow(clippy::unwrap_used)]

#[allow(dead_code)]
#[path = "../it/process.rs"]
mod process;
#[allow(dead_code)]
#[path = "../it/support.rs"]
mod support;

mod cluster;
mod coherence;
mod copy;
mod faults;
mod idempotency;
mod kill;
mod pacing;
mod startup;

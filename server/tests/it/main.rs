//! Integration tests: the real app on port 0, a temporary SQLite file, a real SMTP server.

// Helpers outside `#[test]` functions unwrap too: a failure there is a failed test.
#![allow(clippy::unwrap_used)]

mod approvals;
mod audiences;
mod authorization;
mod backup;
mod campaigns;
mod consent;
mod crash;
mod fake_provider;
mod fragments;
mod full_disk;
mod hardening;
mod hostile_sign_in;
mod hostile_templates;
mod languages;
mod leases;
mod manage;
mod metrics;
mod namespaces;
mod pacing;
mod process;
mod profile_files;
mod profiles;
mod providers;
mod reports;
mod retention;
mod samples;
mod saved_content;
mod sign_in;
mod support;
mod surfaces;
mod team;
mod tenancy;
mod tracking;
mod trigger;
mod versions;
mod webhooks;
mod worker_panics;

//! Integration tests: the real app on port 0, a temporary SQLite file, a real SMTP server.

mod backup;
mod campaigns;
mod consent;
mod crash;
mod fake_provider;
mod hardening;
mod hostile_sign_in;
mod hostile_templates;
mod languages;
mod leases;
mod manage;
mod namespaces;
mod pacing;
mod process;
mod profiles;
mod providers;
mod reports;
mod samples;
mod sign_in;
mod support;
mod surfaces;
mod tenancy;
mod tracking;
mod trigger;
mod webhooks;
mod worker_panics;

//! Integration tests: the real app on port 0, a temporary SQLite file, a real SMTP server.

mod campaigns;
mod manage;
mod profiles;
mod samples;
mod sign_in;
mod support;
mod tenancy;
mod trigger;

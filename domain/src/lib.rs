//! Herald's domain: the rules that both doors (the browser UI and the REST API) share.
//!
//! Everything here is pure: no database, no network, no clock reads. Values are parsed at the
//! edge into types whose existence proves their validity (`EmailAddress`, `CampaignTitle`,
//! `Content`, `UnitaryTrigger`), so code further in never re-checks them.

pub mod approval;
pub mod audience;
pub mod campaign;
pub mod channel;
pub mod content;
pub mod curl;
pub mod dates;
pub mod delivery;
pub mod diff;
pub mod error;
pub mod fragment;
pub mod ids;
pub mod listing;
pub mod local_time;
pub mod locale;
pub mod message_query;
pub mod parts;
pub mod profile;
pub mod profile_import;
pub mod recipient;
pub mod report;
pub mod retention;
pub mod review;
pub mod saved_content;
pub mod sms;
pub mod surface;
pub mod team;
pub mod template;
pub mod tenancy;
pub mod tracking;
pub mod trigger;
pub mod version;
pub mod views;
pub mod webhook;

#[cfg(feature = "sqlx")]
mod text_column;

pub use error::{FieldError, ValidationError};

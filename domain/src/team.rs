//! The people of a sandbox as its owners see them: members with their roles, and invitations
//! not yet accepted.

use crate::tenancy::Role;
use serde::{Deserialize, Serialize};

/// A person who may enter the sandbox.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct MemberView {
    pub user_id: String,
    pub email: String,
    pub role: Role,
    /// The account cannot sign in (disabled by an owner); its role is kept for when it is
    /// enabled again.
    pub disabled: bool,
}

/// An invitation sent and not yet accepted.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct InvitationView {
    pub email: String,
    pub role: Role,
    /// Milliseconds since the Unix epoch.
    pub expires_at: i64,
}

/// A sandbox's people.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TeamView {
    pub members: Vec<MemberView>,
    pub invitations: Vec<InvitationView>,
    /// Marketing campaigns go live only once an approver approved them.
    pub approval_required: bool,
}

/// A one-time link just made (an invitation or a password reset): shown once to whoever
/// made it, and emailed where the sandbox can send email.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct OneTimeLink {
    pub url: String,
    /// The link was emailed to its recipient (else only this answer has it).
    pub emailed: bool,
    /// Milliseconds since the Unix epoch.
    pub expires_at: i64,
}

/// What a live one-time link is for, as its page shows it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct LinkView {
    pub email: String,
    /// An invitation: the sandbox (`org/name`) and the role; a password reset: `None`.
    pub invitation: Option<(String, Role)>,
}

/// One of a person's open browser sessions, as their Account page lists it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SessionView {
    /// Names the session to end it (not a credential: a hash of the cookie's id).
    pub key: String,
    /// Milliseconds since the Unix epoch.
    pub signed_in_at: i64,
    /// The browser's `User-Agent`, shortened.
    pub browser: String,
    /// The address it signed in from.
    pub address: String,
    /// The session this list is shown in.
    pub current: bool,
}

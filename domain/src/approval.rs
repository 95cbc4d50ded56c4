//! Approvals: a sandbox may require a second pair of eyes before a marketing campaign, or a new
//! version of one, goes live.
//!
//! Invariants, kept by the use cases and the store:
//! - With approvals on, a marketing campaign's version goes live only by an approver's
//!   decision on a pending request for exactly that version: "activate" alone is refused.
//! - The approver is a person (not an API key) other than whoever last wrote the version's
//!   content, so nobody approves their own change.
//! - Editing the version withdraws its pending request (in the edit's transaction), so what is
//!   approved is what the approver saw.

use serde::{Deserialize, Serialize};

/// Where a request for approval stands; a request without a decision is pending.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    /// The version went live.
    Approved,
    /// Sent back with a comment; an edit (a new request) follows.
    Rejected,
    /// The version was edited after the request.
    Withdrawn,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Approved => "approved",
            Decision::Rejected => "rejected",
            Decision::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Decision::Approved, Decision::Rejected, Decision::Withdrawn]
            .into_iter()
            .find(|d| d.as_str() == s)
    }
}

#[cfg(feature = "sqlx")]
crate::text_column::text_column!(
    Decision,
    |v: &Decision| v.as_str().to_owned(),
    Decision::parse
);

/// How a request or decision reads in the history: the version, and the note or comment if
/// any.
pub fn decision_detail(version: i64, comment: &str) -> String {
    if comment.is_empty() {
        format!("version {version}")
    } else {
        format!("version {version}: {comment}")
    }
}

/// The longest note with a request or comment with a decision, in characters.
pub const MAX_COMMENT_CHARS: usize = 2_000;

/// A note or comment as typed: trimmed, at most [`MAX_COMMENT_CHARS`].
pub fn comment(raw: &str) -> Result<String, String> {
    let text = raw.trim();
    if text.chars().count() > MAX_COMMENT_CHARS {
        return Err(format!("must be at most {MAX_COMMENT_CHARS} characters"));
    }
    Ok(text.to_owned())
}

/// A request for approval of one version of a campaign, as people read it (who: an email, or
/// "API key …").
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
#[serde(rename_all = "camelCase")]
pub struct ApprovalView {
    pub version: i64,
    pub requested_by: String,
    /// Milliseconds since the Unix epoch.
    pub requested_at: i64,
    pub note: String,
    /// `None`: pending.
    pub decision: Option<Decision>,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub comment: String,
}

impl ApprovalView {
    pub fn is_pending(&self) -> bool {
        self.decision.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decisions_read_back_and_comments_are_bounded() {
        for d in [Decision::Approved, Decision::Rejected, Decision::Withdrawn] {
            assert_eq!(Decision::parse(d.as_str()), Some(d));
        }
        assert_eq!(Decision::parse("pending"), None);
        assert_eq!(comment("  looks good \n").unwrap(), "looks good");
        assert!(comment(&"é".repeat(MAX_COMMENT_CHARS)).is_ok());
        assert!(comment(&"é".repeat(MAX_COMMENT_CHARS + 1)).is_err());
    }
}

//! A campaign's content versions as people see them. Version 1 is written when the campaign is
//! created and changed in place while it is a draft. Once it has gone live, the first edit
//! writes the next version (the pending draft) and later edits change that draft, until it is
//! activated, discarded, or replaced by a roll back. Versions that have been live are never
//! changed: trigger calls accepted with one keep rendering it.

use crate::campaign::CampaignStatus;
use crate::channel::Channel;
use crate::content::{PushOptions, VariantInput};
use crate::diff::PartDiff;
use serde::{Deserialize, Serialize};

/// Where a version stands.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VersionState {
    /// The version trigger calls use (or used last, once the campaign is over).
    Live,
    /// Newer than the live one, or a draft campaign's content: editable, not used yet.
    Draft,
    /// Live once (or a draft replaced by an activation), and kept for its messages.
    Earlier,
}

impl VersionState {
    /// The state of `version` in a campaign whose live version is `live` (none: never live).
    pub fn of(version: i64, live: Option<i64>) -> Self {
        match live {
            Some(live) if version == live => Self::Live,
            Some(live) if version < live => Self::Earlier,
            _ => Self::Draft,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Live => "live",
            Self::Draft => "draft",
            Self::Earlier => "earlier",
        }
    }
}

/// One version in the list.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionSummary {
    pub version: i64,
    pub state: VersionState,
    /// When it was first written (ms since the epoch).
    pub created_at: i64,
    /// Who last wrote it (an email or an API key's name); unknown for old versions.
    pub edited_by: Option<String>,
}

/// A campaign's versions, newest first, and what may be done with them.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionsView {
    pub campaign_id: String,
    pub title: String,
    pub status: CampaignStatus,
    pub live_version: Option<i64>,
    pub versions: Vec<VersionSummary>,
}

impl VersionsView {
    /// Whether an earlier version can become the next draft: only a live or scheduled campaign
    /// has a next version (a draft is edited in place; an ended one is duplicated).
    pub fn may_roll_back(&self) -> bool {
        may_roll_back(self.status)
    }

    /// The pending draft of a campaign that has been live, which may be discarded.
    pub fn discardable(&self) -> Option<i64> {
        let newest = self.versions.first()?;
        (self.live_version.is_some() && newest.state == VersionState::Draft)
            .then_some(newest.version)
    }
}

/// Whether a campaign in `status` takes a roll back.
pub fn may_roll_back(status: CampaignStatus) -> bool {
    matches!(status, CampaignStatus::Live | CampaignStatus::Scheduled)
}

/// One version's content.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionView {
    pub campaign_id: String,
    pub title: String,
    pub status: CampaignStatus,
    pub channel: Channel,
    pub summary: VersionSummary,
    pub subject: String,
    pub preheader: String,
    pub html_body: String,
    pub text_body: String,
    pub push: Option<PushOptions>,
    pub locale_attribute: String,
    pub variants: Vec<VariantInput>,
}

/// What changed from one version to another.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionComparison {
    pub from: i64,
    pub to: i64,
    /// The changed parts; empty when the two versions have the same content.
    pub parts: Vec<PartDiff>,
}

/// The two versions to compare: those asked for if both exist, else the newest against the
/// one before; none while there is a single version.
pub fn comparison_pair(
    versions: &[VersionSummary],
    from: Option<i64>,
    to: Option<i64>,
) -> Option<(i64, i64)> {
    let exists = |v: i64| versions.iter().any(|s| s.version == v);
    match (from, to) {
        (Some(from), Some(to)) if exists(from) && exists(to) => Some((from, to)),
        _ => Some((versions.get(1)?.version, versions.first()?.version)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_follow_the_live_version() {
        assert_eq!(VersionState::of(1, None), VersionState::Draft);
        assert_eq!(VersionState::of(1, Some(2)), VersionState::Earlier);
        assert_eq!(VersionState::of(2, Some(2)), VersionState::Live);
        assert_eq!(VersionState::of(3, Some(2)), VersionState::Draft);
    }
}

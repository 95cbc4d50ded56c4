//! Typed, time-ordered identifiers (UUID v7), written as readable text.
//!
//! A `CampaignId` can never be passed where an `ExecutionId` is expected, and ids sort by creation
//! time, which keeps SQLite's primary-key b-trees append-mostly.

use std::fmt;
use std::str::FromStr;

macro_rules! typed_id {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
                 serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(uuid::Uuid);

        impl $name {
            /// A new id for "now" (UUID v7: time-ordered).
            pub fn new() -> Self {
                Self(uuid::Uuid::now_v7())
            }
        }

        impl $name {
            /// The millisecond this id was drawn at (0 for ids that are not time-ordered).
            pub fn drawn_at_ms(&self) -> u64 {
                self.0.get_timestamp().map_or(0, |t| {
                    let (secs, nanos) = t.to_unix();
                    secs * 1000 + u64::from(nanos) / 1_000_000
                })
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                uuid::Uuid::parse_str(s).map(Self)
            }
        }

        #[cfg(feature = "sqlx")]
        crate::text_column::text_column!(
            $name,
            |id: &$name| id.to_string(),
            |text: &str| text.parse::<$name>().ok()
        );
    )*};
}

typed_id!(
    /// A campaign, stable across its versions.
    CampaignId,
    /// One accepted trigger call.
    ExecutionId,
    /// One message to one recipient.
    MessageId,
    /// A marketer's account.
    UserId,
    /// An API key (the id, never the secret).
    ApiKeyId,
    /// An isolated space of an organisation (e.g. `prod`, `dev`).
    SandboxId,
    /// A person known by identities.
    ProfileId,
    /// A channel surface: a sender and the provider that carries its messages.
    SurfaceId,
    /// A set of profiles a campaign is sent to in one go.
    AudienceId,
    /// An audience send to start later.
    ScheduleId,
    /// One profile file being imported (resumable by this id).
    ImportId,
    /// One "Send a test" of a campaign.
    TestSendId,
    /// A campaign's content saved under a name, to start new campaigns from.
    SavedContentId,
    /// A named piece of content campaigns include (`{{> name}}`).
    FragmentId,
);

impl MessageId {
    /// A message id made from its recipient rather than drawn: time-ordered by `at_ms` like
    /// any other, with `entropy` (e.g. a hash of execution and profile) as its other bits, so
    /// the same recipient of the same send always gets the same id.
    pub fn derived(at_ms: u64, entropy: [u8; 10]) -> Self {
        Self(uuid::Builder::from_unix_timestamp_millis(at_ms, &entropy).into_uuid())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_text() {
        let id = CampaignId::new();
        assert_eq!(id.to_string().parse::<CampaignId>().unwrap(), id);
        assert!("not-a-uuid".parse::<CampaignId>().is_err());
    }

    #[test]
    fn ids_are_time_ordered() {
        let a = MessageId::new();
        let b = MessageId::new();
        assert!(a < b);
    }
}

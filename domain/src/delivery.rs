//! Where a message, a delivery attempt and a webhook delivery stand, as stored, with the moves
//! each may make. The store writes only these values (its columns are constrained to them) and
//! reads them back typed.

use crate::ids::MessageId;
use serde::{Deserialize, Serialize};

/// What a transport sends: the address and the rendered message, with what the provider needs
/// beside it. The outbox row ([`MessageId`] and rendering included) carries one; a test send or
/// a notice of Herald's own is one without a row.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct Outgoing {
    /// The message's id: the email's `Message-ID`, the push's `apns-id`, the same on every retry.
    pub id: MessageId,
    /// An email address, a phone number (E.164) or a device token.
    pub address: String,
    /// The email's subject or the push's title; empty for an SMS.
    pub subject: String,
    pub html_body: String,
    pub text_body: String,
    /// Push: app, platform, image, link and data as JSON.
    pub payload: Option<String>,
    /// Marketing email: the one-click unsubscribe link for `List-Unsubscribe`.
    #[cfg_attr(feature = "sqlx", sqlx(skip))]
    pub unsubscribe_url: Option<String>,
    /// SMS: where the provider reports delivery.
    #[cfg_attr(feature = "sqlx", sqlx(skip))]
    pub status_callback_url: Option<String>,
}

impl Outgoing {
    /// A plain-text email of Herald's own (an invitation, a password reset).
    pub fn notice(to: &str, subject: &str, text: String) -> Self {
        Self {
            id: MessageId::new(),
            address: to.to_owned(),
            subject: subject.to_owned(),
            html_body: String::new(),
            text_body: text,
            payload: None,
            unsubscribe_url: None,
            status_callback_url: None,
        }
    }
}

macro_rules! status_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $text:literal),* $(,)? }) => {
        $(#[$doc])*
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vdoc])* $variant),* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),* }
            }

            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        #[cfg(feature = "sqlx")]
        crate::text_column::text_column!($name, |v: &$name| v.as_str().to_owned(), $name::parse);
    };
}
pub(crate) use status_enum;

status_enum!(
    /// A message in the outbox, as stored.
    MessageStatus {
        Queued => "queued",
        Sending => "sending",
        Sent => "sent",
        Failed => "failed",
        Excluded => "excluded",
    }
);

impl MessageStatus {
    /// Whether a message may move from `self` to `to`:
    /// - queued → sending (claimed under a lease), queued → excluded (its address is listed);
    /// - sending → sending (a lease that expired, claimed again), → sent, → queued (a retry,
    ///   or put back unsent for pacing), → failed, → excluded (past its campaign's end);
    /// - sent → failed (the provider's receipt says it was not delivered).
    ///
    /// Failed and excluded are final.
    pub fn can_become(self, to: MessageStatus) -> bool {
        use MessageStatus::*;
        matches!(
            (self, to),
            (Queued, Sending | Excluded)
                | (Sending, Sending | Sent | Queued | Failed | Excluded)
                | (Sent, Failed)
        )
    }

    /// No attempt will be made any more.
    pub fn is_final(self) -> bool {
        matches!(self, MessageStatus::Failed | MessageStatus::Excluded)
    }
}

status_enum!(
    /// A message's status as people and API clients read it: the stored one, with `delivered`
    /// for a sent message whose provider confirmed delivery.
    ReportedStatus {
        Queued => "queued",
        Sending => "sending",
        Sent => "sent",
        Delivered => "delivered",
        Failed => "failed",
        Excluded => "excluded",
    }
);

status_enum!(
    /// How one delivery attempt ended.
    AttemptOutcome {
        Sent => "sent",
        TransientFailure => "transient_failure",
        PermanentFailure => "permanent_failure",
    }
);

status_enum!(
    /// A webhook event's delivery to one endpoint, as stored.
    WebhookDeliveryStatus {
        Queued => "queued",
        Sending => "sending",
        Sent => "sent",
        Failed => "failed",
    }
);

impl WebhookDeliveryStatus {
    /// queued → sending (claimed); sending → sending (an expired lease claimed again), → sent,
    /// → queued (retried later), → failed (given up). Sent and failed are final.
    pub fn can_become(self, to: WebhookDeliveryStatus) -> bool {
        use WebhookDeliveryStatus::*;
        matches!(
            (self, to),
            (Queued, Sending) | (Sending, Sending | Sent | Queued | Failed)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_read_back_from_their_text() {
        for s in MessageStatus::ALL {
            assert_eq!(MessageStatus::parse(s.as_str()), Some(*s));
        }
        for s in ReportedStatus::ALL {
            assert_eq!(ReportedStatus::parse(s.as_str()), Some(*s));
        }
        for s in AttemptOutcome::ALL {
            assert_eq!(AttemptOutcome::parse(s.as_str()), Some(*s));
        }
        for s in WebhookDeliveryStatus::ALL {
            assert_eq!(WebhookDeliveryStatus::parse(s.as_str()), Some(*s));
        }
        assert_eq!(
            MessageStatus::parse("delivered"),
            None,
            "derived, never stored"
        );
    }

    #[test]
    fn the_message_transition_table() {
        use MessageStatus::*;
        let allowed = [
            (Queued, Sending),
            (Queued, Excluded),
            (Sending, Sending),
            (Sending, Sent),
            (Sending, Queued),
            (Sending, Failed),
            (Sending, Excluded),
            (Sent, Failed),
        ];
        for from in MessageStatus::ALL {
            for to in MessageStatus::ALL {
                assert_eq!(
                    from.can_become(*to),
                    allowed.contains(&(*from, *to)),
                    "{from} → {to}"
                );
            }
        }
        assert!(Failed.is_final() && Excluded.is_final());
        assert!(!Queued.is_final() && !Sending.is_final() && !Sent.is_final());
        for to in MessageStatus::ALL {
            assert!(!Failed.can_become(*to) && !Excluded.can_become(*to));
        }
    }

    #[test]
    fn the_webhook_delivery_transition_table() {
        use WebhookDeliveryStatus::*;
        let allowed = [
            (Queued, Sending),
            (Sending, Sending),
            (Sending, Sent),
            (Sending, Queued),
            (Sending, Failed),
        ];
        for from in WebhookDeliveryStatus::ALL {
            for to in WebhookDeliveryStatus::ALL {
                assert_eq!(from.can_become(*to), allowed.contains(&(*from, *to)));
            }
        }
    }
}

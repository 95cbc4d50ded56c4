//! When each member's message of a local-time send is due (see [`domain::local_time`]).
//!
//! Invariant: a member's message is held until their zone's clock shows the send's time
//! (`not_before`) and may go out until the send window after it (`send_by`); a member reached
//! after that time had passed by more than the schedule grace period is excluded
//! (`local_time_passed`) rather than sent at the wrong hour.

use crate::clock::Millis;
use crate::store::executions::{Excluded, NewMessage};
use domain::local_time::{LocalTime, TimeZoneName};
use domain::report::Exclusion;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// The profile attribute naming a member's time zone.
pub const TIME_ZONE_ATTRIBUTE: &str = "timeZone";

/// What a batch of a local-time send needs to place each member's message in time.
pub struct LocalSchedule {
    pub time: LocalTime,
    /// The sandbox's zone, for members whose profile names none (or an unknown one).
    pub fallback: TimeZoneName,
    pub grace: Millis,
    pub window: Millis,
    pub now: Millis,
    /// Zones already looked up in this batch, by the name profiles give.
    zones: HashMap<String, Option<TimeZoneName>>,
}

impl LocalSchedule {
    pub fn new(
        time: LocalTime,
        fallback: TimeZoneName,
        grace: Millis,
        window: Millis,
        now: Millis,
    ) -> Self {
        Self {
            time,
            fallback,
            grace,
            window,
            now,
            zones: HashMap::new(),
        }
    }

    /// Holds `message` until the member's time, or excludes it when that time is past.
    pub fn place(&mut self, message: &mut NewMessage, attributes: &Map<String, Value>) {
        let named = attributes.get(TIME_ZONE_ATTRIBUTE).and_then(Value::as_str);
        let zone = match named {
            Some(name) => self
                .zones
                .entry(name.to_owned())
                .or_insert_with(|| TimeZoneName::parse(name).ok())
                .as_ref()
                .unwrap_or(&self.fallback),
            None => &self.fallback,
        };
        let due = self.time.in_zone(zone);
        if due + self.grace < self.now {
            if message.excluded.is_none() {
                message.excluded = Some(Excluded {
                    class: Exclusion::LocalTimePassed,
                    reason: format!(
                        "not sent: {} in {zone} had passed when the send reached this member",
                        self.time.describe()
                    ),
                });
            }
            return;
        }
        message.not_before = Some(due);
        message.send_by = Some(due.max(self.now) + self.window);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::channel::Channel;
    use domain::dates::parse_rfc3339_ms;
    use domain::ids::MessageId;
    use serde_json::json;

    fn message() -> NewMessage {
        NewMessage {
            id: MessageId::new(),
            recipient_index: 0,
            user_id: "u".into(),
            channel: Channel::Email,
            address: "a@example.com".into(),
            subject: String::new(),
            html_body: String::new(),
            text_body: String::new(),
            locale: None,
            payload: None,
            platform: None,
            excluded: None,
            tracked_links: Vec::new(),
            send_by: None,
            not_before: None,
        }
    }

    fn attributes(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn each_member_waits_for_their_zone_and_past_ones_are_excluded() {
        let at = |raw| parse_rfc3339_ms(raw).unwrap();
        let hour = 3_600_000;
        let nine = LocalTime::parse("2026-12-24T09:00").unwrap();
        let paris = TimeZoneName::parse("Europe/Paris").unwrap();
        // 10:30 UTC: 09:00 has passed in Paris (08:00 UTC) and Tokyo, not in New York.
        let now = at("2026-12-24T10:30:00Z");
        let mut schedule = LocalSchedule::new(nine, paris, hour, 12 * hour, now);

        let mut new_york = message();
        schedule.place(
            &mut new_york,
            &attributes(json!({"timeZone": "America/New_York"})),
        );
        assert_eq!(new_york.not_before, Some(at("2026-12-24T14:00:00Z")));
        assert_eq!(new_york.send_by, Some(at("2026-12-25T02:00:00Z")));
        assert!(new_york.excluded.is_none());

        let mut tokyo = message();
        schedule.place(&mut tokyo, &attributes(json!({"timeZone": "Asia/Tokyo"})));
        let excluded = tokyo.excluded.expect("Tokyo's 09:00 is 9.5 h past");
        assert_eq!(excluded.class, Exclusion::LocalTimePassed);
        assert!(
            excluded.reason.contains("Asia/Tokyo"),
            "{}",
            excluded.reason
        );

        // No zone, or one the database does not know: the sandbox's (Paris, 2.5 h past, but
        // within a 3 h grace it still goes, at once).
        let mut schedule = LocalSchedule::new(nine, schedule.fallback, 3 * hour, hour, now);
        for stored in [
            json!({}),
            json!({"timeZone": "Mars/Base"}),
            json!({"timeZone": 2}),
        ] {
            let mut m = message();
            schedule.place(&mut m, &attributes(stored));
            assert_eq!(m.not_before, Some(at("2026-12-24T08:00:00Z")));
            assert_eq!(m.send_by, Some(now + hour));
        }
    }
}

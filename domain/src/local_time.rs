//! Local-time sends: "09:00 in each recipient's time zone".
//!
//! A [`LocalTime`] is a wall-clock date and time without a zone. Each recipient's message is
//! due when their own zone's clock shows it: the zone their profile's `timeZone` attribute
//! names, else their sandbox's ([`TimeZoneName`], IANA names, from a zone database bundled into
//! the binary so that every host answers alike). The send starts when the first zone on Earth
//! reaches that time ([`LocalTime::earliest`], at UTC+14) and holds each message until its
//! recipient's instant ([`LocalTime::in_zone`]); the last zones (UTC−12) come 26 hours later.
//!
//! Daylight saving: a wall-clock time a zone skips (02:30 on the night clocks go forward) is
//! taken as the instant the same length after the gap begins (03:30); one a zone shows twice
//! (the night clocks go back) as the first of the two. RFC 5545 and Temporal do the same.

use jiff::civil::DateTime;
use jiff::tz::{Offset, TimeZone};
use std::fmt;

/// Milliseconds since the Unix epoch.
type Millis = i64;

/// A wall-clock date and time without a zone, to the second (`2026-12-24T09:00`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LocalTime(DateTime);

/// The earliest zone in use (Line Islands) and the latest (Baker Island).
const EARLIEST_HOURS: i8 = 14;
const LATEST_HOURS: i8 = -12;

impl LocalTime {
    /// Parses `YYYY-MM-DDTHH:MM` or `YYYY-MM-DDTHH:MM:SS`; an offset or zone is refused (that
    /// would name one instant, not a time in each recipient's zone).
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        const WHAT: &str = "must be a date and time without an offset, such as 2026-12-24T09:00";
        let raw = raw.trim();
        let shaped = matches!(raw.len(), 16 | 19)
            && raw.char_indices().all(|(i, c)| match i {
                4 | 7 => c == '-',
                10 => c == 'T',
                13 | 16 => c == ':',
                _ => c.is_ascii_digit(),
            });
        if !shaped {
            return Err(WHAT);
        }
        // Built from its numbers rather than with jiff's parser of every ISO 8601 and RFC 9557
        // form: the browser's bundle uses this too, and that parser weighs ~100 KB there.
        let field = |from: usize| -> i8 { raw[from..from + 2].parse().unwrap_or(-1) };
        let year: i16 = raw[..4].parse().unwrap_or(-1);
        let second = if raw.len() == 19 { field(17) } else { 0 };
        DateTime::new(year, field(5), field(8), field(11), field(14), second, 0)
            .map(Self)
            .map_err(|_| "is not a real date and time (check the day and the hour)")
    }

    /// When the first zone's clock shows this time (UTC+14): a local-time send starts then.
    pub fn earliest(&self) -> Millis {
        self.at_offset(EARLIEST_HOURS)
    }

    /// When the last zone's clock shows this time (UTC−12).
    pub fn latest(&self) -> Millis {
        self.at_offset(LATEST_HOURS)
    }

    /// The instant this time is shown in `zone` (see the module docs for daylight saving).
    pub fn in_zone(&self, zone: &TimeZoneName) -> Millis {
        zone.zone
            .to_timestamp(self.0)
            .map_or_else(|_| self.earliest(), |t| t.as_millisecond())
    }

    fn at_offset(&self, hours: i8) -> Millis {
        TimeZone::fixed(Offset::constant(hours))
            .to_timestamp(self.0)
            .map_or(0, |t| t.as_millisecond())
    }

    /// "09:00 on 24 Dec 2026", as people read it.
    pub fn describe(&self) -> String {
        const MONTHS: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        let month = MONTHS[(self.0.month() as usize).saturating_sub(1) % 12];
        let seconds = match self.0.second() {
            0 => String::new(),
            s => format!(":{s:02}"),
        };
        format!(
            "{:02}:{:02}{seconds} on {} {month} {}",
            self.0.hour(),
            self.0.minute(),
            self.0.day(),
            self.0.year()
        )
    }
}

/// `2026-12-24T09:00:00`, as the API answers it.
impl fmt::Display for LocalTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = self.0;
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            t.year(),
            t.month(),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        )
    }
}

/// A time zone of the IANA database, by its name (`Europe/Paris`, `UTC`).
#[derive(Debug, Clone)]
pub struct TimeZoneName {
    name: String,
    zone: TimeZone,
}

impl TimeZoneName {
    /// The zone of this name, case-insensitively (`europe/paris` is `Europe/Paris`).
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let raw = raw.trim();
        if raw.is_empty() || raw.len() > 64 {
            return Err("must name a time zone of the IANA database, such as Europe/Paris");
        }
        let zone = TimeZone::get(raw)
            .map_err(|_| "is not a time zone of the IANA database (e.g. Europe/Paris, UTC)")?;
        let name = zone.iana_name().unwrap_or(raw).to_owned();
        Ok(Self { name, zone })
    }

    pub fn utc() -> Self {
        Self {
            name: "UTC".into(),
            zone: TimeZone::UTC,
        }
    }

    pub fn as_str(&self) -> &str {
        &self.name
    }
}

impl fmt::Display for TimeZoneName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

impl PartialEq for TimeZoneName {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(raw: &str) -> Millis {
        crate::dates::parse_rfc3339_ms(raw).unwrap()
    }

    fn zone(name: &str) -> TimeZoneName {
        TimeZoneName::parse(name).unwrap()
    }

    #[test]
    fn a_local_time_is_a_date_and_time_without_an_offset() {
        let nine = LocalTime::parse("2026-12-24T09:00").unwrap();
        assert_eq!(nine.to_string(), "2026-12-24T09:00:00");
        assert_eq!(LocalTime::parse("2026-12-24T09:00:00").unwrap(), nine);
        assert_eq!(nine.describe(), "09:00 on 24 Dec 2026");
        for refused in [
            "2026-12-24T09:00Z",
            "2026-12-24T09:00+01:00",
            "2026-12-24 09:00",
            "2026-12-24",
            "09:00",
            "",
        ] {
            assert!(LocalTime::parse(refused).is_err(), "{refused}");
        }
        assert!(LocalTime::parse("2026-02-30T09:00").is_err());
        assert!(LocalTime::parse("2026-12-24T25:00").is_err());
    }

    #[test]
    fn each_zone_reaches_the_time_at_its_own_instant() {
        let nine = LocalTime::parse("2026-12-24T09:00").unwrap();
        assert_eq!(nine.earliest(), at("2026-12-23T19:00:00Z"));
        assert_eq!(nine.latest(), at("2026-12-24T21:00:00Z"));
        assert_eq!(
            nine.in_zone(&zone("Europe/Paris")),
            at("2026-12-24T08:00:00Z")
        );
        assert_eq!(
            nine.in_zone(&zone("America/New_York")),
            at("2026-12-24T14:00:00Z")
        );
        assert_eq!(
            nine.in_zone(&zone("Asia/Kolkata")),
            at("2026-12-24T03:30:00Z")
        );
        assert_eq!(
            nine.in_zone(&TimeZoneName::utc()),
            at("2026-12-24T09:00:00Z")
        );
        for name in [
            "Pacific/Kiritimati",
            "Pacific/Auckland",
            "America/Los_Angeles",
        ] {
            let instant = nine.in_zone(&zone(name));
            assert!(
                nine.earliest() <= instant && instant <= nine.latest(),
                "{name}"
            );
        }
    }

    #[test]
    fn daylight_saving_gaps_move_on_and_folds_take_the_first() {
        let skipped = LocalTime::parse("2026-03-29T02:30").unwrap();
        assert_eq!(
            skipped.in_zone(&zone("Europe/Paris")),
            at("2026-03-29T01:30:00Z")
        );
        let twice = LocalTime::parse("2026-10-25T02:30").unwrap();
        assert_eq!(
            twice.in_zone(&zone("Europe/Paris")),
            at("2026-10-25T00:30:00Z")
        );
    }

    #[test]
    fn zones_are_named_as_the_database_names_them() {
        assert_eq!(zone("europe/paris").as_str(), "Europe/Paris");
        assert_eq!(zone("UTC").as_str(), "UTC");
        assert!(TimeZoneName::parse("Mars/Olympus_Mons").is_err());
        assert!(TimeZoneName::parse("").is_err());
        assert!(TimeZoneName::parse("+02:00").is_err());
    }
}

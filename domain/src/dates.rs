//! Dates and instants as Herald reads and writes them: RFC 3339 date-times, days
//! (`2026-11-29`) at a UTC offset, and the short UTC form pages show. Instants are integer
//! milliseconds since the Unix epoch; the calendar is the `time` crate's.

use crate::error::FieldError;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// An RFC 3339 date-time as ms since the epoch.
pub fn parse_rfc3339_ms(raw: &str) -> Option<i64> {
    OffsetDateTime::parse(raw, &Rfc3339)
        .ok()
        .map(|t| (t.unix_timestamp_nanos() / 1_000_000) as i64)
}

/// RFC 3339 text for a millisecond timestamp, e.g. `2026-11-28T21:58:40.123Z`.
pub fn format_rfc3339(ms: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}

/// `2026-11-28 21:58 UTC` for a millisecond timestamp. Pure, so server and browser render the
/// same text (no hydration mismatch).
pub fn format_utc(ms: i64) -> String {
    let Ok(at) = OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000)) else {
        return String::new();
    };
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02} UTC",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute()
    )
}

/// What a date field accepts, as its error says.
pub(crate) const DAY_OR_INSTANT: &str = "must be a date (2026-11-29) or an RFC 3339 date-time";

/// A `utcOffset` field (minutes east of UTC, at most 14 hours) in ms; absent is UTC.
pub(crate) fn utc_offset_ms(raw: Option<&str>) -> Result<i64, FieldError> {
    match raw.map(str::parse::<i64>) {
        None => Ok(0),
        Some(Ok(minutes)) if (-14 * 60..=14 * 60).contains(&minutes) => Ok(minutes * 60_000),
        Some(_) => Err(FieldError::new(
            "utcOffset",
            "must be minutes east of UTC, from -840 to 840",
        )),
    }
}

/// A day (`2026-11-29`: its midnight at `offset_ms` east of UTC, and `true`) or an RFC 3339
/// instant (and `false`), in ms since the epoch.
pub(crate) fn day_or_instant(raw: &str, offset_ms: i64) -> Option<(i64, bool)> {
    day_start(raw)
        .map(|utc_midnight| (utc_midnight - offset_ms, true))
        .or_else(|| parse_rfc3339_ms(raw).map(|at| (at, false)))
}

/// `YYYY-MM-DD` as the UTC midnight that starts it.
fn day_start(raw: &str) -> Option<i64> {
    let mut parts = raw.splitn(3, '-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let month = time::Month::try_from(m.parse::<u8>().ok()?).ok()?;
    let date = time::Date::from_calendar_date(y.parse().ok()?, month, d.parse().ok()?).ok()?;
    Some(date.midnight().assume_utc().unix_timestamp() * 1000)
}

#[cfg(test)]
mod tests {
    #[test]
    fn timestamps_format_in_utc() {
        assert_eq!(super::format_utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(super::format_utc(1_700_000_000_123), "2023-11-14 22:13 UTC");
        assert_eq!(super::format_utc(951_782_400_000), "2000-02-29 00:00 UTC");
    }
}

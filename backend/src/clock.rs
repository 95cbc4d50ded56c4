//! Time as Herald stores it: integer milliseconds since the Unix epoch, UTC.

use time::OffsetDateTime;

/// Milliseconds since the Unix epoch.
pub type Millis = i64;

pub fn now_ms() -> Millis {
    (OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as Millis
}

/// RFC 3339 text for an API answer, e.g. `2026-11-28T21:58:40.123Z`.
pub fn rfc3339(ms: Millis) -> String {
    domain::dates::format_rfc3339(ms)
}

#[cfg(test)]
mod tests {
    #[test]
    fn millis_format_as_rfc3339() {
        assert_eq!(
            super::rfc3339(1_700_000_000_123),
            "2023-11-14T22:13:20.123Z"
        );
    }
}

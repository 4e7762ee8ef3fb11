//! Clocks and the timestamp forms vendors write. Every simulator formats time through
//! here (jiff does the calendar), so a vendor's module names only its format.

use std::time::{SystemTime, UNIX_EPOCH};

/// `2026-07-01T12:00:00Z`
pub const RFC3339_Z: &str = "%Y-%m-%dT%H:%M:%SZ";
/// `2026-07-01T12:00:00+00:00` (Adyen, Mollie, sevdesk write the offset out).
pub const RFC3339_OFFSET: &str = "%Y-%m-%dT%H:%M:%S+00:00";
/// `2026-07-01T12:00:00.000Z`
pub const RFC3339_MILLIS: &str = "%Y-%m-%dT%H:%M:%S%.3fZ";
/// `2026-07-01 12:00:00` (Unzer's transaction dates).
pub const SPACED: &str = "%Y-%m-%d %H:%M:%S";
/// `2026-07-01`
pub const DATE: &str = "%Y-%m-%d";
/// `Tue, 15 Nov 1994 08:12:31 GMT` (RFC 1123, HTTP's `Date`).
pub const HTTP_DATE: &str = "%a, %d %b %Y %H:%M:%S GMT";

/// Unix seconds now.
pub fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Unix seconds in UTC, in `format` (strftime).
pub fn utc(secs: i64, format: &str) -> String {
    utc_ms(secs.saturating_mul(1000), format)
}

/// Unix milliseconds in UTC, in `format` (strftime).
pub fn utc_ms(ms: i64, format: &str) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
        .strftime(format)
        .to_string()
}

/// Unix seconds of a UTC time written in `format`; `None` when it does not parse.
pub fn parse_utc(text: &str, format: &str) -> Option<i64> {
    let civil = jiff::civil::DateTime::strptime(format, text).ok()?;
    Some(
        jiff::tz::TimeZone::UTC
            .to_timestamp(civil)
            .ok()?
            .as_second(),
    )
}

/// Unix seconds of midnight UTC on a civil date; `None` for a date that does not exist.
pub fn unix_date(year: i16, month: i8, day: i8) -> Option<i64> {
    let date = jiff::civil::Date::new(year, month, day).ok()?;
    Some(
        jiff::tz::TimeZone::UTC
            .to_timestamp(date.to_datetime(jiff::civil::Time::midnight()))
            .ok()?
            .as_second(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_vendors_write() {
        let t = 1_782_907_200; // 2026-07-01T12:00:00Z, a Wednesday
        assert_eq!(utc(t, RFC3339_Z), "2026-07-01T12:00:00Z");
        assert_eq!(utc(t, RFC3339_OFFSET), "2026-07-01T12:00:00+00:00");
        assert_eq!(
            utc_ms(t * 1000 + 7, RFC3339_MILLIS),
            "2026-07-01T12:00:00.007Z"
        );
        assert_eq!(utc(t, SPACED), "2026-07-01 12:00:00");
        assert_eq!(utc(t, DATE), "2026-07-01");
        assert_eq!(utc(t, HTTP_DATE), "Wed, 01 Jul 2026 12:00:00 GMT");
        assert_eq!(utc(-1, RFC3339_Z), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn parses_back() {
        let t = 1_782_907_200;
        assert_eq!(
            parse_utc("Wed, 01 Jul 2026 12:00:00 GMT", HTTP_DATE),
            Some(t)
        );
        assert_eq!(parse_utc("2026-02-30 00:00:00", SPACED), None);
        assert_eq!(unix_date(2026, 7, 1), Some(t - 12 * 3600));
        assert_eq!(unix_date(2025, 2, 29), None);
    }
}

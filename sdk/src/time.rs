//! Timestamps as vendors write them, read into Unix time (jiff does the calendar).
//! Every connector parses dates through here rather than carrying its own calendar.

use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;

/// Nanoseconds since the Unix epoch of an RFC 3339 timestamp with an offset
/// (`2026-11-28T10:00:00.123Z`, `…+01:00`), so watermarks compare by instant whatever
/// their offset or precision. Timestamps without an offset are refused: a watermark
/// must name an instant.
pub fn rfc3339_nanos(text: &str) -> Option<i128> {
    let text = text.trim();
    // An offset is required: jiff would also accept `…[Europe/Berlin]` or no offset.
    let tail = text.get(text.len().saturating_sub(6)..)?;
    let has_offset = text.ends_with(['Z', 'z'])
        || (tail.starts_with(['+', '-']) && tail.as_bytes().get(3) == Some(&b':'));
    if !has_offset || text.len() < 20 {
        return None;
    }
    Some(text.parse::<Timestamp>().ok()?.as_nanosecond())
}

/// Unix seconds of an ISO 8601 / RFC 3339 timestamp: `2018-11-22T08:40:21.000Z`,
/// `2018-11-22T08:40:21+01:00`, `…+0100`, without an offset (read as UTC), or a bare
/// date (midnight UTC).
pub fn parse_timestamp(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Ok(t) = text.parse::<Timestamp>() {
        return Some(t.as_second());
    }
    let civil = match text.parse::<DateTime>() {
        Ok(dt) => dt,
        Err(_) => text
            .parse::<Date>()
            .ok()?
            .to_datetime(jiff::civil::Time::midnight()),
    };
    Some(TimeZone::UTC.to_timestamp(civil).ok()?.as_second())
}

/// Unix seconds of an HTTP `Date` header (IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`).
pub fn parse_http_date(text: &str) -> Option<i64> {
    let civil = DateTime::strptime("%a, %d %b %Y %H:%M:%S GMT", text.trim()).ok()?;
    Some(TimeZone::UTC.to_timestamp(civil).ok()?.as_second())
}

/// The civil date (`yyyy-mm-dd`) a timestamp was written in, at its own offset: the
/// business day the merchant saw, not the UTC one. `None` unless the whole timestamp
/// parses.
pub fn local_date(text: &str) -> Option<Date> {
    parse_timestamp(text)?;
    text.trim().get(..10)?.parse().ok()
}

/// Unix seconds as RFC 3339 in UTC (`2026-12-07T10:00:00Z`), as the contract writes times.
pub fn rfc3339(unix_secs: i64) -> Option<String> {
    Timestamp::from_second(unix_secs)
        .ok()
        .map(|t| t.to_string())
}

/// A civil date (`yyyy-mm-dd`) moved by `days` (negative: back).
pub fn add_days(date: &str, days: i64) -> Option<String> {
    let date: Date = date.trim().parse().ok()?;
    Some(
        date.checked_add(jiff::Span::new().days(days))
            .ok()?
            .to_string(),
    )
}

/// The UTC day (`yyyy-mm-dd`) of Unix seconds: the vendor's "today" from its `Date`
/// header, since a guest has no clock of its own.
pub fn utc_day(unix_secs: i64) -> Option<String> {
    let t = Timestamp::from_second(unix_secs).ok()?;
    Some(TimeZone::UTC.to_datetime(t).date().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days() {
        assert_eq!(add_days("2026-12-31", 1).as_deref(), Some("2027-01-01"));
        assert_eq!(add_days("2026-03-01", -1).as_deref(), Some("2026-02-28"));
        assert_eq!(add_days("nope", 1), None);
        assert_eq!(utc_day(86_400 * 365).as_deref(), Some("1971-01-01"));
    }

    #[test]
    fn timestamps() {
        assert_eq!(parse_timestamp("1970-01-01T00:00:00Z"), Some(0));
        let t = Some(1_542_876_021);
        assert_eq!(parse_timestamp("2018-11-22T08:40:21.000Z"), t);
        assert_eq!(parse_timestamp("2018-11-22T09:40:21+01:00"), t);
        assert_eq!(parse_timestamp("2018-11-22T03:40:21-0500"), t);
        assert_eq!(parse_timestamp("2018-11-22T08:40:21"), t);
        assert_eq!(parse_timestamp("2018-11-22 08:40:21"), t);
        assert_eq!(parse_timestamp("2024-02-29"), Some(1_709_164_800));
        assert_eq!(parse_timestamp("2024-13-01T00:00:00Z"), None);
        assert_eq!(parse_timestamp("2025-02-29"), None);
        assert_eq!(parse_timestamp("yesterday"), None);
    }

    #[test]
    fn http_dates() {
        assert_eq!(
            parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784_111_777)
        );
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 CET"), None);
        assert_eq!(parse_http_date("garbage"), None);
    }

    #[test]
    fn watermarks_compare_by_instant() {
        let a = rfc3339_nanos("2026-11-28T10:00:00.123Z").unwrap();
        let b = rfc3339_nanos("2026-11-28T11:00:00.123+01:00").unwrap();
        assert_eq!(a, b);
        assert_eq!(
            rfc3339_nanos("2026-11-28T10:00:00.000000001Z").unwrap() - a,
            1 - 123_000_000
        );
        assert_eq!(rfc3339_nanos("2026-11-28T10:00:00"), None);
        assert_eq!(rfc3339_nanos("2026-11-28"), None);
        assert_eq!(rfc3339_nanos("2026-13-28T10:00:00Z"), None);
    }

    #[test]
    fn local_dates() {
        let d = local_date("2026-06-15T23:30:00+02:00").unwrap();
        assert_eq!(d.to_string(), "2026-06-15");
        assert!(local_date("15.06.2026").is_none());
        assert!(local_date("2026-06-15Tnonsense").is_none());
    }
}

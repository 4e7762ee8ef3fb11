//! Small generic helpers this connector needs and the SDK does not (yet) offer:
//! timestamps to Unix seconds and back to the dates sevdesk takes. Candidates for
//! `beep_sdk` (the Korona connector carries the same timestamp parsing).

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn num(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn unix(year: i64, month: u32, day: u32, h: u32, mi: u32, s: u32) -> Option<i64> {
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + i64::from(h * 3600 + mi * 60 + s))
}

/// Unix seconds of an ISO 8601 / RFC 3339 timestamp: `2018-11-22T08:40:21.000Z`,
/// `2018-11-22T08:40:21+01:00`, `…+0100`, without an offset (read as UTC), or a bare date.
pub fn parse_timestamp(text: &str) -> Option<i64> {
    let text = text.trim();
    let (date, time) = match text.split_once(['T', 't', ' ']) {
        Some((d, t)) => (d, Some(t)),
        None => (text, None),
    };
    let mut parts = date.splitn(3, '-');
    let year = i64::from(num(parts.next()?)?);
    let month = num(parts.next()?)?;
    let day = num(parts.next()?)?;
    let Some(time) = time else {
        return unix(year, month, day, 0, 0, 0);
    };
    // Split off the offset: "Z", "+hh:mm", "-hh:mm", "+hhmm" or none.
    let (clock, offset) = if let Some(c) = time.strip_suffix(['Z', 'z']) {
        (c, 0)
    } else if let Some(i) = time.rfind(['+', '-']) {
        let (c, off) = time.split_at(i);
        let sign = if off.starts_with('-') { -1 } else { 1 };
        let digits: String = off[1..].chars().filter(|c| *c != ':').collect();
        if digits.len() != 4 {
            return None;
        }
        let (h, m) = digits.split_at(2);
        (c, sign * i64::from(num(h)? * 3600 + num(m)? * 60))
    } else {
        (time, 0)
    };
    let clock = clock.split('.').next()?; // fractions of a second do not matter here
    let mut hms = clock.splitn(3, ':');
    let h = num(hms.next()?)?;
    let mi = num(hms.next()?)?;
    let s = hms.next().map_or(Some(0), num)?;
    Some(unix(year, month, day, h, mi, s)? - offset)
}

/// Unix seconds of an HTTP `Date` header (IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`).
pub fn parse_http_date(text: &str) -> Option<i64> {
    let rest = text.trim().split_once(", ")?.1;
    let mut parts = rest.split_whitespace();
    let day = num(parts.next()?)?;
    let month = match parts.next()? {
        "Jan" => 1,
        "Feb" => 2,
        "Mar" => 3,
        "Apr" => 4,
        "May" => 5,
        "Jun" => 6,
        "Jul" => 7,
        "Aug" => 8,
        "Sep" => 9,
        "Oct" => 10,
        "Nov" => 11,
        "Dec" => 12,
        _ => return None,
    };
    let year = i64::from(num(parts.next()?)?);
    let mut hms = parts.next()?.splitn(3, ':');
    let (h, mi, s) = (num(hms.next()?)?, num(hms.next()?)?, num(hms.next()?)?);
    if parts.next()? != "GMT" {
        return None;
    }
    unix(year, month, day, h, mi, s)
}

/// `dd.mm.yyyy` (a date sevdesk accepts for `voucherDate`) of an RFC 3339 timestamp, as
/// written: the local date of its offset, which is the business day the merchant sees.
pub fn german_date(rfc3339: &str) -> Option<String> {
    let date = rfc3339.trim().get(..10)?;
    let mut parts = date.splitn(3, '-');
    let year = num(parts.next()?)?;
    let month = num(parts.next()?)?;
    let day = num(parts.next()?)?;
    // Validates the whole timestamp, not just the date.
    parse_timestamp(rfc3339)?;
    Some(format!("{day:02}.{month:02}.{year:04}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        assert_eq!(parse_timestamp("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_timestamp("2024-01-02T10:00:00+01:00"),
            Some(1_704_186_000)
        );
        assert_eq!(
            parse_timestamp("2024-01-02T09:00:00+00:00"),
            Some(1_704_186_000)
        );
        assert_eq!(parse_timestamp("2024-02-29"), Some(1_709_164_800));
        assert_eq!(parse_timestamp("2024-13-01T00:00:00Z"), None);
        assert_eq!(parse_timestamp("yesterday"), None);
        assert_eq!(
            parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784_111_777)
        );
        assert_eq!(parse_http_date("garbage"), None);
    }

    #[test]
    fn german_dates() {
        assert_eq!(
            german_date("2026-06-15T23:30:00+02:00").as_deref(),
            Some("15.06.2026")
        );
        assert_eq!(german_date("2026-06-15").as_deref(), Some("15.06.2026"));
        assert_eq!(german_date("15.06.2026"), None);
        assert_eq!(german_date("2026-06-15Tnonsense"), None);
    }
}

//! The date form sevdesk takes (timestamps come from `beep_sdk::time`).

pub use beep_sdk::time::{parse_http_date, parse_timestamp};

/// `dd.mm.yyyy` (a date sevdesk accepts for `voucherDate`) of an RFC 3339 timestamp, as
/// written: the local date of its offset, which is the business day the merchant sees.
pub fn german_date(rfc3339: &str) -> Option<String> {
    Some(
        beep_sdk::time::local_date(rfc3339)?
            .strftime("%d.%m.%Y")
            .to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

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

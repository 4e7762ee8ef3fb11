//! Small generic helpers this connector needs and the SDK does not (yet) offer:
//! GTIN check digits and the UUID form Korona requires (timestamps come from
//! `beep_sdk::time`).

pub use beep_sdk::time::{parse_http_date, parse_timestamp};

/// Whether a code is a GTIN (GTIN-8, UPC-A/GTIN-12, EAN-13, GTIN-14) with a valid check
/// digit. Korona product codes also hold in-house PLUs and free text.
pub fn is_gtin(code: &str) -> bool {
    let bytes = code.as_bytes();
    if ![8, 12, 13, 14].contains(&bytes.len()) || !bytes.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let (body, check) = bytes.split_at(bytes.len() - 1);
    // Weights 3,1,3,… from the digit next to the check digit.
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    (10 - sum % 10) % 10 == u32::from(check[0] - b'0')
}

/// Whether text looks like a UUID (8-4-4-4-12 hex digits), the form Korona requires of ids.
pub fn is_uuid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gtins_and_uuids() {
        assert!(is_gtin("4006381333931"));
        assert!(is_gtin("96385074")); // GTIN-8
        assert!(is_gtin("036000291452")); // UPC-A
        assert!(is_gtin("10614141000415")); // GTIN-14
        assert!(!is_gtin("4006381333932"));
        assert!(!is_gtin("12345"));
        assert!(!is_gtin("400638133393X"));
        assert!(is_uuid("00000005-0000-4000-8000-00000000002a"));
        assert!(!is_uuid("not-a-uuid"));
        assert!(!is_uuid("00000005-0000-4000-8000-00000000002"));
    }
}

//! Money: integer minor units inside BEEP!, converted to each vendor's format with the
//! currency's real ISO 4217 exponent (JPY 0, EUR 2, KWD 3, CLF 4).

use crate::error::invalid_config;
use crate::types::{ConnectorError, Money};

/// Currencies whose exponent is not 2 (ISO 4217 list one, as published).
const EXPONENTS: &[(&str, u8)] = &[
    ("BIF", 0),
    ("CLP", 0),
    ("DJF", 0),
    ("GNF", 0),
    ("ISK", 0),
    ("JPY", 0),
    ("KMF", 0),
    ("KRW", 0),
    ("PYG", 0),
    ("RWF", 0),
    ("UGX", 0),
    ("UYI", 0),
    ("VND", 0),
    ("VUV", 0),
    ("XAF", 0),
    ("XOF", 0),
    ("XPF", 0),
    ("BHD", 3),
    ("IQD", 3),
    ("JOD", 3),
    ("KWD", 3),
    ("LYD", 3),
    ("OMR", 3),
    ("TND", 3),
    ("CLF", 4),
    ("UYW", 4),
];

/// Active ISO 4217 codes with exponent 2.
const TWO_DECIMALS: &[&str] = &[
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT",
    "BGN", "BMD", "BND", "BOB", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD", "CDF", "CHF",
    "CNY", "COP", "CRC", "CUP", "CVE", "CZK", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR",
    "FJD", "FKP", "GBP", "GEL", "GHS", "GIP", "GMD", "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF",
    "IDR", "ILS", "INR", "IRR", "JMD", "KES", "KGS", "KHR", "KPW", "KYD", "KZT", "LAK", "LBP",
    "LKR", "LRD", "LSL", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR",
    "MWK", "MXN", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "PAB", "PEN", "PGK",
    "PHP", "PKR", "PLN", "QAR", "RON", "RSD", "RUB", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD",
    "SHP", "SLE", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB", "TJS", "TMT", "TOP",
    "TRY", "TTD", "TWD", "TZS", "UAH", "USD", "UYU", "UZS", "VES", "WST", "XCD", "XCG", "YER",
    "ZAR", "ZMW", "ZWG",
];

/// The number of decimals of an ISO 4217 currency, or `None` for an unknown code.
pub fn exponent(currency: &str) -> Option<u8> {
    let code = currency.to_ascii_uppercase();
    EXPONENTS
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, e)| *e)
        .or_else(|| TWO_DECIMALS.contains(&code.as_str()).then_some(2))
}

fn exponent_or_err(currency: &str) -> Result<u8, ConnectorError> {
    exponent(currency).ok_or_else(|| invalid_config(format!("unknown currency {currency:?}")))
}

/// Minor units to a major-unit decimal string with exactly the currency's decimals:
/// `1000 EUR` → `"10.00"`, `1000 JPY` → `"1000"`, `1000 KWD` → `"1.000"`.
pub fn to_major_string(money: &Money) -> Result<String, ConnectorError> {
    let exp = exponent_or_err(&money.currency)? as u32;
    let sign = if money.amount < 0 { "-" } else { "" };
    let abs = money.amount.unsigned_abs();
    if exp == 0 {
        return Ok(format!("{sign}{abs}"));
    }
    let factor = 10u64.pow(exp);
    Ok(format!(
        "{sign}{}.{:0width$}",
        abs / factor,
        abs % factor,
        width = exp as usize
    ))
}

/// A major-unit decimal string to minor units. More decimals than the currency has is
/// an error unless they are zeros (`"10.50"` EUR → 1050; `"10.5"` → 1050; `"1.5"` JPY → error).
pub fn from_major_str(value: &str, currency: &str) -> Result<i64, ConnectorError> {
    let exp = exponent_or_err(currency)? as usize;
    let bad = || invalid_config(format!("not a {currency} amount: {value:?}"));
    let (negative, digits) = match value.trim().strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, value.trim()),
    };
    let (int_part, frac_part) = digits.split_once('.').unwrap_or((digits, ""));
    if int_part.is_empty() && frac_part.is_empty()
        || !int_part.bytes().all(|b| b.is_ascii_digit())
        || !frac_part.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    let (kept, dropped) = frac_part.split_at(frac_part.len().min(exp));
    if dropped.bytes().any(|b| b != b'0') {
        return Err(bad());
    }
    let mut minor: i64 = if int_part.is_empty() {
        0
    } else {
        int_part.parse().map_err(|_| bad())?
    };
    for _ in 0..exp {
        minor = minor.checked_mul(10).ok_or_else(bad)?;
    }
    let mut frac: i64 = if kept.is_empty() {
        0
    } else {
        kept.parse().map_err(|_| bad())?
    };
    for _ in kept.len()..exp {
        frac *= 10;
    }
    let total = minor.checked_add(frac).ok_or_else(bad)?;
    Ok(if negative { -total } else { total })
}

/// Minor units to a major-unit number, for vendors that take a JSON number (SumUp).
/// Exact for every amount below 2^53 minor units.
pub fn to_major_f64(money: &Money) -> Result<f64, ConnectorError> {
    let exp = exponent_or_err(&money.currency)? as i32;
    Ok(money.amount as f64 / 10f64.powi(exp))
}

/// A major-unit JSON number to minor units, rounding half away from zero.
pub fn from_major_f64(value: f64, currency: &str) -> Result<i64, ConnectorError> {
    let exp = exponent_or_err(currency)? as i32;
    let minor = (value * 10f64.powi(exp)).round();
    if !minor.is_finite() || minor.abs() > 9.0e15 {
        return Err(invalid_config(format!("not a {currency} amount: {value}")));
    }
    Ok(minor as i64)
}

/// What a vendor takes for a payment, as its spec or documentation publishes it:
/// the currencies, and a minimum amount (minor units) per currency where one is stated.
/// Checked before anything is sent, so the merchant hears `unsupported_currency` or
/// `amount_below_minimum` instead of the vendor's refusal (or a charge it cannot settle).
pub struct Accepted {
    pub vendor: &'static str,
    pub currencies: &'static [&'static str],
    pub minimums: &'static [(&'static str, i64)],
}

impl Accepted {
    pub fn check(&self, money: &Money) -> Result<(), ConnectorError> {
        let code = money.currency.to_ascii_uppercase();
        if !self.currencies.contains(&code.as_str()) {
            return Err(ConnectorError::UnsupportedCurrency(format!(
                "{} takes no payments in {code} (it takes {})",
                self.vendor,
                self.currencies.join(", ")
            )));
        }
        match self.minimums.iter().find(|(c, _)| *c == code) {
            Some((_, minimum)) if money.amount < *minimum => {
                Err(ConnectorError::AmountBelowMinimum(format!(
                    "{}'s smallest {code} payment is {} {code}; this one is {} {code}",
                    self.vendor,
                    to_major_string(&Money {
                        amount: *minimum,
                        currency: code.clone(),
                    })?,
                    to_major_string(money)?,
                )))
            }
            _ => Ok(()),
        }
    }
}

/// Convenience constructor.
pub fn money(amount: i64, currency: &str) -> Money {
    Money {
        amount,
        currency: currency.to_ascii_uppercase(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_vendor_refuses_currencies_it_does_not_list_and_amounts_below_its_minimum() {
        const SOME: Accepted = Accepted {
            vendor: "Acme Pay",
            currencies: &["EUR", "JPY"],
            minimums: &[("EUR", 50)],
        };
        assert!(SOME.check(&money(50, "EUR")).is_ok());
        assert!(SOME.check(&money(1, "jpy")).is_ok());
        match SOME.check(&money(1000, "KWD")) {
            Err(ConnectorError::UnsupportedCurrency(m)) => {
                assert_eq!(m, "Acme Pay takes no payments in KWD (it takes EUR, JPY)")
            }
            other => panic!("{other:?}"),
        }
        match SOME.check(&money(49, "EUR")) {
            Err(ConnectorError::AmountBelowMinimum(m)) => assert_eq!(
                m,
                "Acme Pay's smallest EUR payment is 0.50 EUR; this one is 0.49 EUR"
            ),
            other => panic!("{other:?}"),
        }
    }

    use super::*;

    #[test]
    fn exponents_follow_iso_4217() {
        assert_eq!(exponent("EUR"), Some(2));
        assert_eq!(exponent("jpy"), Some(0));
        assert_eq!(exponent("KWD"), Some(3));
        assert_eq!(exponent("BHD"), Some(3));
        assert_eq!(exponent("CLF"), Some(4));
        assert_eq!(exponent("XXX"), None);
    }

    #[test]
    fn major_strings_carry_exact_decimals() {
        assert_eq!(to_major_string(&money(1000, "EUR")).unwrap(), "10.00");
        assert_eq!(to_major_string(&money(5, "EUR")).unwrap(), "0.05");
        assert_eq!(to_major_string(&money(-1234, "USD")).unwrap(), "-12.34");
        assert_eq!(to_major_string(&money(1000, "JPY")).unwrap(), "1000");
        assert_eq!(to_major_string(&money(1000, "KWD")).unwrap(), "1.000");
        assert_eq!(to_major_string(&money(1, "KWD")).unwrap(), "0.001");
        assert!(to_major_string(&money(1, "ABC")).is_err());
    }

    #[test]
    fn major_strings_parse_back() {
        assert_eq!(from_major_str("10.00", "EUR").unwrap(), 1000);
        assert_eq!(from_major_str("10.5", "EUR").unwrap(), 1050);
        assert_eq!(from_major_str("10", "EUR").unwrap(), 1000);
        assert_eq!(from_major_str("0.001", "KWD").unwrap(), 1);
        assert_eq!(from_major_str("1000", "JPY").unwrap(), 1000);
        assert_eq!(from_major_str("1000.00", "JPY").unwrap(), 1000);
        assert_eq!(from_major_str("-12.34", "USD").unwrap(), -1234);
        assert!(from_major_str("1.5", "JPY").is_err());
        assert!(from_major_str("1.005", "EUR").is_err());
        assert!(from_major_str("abc", "EUR").is_err());
        assert!(from_major_str("", "EUR").is_err());
    }

    #[test]
    fn floats_round_trip() {
        assert_eq!(to_major_f64(&money(1999, "EUR")).unwrap(), 19.99);
        assert_eq!(from_major_f64(19.99, "EUR").unwrap(), 1999);
        assert_eq!(from_major_f64(0.1 + 0.2, "EUR").unwrap(), 30);
        assert_eq!(from_major_f64(1000.0, "JPY").unwrap(), 1000);
        assert_eq!(from_major_f64(1.234, "KWD").unwrap(), 1234);
    }
}

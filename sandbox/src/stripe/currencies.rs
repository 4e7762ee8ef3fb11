//! The currencies Stripe accepts, their exponents and charge limits.

// ---- currencies ---------------------------------------------------------------------------

/// Currencies Stripe accepts for card payments (lower case, as the API speaks them).
pub(super) const CURRENCIES: &[&str] = &[
    "usd", "aed", "afn", "all", "amd", "ang", "aoa", "ars", "aud", "awg", "azn", "bam", "bbd",
    "bdt", "bgn", "bhd", "bif", "bmd", "bnd", "bob", "brl", "bsd", "bwp", "byn", "bzd", "cad",
    "cdf", "chf", "clp", "cny", "cop", "crc", "cve", "czk", "djf", "dkk", "dop", "dzd", "egp",
    "etb", "eur", "fjd", "fkp", "gbp", "gel", "gip", "gmd", "gnf", "gtq", "gyd", "hkd", "hnl",
    "htg", "huf", "idr", "ils", "inr", "isk", "jmd", "jod", "jpy", "kes", "kgs", "khr", "kmf",
    "krw", "kwd", "kyd", "kzt", "lak", "lbp", "lkr", "lrd", "lsl", "mad", "mdl", "mga", "mkd",
    "mmk", "mnt", "mop", "mur", "mvr", "mwk", "mxn", "myr", "mzn", "nad", "ngn", "nio", "nok",
    "npr", "nzd", "omr", "pab", "pen", "pgk", "php", "pkr", "pln", "pyg", "qar", "ron", "rsd",
    "rub", "rwf", "sar", "sbd", "scr", "sek", "sgd", "shp", "sle", "sos", "srd", "std", "szl",
    "thb", "tjs", "tnd", "top", "try", "ttd", "twd", "tzs", "uah", "ugx", "uyu", "uzs", "vnd",
    "vuv", "wst", "xaf", "xcd", "xof", "xpf", "yer", "zar", "zmw",
];

/// Stripe's zero-decimal currencies (docs.stripe.com/currencies#zero-decimal): the amount
/// is taken as is. Note MGA (ISO exponent 2) is zero-decimal at Stripe, and ISK (ISO
/// exponent 0) is two-decimal at Stripe for backwards compatibility.
const ZERO_DECIMAL: &[&str] = &[
    "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv",
    "xaf", "xof", "xpf",
];
const THREE_DECIMAL: &[&str] = &["bhd", "jod", "kwd", "omr", "tnd"];

fn stripe_exponent(currency: &str) -> u32 {
    if ZERO_DECIMAL.contains(&currency) {
        0
    } else if THREE_DECIMAL.contains(&currency) {
        3
    } else {
        2
    }
}

/// Minimum charge amounts (docs.stripe.com/currencies#minimum-and-maximum-charge-amounts),
/// in the currency's Stripe unit. Stripe applies them in the settlement currency; the
/// simulator, whose account settles in every currency, applies them per presentment
/// currency. Currencies not listed accept 1 unit.
pub(super) const MINIMUMS: &[(&str, i64)] = &[
    ("usd", 50),
    ("aed", 200),
    ("aud", 50),
    ("bgn", 100),
    ("brl", 50),
    ("cad", 50),
    ("chf", 50),
    ("czk", 1500),
    ("dkk", 250),
    ("eur", 50),
    ("gbp", 30),
    ("hkd", 400),
    ("huf", 17500),
    ("inr", 50),
    ("jpy", 50),
    ("mxn", 1000),
    ("myr", 200),
    ("nok", 300),
    ("nzd", 50),
    ("pln", 200),
    ("ron", 200),
    ("sek", 300),
    ("sgd", 50),
    ("thb", 1000),
];

/// Stripe's documented maximum for a charge: 99,999,999 units (eight digits).
pub(super) const MAX_AMOUNT: i64 = 99_999_999;

/// `€12.34` / `¥1000` / `12.345 KWD`, as Stripe writes amounts into messages.
pub(super) fn format_amount(amount: i64, currency: &str) -> String {
    let exp = stripe_exponent(currency);
    let major = if exp == 0 {
        amount.to_string()
    } else {
        let f = 10i64.pow(exp);
        format!("{}.{:0w$}", amount / f, amount % f, w = exp as usize)
    };
    match currency {
        "usd" | "aud" | "cad" | "nzd" | "sgd" | "hkd" | "mxn" => format!("${major}"),
        "eur" => format!("€{major}"),
        "gbp" => format!("£{major}"),
        "jpy" => format!("¥{major}"),
        other => format!("{major} {}", other.to_ascii_uppercase()),
    }
}

//! Request bodies: form decoding, string fields and amounts.

use super::CURRENCIES;
use super::errors::{ApiError, missing};
use beep_sdk::money;
use serde_json::{Map, Value};

// ---- request bodies -----------------------------------------------------------------------

/// Decodes a form body with bracket nesting (`amount[value]=10.00` →
/// `{"amount":{"value":"10.00"}}`), as Mollie's curl examples send it. Values stay
/// strings; `method[]=a&method[]=b` becomes a list.
pub(super) fn parse_form(input: &[u8]) -> Result<Map<String, Value>, String> {
    let mut root = Map::new();
    for (key, value) in form_urlencoded::parse(input) {
        let mut parts: Vec<&str> = Vec::new();
        let (head, mut rest) = key.split_once('[').map_or((&*key, ""), |(h, r)| (h, r));
        if head.is_empty() {
            return Err(format!("invalid form key {key:?}"));
        }
        parts.push(head);
        while !rest.is_empty() {
            let (inner, after) = rest
                .split_once(']')
                .ok_or_else(|| format!("invalid form key {key:?}"))?;
            parts.push(inner);
            rest = after.strip_prefix('[').unwrap_or(after);
        }
        let mut node = &mut root;
        for (i, part) in parts.iter().enumerate() {
            let last = i + 1 == parts.len();
            let next_is_list = parts.get(i + 1) == Some(&"");
            if last || next_is_list {
                let v = Value::String(value.clone().into_owned());
                if next_is_list {
                    match node
                        .entry(part.to_string())
                        .or_insert_with(|| Value::Array(Vec::new()))
                    {
                        Value::Array(items) => items.push(v),
                        _ => return Err(format!("conflicting form key {key:?}")),
                    }
                } else {
                    node.insert(part.to_string(), v);
                }
                break;
            }
            node = match node
                .entry(part.to_string())
                .or_insert_with(|| Value::Object(Map::new()))
            {
                Value::Object(m) => m,
                _ => return Err(format!("conflicting form key {key:?}")),
            };
        }
    }
    Ok(root)
}

/// A string field; `null` counts as absent.
pub(super) fn opt_str(body: &Map<String, Value>, field: &str) -> Result<Option<String>, ApiError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ApiError::unprocessable(
            field,
            format!("The '{field}' field must be a string"),
        )),
    }
}

/// `amount{currency,value}` → minor units: the currency must be one Mollie takes and the
/// value a string with exactly the currency's decimals ("10.00", JPY "1000").
pub(super) fn parse_amount(value: Option<&Value>, field: &str) -> Result<(i64, String), ApiError> {
    let obj = match value {
        None | Some(Value::Null) => return Err(missing(field)),
        Some(Value::Object(o)) => o,
        Some(_) => {
            return Err(ApiError::unprocessable(
                field,
                "The amount must be an object with a currency and a value",
            ));
        }
    };
    let currency = match obj.get("currency") {
        Some(Value::String(c)) => c.clone(),
        _ => return Err(missing(&format!("{field}.currency"))),
    };
    let raw = match obj.get("value") {
        Some(Value::String(v)) => v.clone(),
        Some(Value::Number(_)) => {
            return Err(ApiError::unprocessable(
                &format!("{field}.value"),
                "The amount contains an invalid value: send it as a string, e.g. \"10.00\"",
            ));
        }
        _ => return Err(missing(&format!("{field}.value"))),
    };
    if !CURRENCIES.contains(&currency.as_str()) {
        return Err(ApiError::unprocessable(
            &format!("{field}.currency"),
            format!("The currency '{currency}' is not supported"),
        ));
    }
    let exp = money::exponent(&currency).unwrap_or(2) as usize;
    let (int_part, frac) = match raw.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (raw.as_str(), None),
    };
    let exact = !int_part.is_empty()
        && int_part.bytes().all(|b| b.is_ascii_digit())
        && match frac {
            None => exp == 0,
            Some(f) => exp > 0 && f.len() == exp && f.bytes().all(|b| b.is_ascii_digit()),
        };
    if !exact {
        let example = money::to_major_string(&money::money(1000, &currency)).unwrap_or_default();
        return Err(ApiError::unprocessable(
            &format!("{field}.value"),
            format!(
                "The amount contains an invalid value '{raw}': {currency} amounts have exactly {exp} decimals (e.g. \"{example}\")"
            ),
        ));
    }
    let minor = money::from_major_str(&raw, &currency).map_err(|_| {
        ApiError::unprocessable(
            &format!("{field}.value"),
            format!("The amount contains an invalid value '{raw}'"),
        )
    })?;
    Ok((minor, currency))
}

//! Rebuilds a mapped item in the protocol's shape: value coercion per field kind, amounts
//! per `priceFormat`, nested lines.

use super::{Entity, Kind, LinesMapping, PriceFormat};
use crate::error::internal;
use crate::money;
use crate::types::ConnectorError;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

pub(super) fn as_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

pub(super) fn as_number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// An amount in minor units from a mapped value.
fn amount(v: &Value, format: PriceFormat, currency: &str) -> Result<i64, String> {
    match (format, v) {
        (PriceFormat::Minor, Value::Number(n)) => n.as_i64().ok_or_else(|| "not an integer".into()),
        (PriceFormat::Minor, Value::String(s)) => {
            s.trim().parse().map_err(|_| "not an integer".into())
        }
        (PriceFormat::Major, Value::Number(n)) => {
            // The number's own decimal text, so 0.1 stays 0.1 (no binary rounding).
            money::from_major_str(&n.to_string(), currency).map_err(|e| format!("{e:?}"))
        }
        (PriceFormat::Major, Value::String(s)) => {
            money::from_major_str(s, currency).map_err(|e| format!("{e:?}"))
        }
        _ => Err("not an amount".into()),
    }
}

/// Rebuilds one mapped item in the protocol's shape. `currency` is the config's, used
/// when the mapping names no currency field.
pub fn map_item(
    entity: &Entity,
    fields: &BTreeMap<String, String>,
    lines: Option<&LinesMapping>,
    format: PriceFormat,
    currency: Option<&str>,
    item: &Value,
) -> Result<Value, ConnectorError> {
    let mut out = Map::new();
    let at = |name: &str| item.pointer(fields.get(name)?.as_str());
    let currency = match at("currency").filter(|v| !v.is_null()) {
        Some(v) => as_text(v)
            .ok_or_else(|| bad_item(entity, "currency", "not a currency code"))?
            .to_ascii_uppercase(),
        None => currency.unwrap_or("EUR").to_string(),
    };
    for f in entity.fields {
        let Some(v) = at(f.name).filter(|v| !v.is_null()) else {
            if f.required && fields.contains_key(f.name) {
                return Err(bad_item(entity, f.name, "missing"));
            }
            continue;
        };
        let value = match f.kind {
            Kind::Text => {
                Value::String(as_text(v).ok_or_else(|| bad_item(entity, f.name, "not a string"))?)
            }
            Kind::Number => {
                json!(as_number(v).ok_or_else(|| bad_item(entity, f.name, "not a number"))?)
            }
            Kind::Bool => match v {
                Value::Bool(b) => Value::Bool(*b),
                Value::Number(n) => Value::Bool(n.as_f64() != Some(0.0)),
                Value::String(s) => {
                    Value::Bool(matches!(s.as_str(), "true" | "1" | "yes" | "active"))
                }
                _ => return Err(bad_item(entity, f.name, "not a boolean")),
            },
            Kind::Texts => match v {
                Value::Array(a) => {
                    Value::Array(a.iter().filter_map(as_text).map(Value::String).collect())
                }
                other => match as_text(other) {
                    Some(s) if s.is_empty() => Value::Array(vec![]),
                    Some(s) => json!([s]),
                    None => return Err(bad_item(entity, f.name, "not a list of strings")),
                },
            },
            Kind::Amount => {
                let minor =
                    amount(v, format, &currency).map_err(|e| bad_item(entity, f.name, &e))?;
                json!({"amount": minor, "currency": currency})
            }
            Kind::Currency => continue,
            Kind::PercentRate => {
                let pct = as_number(v).ok_or_else(|| bad_item(entity, f.name, "not a number"))?;
                out.insert("taxRateBps".into(), json!((pct * 100.0).round() as i64));
                continue;
            }
            Kind::Bps => json!(
                as_number(v)
                    .ok_or_else(|| bad_item(entity, f.name, "not a number"))?
                    .round() as i64
            ),
        };
        out.insert(f.name.to_string(), value);
    }
    if let (Some(le), Some(lm)) = (entity.lines, lines) {
        let list = item
            .pointer(&lm.items)
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let mapped = list
            .iter()
            .map(|l| map_item(le, &lm.fields, None, format, Some(&currency), l))
            .collect::<Result<Vec<_>, _>>()?;
        out.insert("lines".into(), Value::Array(mapped));
    }
    Ok(Value::Object(out))
}

fn bad_item(entity: &Entity, field: &str, why: &str) -> ConnectorError {
    internal(format!("{} item: {field}: {why}", entity.name))
}

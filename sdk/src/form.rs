//! Form bodies with bracket nesting, the convention of Stripe and other Rails/PHP-style
//! APIs: `{"metadata":{"id":"x"},"types":["card"]}` → `metadata[id]=x`, `types[0]=card`.
//!
//! Serialize a request struct with [`to_pairs`] and send it with
//! [`Request::form`](crate::http::Request::form).

use crate::error::internal;
use crate::types::ConnectorError;
use serde::Serialize;
use serde_json::Value;

/// Flattens a serializable struct (or map) into `(key, value)` form pairs. `null` fields
/// are left out, booleans become `true`/`false`, arrays are indexed (`a[0]`), nested
/// objects bracketed (`a[b][c]`).
pub fn to_pairs<T: Serialize + ?Sized>(value: &T) -> Result<Vec<(String, String)>, ConnectorError> {
    let value = serde_json::to_value(value).map_err(|e| internal(format!("encode form: {e}")))?;
    let Value::Object(map) = value else {
        return Err(internal("encode form: the top level must be an object"));
    };
    let mut out = Vec::new();
    for (key, item) in map {
        flatten(key, item, &mut out);
    }
    Ok(out)
}

fn flatten(key: String, value: Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::Null => {}
        Value::Bool(b) => out.push((key, b.to_string())),
        Value::Number(n) => out.push((key, n.to_string())),
        Value::String(s) => out.push((key, s)),
        Value::Array(items) => {
            for (i, item) in items.into_iter().enumerate() {
                flatten(format!("{key}[{i}]"), item, out);
            }
        }
        Value::Object(map) => {
            for (k, item) in map {
                flatten(format!("{key}[{k}]"), item, out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Req {
        amount: i64,
        confirm: bool,
        description: Option<String>,
        metadata: std::collections::BTreeMap<&'static str, &'static str>,
        types: Vec<&'static str>,
        nested: Inner,
    }

    #[derive(Serialize)]
    struct Inner {
        enabled: bool,
        deeper: Option<Vec<u8>>,
    }

    #[test]
    fn nests_with_brackets() {
        let req = Req {
            amount: 1000,
            confirm: true,
            description: None,
            metadata: [("id", "p 1")].into_iter().collect(),
            types: vec!["card", "sepa_debit"],
            nested: Inner {
                enabled: false,
                deeper: Some(vec![7]),
            },
        };
        let mut pairs = to_pairs(&req).unwrap();
        pairs.sort();
        let expected: Vec<(String, String)> = [
            ("amount", "1000"),
            ("confirm", "true"),
            ("metadata[id]", "p 1"),
            ("nested[deeper][0]", "7"),
            ("nested[enabled]", "false"),
            ("types[0]", "card"),
            ("types[1]", "sepa_debit"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(pairs, expected);
        assert!(to_pairs(&5).is_err());
    }
}

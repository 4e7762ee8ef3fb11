//! Form decoding and typed, validated access to request parameters.

use super::errors::ApiError;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

// ---- form decoding ------------------------------------------------------------------------

/// Decodes `application/x-www-form-urlencoded` with Stripe's bracket nesting into a JSON
/// tree of strings: `metadata[a]=1` → `{"metadata":{"a":"1"}}`, `types[]=card` and
/// `types[0]=card` → `{"types":["card"]}`.
pub(super) fn parse_form(input: &[u8]) -> Result<Map<String, Value>, String> {
    let mut root = Map::new();
    for (key, value) in form_urlencoded::parse(input) {
        let (head, path) = split_key(&key)?;
        insert(&mut root, &head, &path, value.into_owned(), &key)?;
    }
    for (name, v) in root.iter_mut() {
        if name != "metadata" {
            arrays_from_indices(v);
        }
    }
    Ok(root)
}

fn split_key(key: &str) -> Result<(String, Vec<String>), String> {
    let Some(open) = key.find('[') else {
        return Ok((key.to_string(), Vec::new()));
    };
    let head = key[..open].to_string();
    let mut rest = &key[open..];
    let mut path = Vec::new();
    while !rest.is_empty() {
        let inner = rest
            .strip_prefix('[')
            .and_then(|r| r.find(']').map(|i| (&r[..i], &r[i + 1..])));
        match inner {
            Some((seg, tail)) => {
                path.push(seg.to_string());
                rest = tail;
            }
            None => return Err(format!("Invalid parameter name: {key}")),
        }
    }
    if head.is_empty() {
        return Err(format!("Invalid parameter name: {key}"));
    }
    Ok((head, path))
}

fn insert(
    map: &mut Map<String, Value>,
    head: &str,
    path: &[String],
    value: String,
    key: &str,
) -> Result<(), String> {
    let conflict = || format!("Invalid hash or array: {key}");
    if path.is_empty() {
        if map.get(head).is_some_and(|v| v.is_object()) {
            return Err(conflict());
        }
        map.insert(head.to_string(), Value::String(value));
        return Ok(());
    }
    let child = map
        .entry(head.to_string())
        .or_insert_with(|| Value::Object(Map::new()));
    let Value::Object(child) = child else {
        return Err(conflict());
    };
    // `a[]` appends: the index is the current length.
    let seg = if path[0].is_empty() {
        child.len().to_string()
    } else {
        path[0].clone()
    };
    insert(child, &seg, &path[1..], value, key)
}

fn arrays_from_indices(v: &mut Value) {
    if let Value::Object(m) = v {
        for child in m.values_mut() {
            arrays_from_indices(child);
        }
        if !m.is_empty() && m.keys().all(|k| k.parse::<usize>().is_ok()) {
            let mut items: Vec<(usize, Value)> = std::mem::take(m)
                .into_iter()
                .map(|(k, v)| (k.parse().unwrap_or(0), v))
                .collect();
            items.sort_by_key(|(i, _)| *i);
            *v = Value::Array(items.into_iter().map(|(_, v)| v).collect());
        }
    }
}

/// A canonical text of the parameters (sorted keys at every level), for comparing a
/// retried request with the first one.
pub(super) fn canonical(v: &Value) -> String {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let inner: Vec<String> = keys
                .into_iter()
                .map(|k| format!("{}:{}", Value::String(k.clone()), canonical(&m[k])))
                .collect();
            format!("{{{}}}", inner.join(","))
        }
        Value::Array(a) => format!(
            "[{}]",
            a.iter().map(canonical).collect::<Vec<_>>().join(",")
        ),
        other => other.to_string(),
    }
}

/// Typed access to decoded parameters with Stripe's validation messages.
pub(super) struct Params<'a>(pub(super) &'a Map<String, Value>);

impl Params<'_> {
    pub(super) fn reject_unknown(&self, allowed: &[&str]) -> Result<(), ApiError> {
        match self.0.keys().find(|k| !allowed.contains(&k.as_str())) {
            Some(k) => Err(
                ApiError::invalid(format!("Received unknown parameter: {k}"))
                    .code("parameter_unknown")
                    .param(k),
            ),
            None => Ok(()),
        }
    }
    fn str(&self, name: &str) -> Result<Option<&str>, ApiError> {
        match self.0.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.as_str())),
            Some(_) => Err(
                ApiError::invalid(format!("Invalid string: {name} must be a string"))
                    .code("parameter_invalid_string")
                    .param(name),
            ),
        }
    }
    /// An empty string unsets a parameter in Stripe's form encoding.
    pub(super) fn nonempty(&self, name: &str) -> Result<Option<&str>, ApiError> {
        Ok(self.str(name)?.filter(|s| !s.is_empty()))
    }
    pub(super) fn int(&self, name: &str) -> Result<Option<i64>, ApiError> {
        match self.nonempty(name)? {
            None => Ok(None),
            Some(s) => s.parse::<i64>().map(Some).map_err(|_| {
                ApiError::invalid(format!("Invalid integer: {s}"))
                    .code("parameter_invalid_integer")
                    .param(name)
            }),
        }
    }
    pub(super) fn bool(&self, name: &str) -> Result<Option<bool>, ApiError> {
        match self.nonempty(name)? {
            None => Ok(None),
            Some("true") => Ok(Some(true)),
            Some("false") => Ok(Some(false)),
            Some(s) => Err(ApiError::invalid(format!("Invalid boolean: {s}"))
                .code("parameter_invalid_boolean")
                .param(name)),
        }
    }
    pub(super) fn metadata(&self) -> Result<BTreeMap<String, String>, ApiError> {
        let mut out = BTreeMap::new();
        match self.0.get("metadata") {
            None => {}
            Some(Value::String(s)) if s.is_empty() => {}
            Some(Value::Object(m)) => {
                // Limits from docs.stripe.com/api/metadata: 50 keys, keys up to 40
                // characters, values up to 500 characters.
                if m.len() > 50 {
                    return Err(ApiError::invalid(
                        "You can have at most 50 metadata keys on an object.",
                    )
                    .param("metadata"));
                }
                for (k, v) in m {
                    let Value::String(v) = v else {
                        return Err(
                            ApiError::invalid("Invalid metadata value: must be a string")
                                .param(&format!("metadata[{k}]")),
                        );
                    };
                    if k.chars().count() > 40 {
                        return Err(ApiError::invalid(format!(
                            "Metadata keys can have up to 40 characters (received {k:?})."
                        ))
                        .param(&format!("metadata[{k}]")));
                    }
                    if v.chars().count() > 500 {
                        return Err(ApiError::invalid(format!(
                            "Metadata values can have up to 500 characters, but you passed in a value that is {} characters.",
                            v.chars().count()
                        ))
                        .param(&format!("metadata[{k}]")));
                    }
                    if !v.is_empty() {
                        out.insert(k.clone(), v.clone());
                    }
                }
            }
            Some(_) => {
                return Err(ApiError::invalid("Invalid hash").param("metadata"));
            }
        }
        Ok(out)
    }
}

pub(super) fn params_value<'a>(p: &Params<'a>, name: &str) -> Option<&'a Value> {
    p.0.get(name)
}

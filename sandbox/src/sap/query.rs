//! OData query options: `$filter` clauses and how a row matches them, `$select`, `$top`
//! and `$skip`.

use serde_json::{Map, Value, json};

#[derive(Debug, PartialEq)]
pub(super) struct Clause {
    pub(super) field: String,
    pub(super) op: String,
    pub(super) value: Value,
}

/// `A eq 'x' and B ge 3`: clauses joined by `and`, a string value in single quotes
/// (`''` is a quote).
pub(super) fn parse_filter(text: &str) -> Result<Vec<Clause>, String> {
    let mut clauses = Vec::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        let (field, after) = rest
            .split_once(' ')
            .ok_or_else(|| format!("Invalid filter near '{rest}'"))?;
        let (op, after) = after
            .trim_start()
            .split_once(' ')
            .ok_or_else(|| format!("Invalid filter near '{rest}'"))?;
        if !["eq", "ne", "ge", "gt", "le", "lt"].contains(&op) {
            return Err(format!("Unsupported operator '{op}'"));
        }
        let after = after.trim_start();
        let (value, after) = if let Some(q) = after.strip_prefix('\'') {
            let mut s = String::new();
            let mut chars = q.char_indices().peekable();
            let mut end = None;
            while let Some((i, c)) = chars.next() {
                if c == '\'' {
                    if chars.peek().map(|(_, c)| *c) == Some('\'') {
                        chars.next();
                        s.push('\'');
                    } else {
                        end = Some(i + 1);
                        break;
                    }
                } else {
                    s.push(c);
                }
            }
            let end = end.ok_or("Unterminated string in filter")?;
            (Value::String(s), &q[end..])
        } else {
            let (v, after) = after.split_once(' ').unwrap_or((after, ""));
            let n: f64 = v.parse().map_err(|_| format!("Invalid literal '{v}'"))?;
            (json!(n), after)
        };
        clauses.push(Clause {
            field: field.to_string(),
            op: op.to_string(),
            value,
        });
        let after = after.trim_start();
        rest = match after.strip_prefix("and ") {
            Some(r) => r.trim_start(),
            None if after.is_empty() => "",
            None => return Err(format!("Invalid filter near '{after}'")),
        };
    }
    Ok(clauses)
}

pub(super) fn matches(v: &Value, clauses: &[Clause]) -> bool {
    clauses.iter().all(|c| {
        let field = &v[&c.field];
        let ord = match (&c.value, field) {
            (Value::String(want), Value::String(have)) => {
                // Dates compare by their date part.
                let have = if c.field.ends_with("Date") {
                    have.get(..10).unwrap_or(have)
                } else {
                    have
                };
                have.cmp(want.as_str())
            }
            (Value::Number(want), Value::Number(have)) => have
                .as_f64()
                .unwrap_or(0.0)
                .total_cmp(&want.as_f64().unwrap_or(0.0)),
            _ => return c.op == "ne",
        };
        use std::cmp::Ordering::*;
        match c.op.as_str() {
            "eq" => ord == Equal,
            "ne" => ord != Equal,
            "ge" => ord != Less,
            "gt" => ord == Greater,
            "le" => ord != Greater,
            _ => ord == Less,
        }
    })
}

pub(super) fn select(v: &Value, fields: Option<&[String]>) -> Value {
    match (fields, v) {
        (Some(fields), Value::Object(map)) => {
            let mut out = Map::new();
            for f in fields {
                if let Some(x) = map.get(f) {
                    out.insert(f.clone(), x.clone());
                }
            }
            Value::Object(out)
        }
        _ => v.clone(),
    }
}

pub(super) struct Query {
    pub(super) select: Option<Vec<String>>,
    pub(super) filter: Vec<Clause>,
    pub(super) top: Option<usize>,
    pub(super) skip: usize,
    /// The query options to keep in a next link (all but `$skip` and `$top`).
    pub(super) keep: Vec<(String, String)>,
}

pub(super) fn parse_query(raw: Option<&str>) -> Result<Query, String> {
    let mut q = Query {
        select: None,
        filter: vec![],
        top: None,
        skip: 0,
        keep: vec![],
    };
    for (k, v) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()).into_owned() {
        match k.as_str() {
            "$select" => {
                q.select = Some(v.split(',').map(|s| s.trim().to_string()).collect());
                q.keep.push((k, v));
            }
            "$filter" => {
                q.filter = parse_filter(&v)?;
                q.keep.push((k, v));
            }
            "$top" => q.top = Some(v.parse().map_err(|_| format!("Invalid $top '{v}'"))?),
            "$skip" => q.skip = v.parse().map_err(|_| format!("Invalid $skip '{v}'"))?,
            "$orderby" | "$inlinecount" => q.keep.push((k, v)),
            other if other.starts_with('$') => {
                return Err(format!("Query option '{other}' is not supported"));
            }
            _ => {}
        }
    }
    Ok(q)
}

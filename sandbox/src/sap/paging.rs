//! Pages of a list: `Prefer: odata.maxpagesize`, and the `@odata.nextLink` that keeps
//! the query options.

use super::query::{Query, select};
use super::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

pub(super) fn page_size(headers: &HeaderMap) -> usize {
    headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find_map(|p| {
            p.trim()
                .strip_prefix("odata.maxpagesize=")?
                .trim()
                .parse::<usize>()
                .ok()
        })
        .map(|n| {
            if n == 0 {
                MAX_PAGE_SIZE
            } else {
                n.min(MAX_PAGE_SIZE)
            }
        })
        .unwrap_or(DEFAULT_PAGE_SIZE)
}

/// Percent-encodes a query value the way the Service Layer writes its links.
fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~$,'()".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// One page of `total` matching rows, `row(i)` giving the i-th (0-based).
pub(super) fn page(
    entity: &str,
    q: &Query,
    size: usize,
    total: usize,
    row: impl Fn(usize) -> Value,
) -> Response {
    let limit = q.top.unwrap_or(usize::MAX);
    let take = size.min(limit);
    let start = q.skip.min(total);
    let end = start.saturating_add(take).min(total);
    let value: Vec<Value> = (start..end)
        .map(|i| select(&row(i), q.select.as_deref()))
        .collect();
    let mut body = json!({
        "odata.metadata": format!("$metadata#{entity}"),
        "value": value,
    });
    let returned = end - start;
    if end < total && limit > returned {
        let mut parts: Vec<String> = q
            .keep
            .iter()
            .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
            .collect();
        if q.top.is_some() {
            parts.push(format!("$top={}", limit - returned));
        }
        parts.push(format!("$skip={end}"));
        body["@odata.nextLink"] = json!(format!("{entity}?{}", parts.join("&")));
    }
    (StatusCode::OK, axum::Json(body)).into_response()
}

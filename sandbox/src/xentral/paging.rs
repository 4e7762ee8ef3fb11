//! Lists: `page[number]` / `page[size]` paging, `filter[i][…]` filters and the
//! `{"data", "extra"}` list answer.

use super::errors::Bad;
use super::http::ok;
use super::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use axum::response::Response;
use serde_json::{Value, json};
use std::collections::HashMap;

pub(super) struct Page {
    pub(super) number: usize,
    pub(super) size: usize,
}

pub(super) fn page(q: &HashMap<String, String>) -> Result<Page, Bad> {
    let parse = |key: &str, default: usize| -> Result<usize, Bad> {
        match q.get(key) {
            None => Ok(default),
            Some(v) => v
                .parse::<usize>()
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| Bad(format!("{key} must be an integer of at least 1"))),
        }
    };
    let number = parse("page[number]", 1)?;
    let size = parse("page[size]", DEFAULT_PAGE_SIZE)?;
    if size > MAX_PAGE_SIZE {
        return Err(Bad(format!("page[size] must be at most {MAX_PAGE_SIZE}")));
    }
    Ok(Page { number, size })
}

/// The `filter[i][value]` of every `filter[i][key] == key` with op `equals`.
pub(super) fn filter_equals(q: &HashMap<String, String>, key: &str) -> Result<Option<String>, Bad> {
    for i in 0..10 {
        if q.get(&format!("filter[{i}][key]")).map(String::as_str) == Some(key) {
            let op = q
                .get(&format!("filter[{i}][op]"))
                .map(String::as_str)
                .unwrap_or("equals");
            if op != "equals" {
                return Err(Bad(format!(
                    "the simulator filters {key} with op equals only"
                )));
            }
            return Ok(Some(
                q.get(&format!("filter[{i}][value]"))
                    .cloned()
                    .unwrap_or_default(),
            ));
        }
    }
    Ok(None)
}

pub(super) fn list(items: Vec<Value>, total: usize, p: &Page) -> Response {
    ok(json!({
        "data": items,
        "extra": {"totalCount": total, "page": {"number": p.number, "size": p.size}},
    }))
}

pub(super) fn slice_of<T: Clone>(all: &[T], p: &Page) -> Vec<T> {
    let start = (p.number - 1).saturating_mul(p.size).min(all.len());
    all[start..(start + p.size).min(all.len())].to_vec()
}

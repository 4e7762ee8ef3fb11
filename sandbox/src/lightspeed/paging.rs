//! Version paging of the 2.0 lists (`after`, `before`, `page_size`, `deleted`) and
//! their `{"data", "version"}` answer.

use super::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::HashMap;

pub(super) struct ListQuery {
    pub(super) after: u64,
    pub(super) before: Option<u64>,
    pub(super) page_size: usize,
    pub(super) deleted: bool,
}

pub(super) fn parse_list_query(q: &HashMap<String, String>) -> Result<ListQuery, String> {
    let num = |name: &str| -> Result<Option<u64>, String> {
        match q.get(name) {
            None => Ok(None),
            Some(v) => v
                .parse::<u64>()
                .map(Some)
                .map_err(|_| format!("{name} must be a non-negative integer")),
        }
    };
    let page_size = match num("page_size")? {
        None => DEFAULT_PAGE_SIZE,
        Some(0) => return Err("page_size must be at least 1".into()),
        Some(n) => (n as usize).min(MAX_PAGE_SIZE),
    };
    Ok(ListQuery {
        after: num("after")?.unwrap_or(0),
        before: num("before")?,
        page_size,
        deleted: q.get("deleted").is_some_and(|v| v == "true" || v == "1"),
    })
}

/// `{"data": […], "version": {"min","max"}}`; spec silent on an empty page's version: null.
pub(super) fn collection(
    data: Vec<Value>,
    versions: impl Iterator<Item = u64> + Clone,
) -> Response {
    let version = match (versions.clone().min(), versions.max()) {
        (Some(min), Some(max)) => json!({"min": min, "max": max}),
        _ => Value::Null,
    };
    (
        StatusCode::OK,
        axum::Json(json!({"data": data, "version": version})),
    )
        .into_response()
}

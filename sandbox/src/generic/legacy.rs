//! The "legacy shop" JSON API under `/legacy/api`: its own names, paging and errors.

use super::http::{param, query};
use super::{GenericSim, LEGACY_KEY};
use axum::extract::{OriginalUri, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::sync::Arc;

fn legacy_authorized(headers: &HeaderMap) -> bool {
    headers
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == LEGACY_KEY)
}

fn legacy_denied() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        axum::Json(json!({"status": "error", "message": "invalid api key"})),
    )
        .into_response()
}

fn number(q: &[(String, String)], name: &str, default: usize) -> Option<usize> {
    match param(q, name) {
        None => Some(default),
        Some(v) => v.parse().ok(),
    }
}

/// `GET /legacy/api/items?page=&limit=`: 1-based pages, `meta.total`, a `Link` header.
pub(super) async fn legacy_items(
    State(sim): State<Arc<GenericSim>>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    if !legacy_authorized(&headers) {
        return legacy_denied();
    }
    let q = query(raw.as_deref());
    let (page, limit) = match (number(&q, "page", 1), number(&q, "limit", 5)) {
        (Some(p), Some(l)) if p >= 1 && (1..=50).contains(&l) => (p, l),
        _ => return legacy_bad("page >= 1, limit 1..=50"),
    };
    let mut s = sim.lock();
    if let Some(r) = s.fail_before() {
        return r;
    }
    let total = s.legacy_items.len();
    let data: Vec<Value> = s
        .legacy_items
        .iter()
        .skip((page - 1) * limit)
        .take(limit)
        .cloned()
        .collect();
    let mut resp =
        axum::Json(json!({"data": data, "meta": {"total": total, "page": page, "limit": limit}}))
            .into_response();
    if page * limit < total {
        let link = format!(
            "<{}?page={}&limit={limit}>; rel=\"next\"",
            uri.path(),
            page + 1
        );
        if let Ok(v) = HeaderValue::from_str(&link) {
            resp.headers_mut().insert(header::LINK, v);
        }
    }
    resp
}

pub(super) fn legacy_bad(message: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        axum::Json(json!({"status": "error", "message": message})),
    )
        .into_response()
}

/// `GET /legacy/api/groups`: everything at once, under `groups`.
pub(super) async fn legacy_groups(
    State(sim): State<Arc<GenericSim>>,
    headers: HeaderMap,
) -> Response {
    if !legacy_authorized(&headers) {
        return legacy_denied();
    }
    let s = sim.lock();
    axum::Json(json!({"groups": s.legacy_groups})).into_response()
}

/// `GET /legacy/api/stock?offset=&limit=`: `{"rows", "total"}`.
pub(super) async fn legacy_stock(
    State(sim): State<Arc<GenericSim>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    if !legacy_authorized(&headers) {
        return legacy_denied();
    }
    let q = query(raw.as_deref());
    let (offset, limit) = match (number(&q, "offset", 0), number(&q, "limit", 3)) {
        (Some(o), Some(l)) if (1..=50).contains(&l) => (o, l),
        _ => return legacy_bad("limit 1..=50"),
    };
    let s = sim.lock();
    let rows: Vec<Value> = s
        .legacy_stock
        .iter()
        .skip(offset)
        .take(limit)
        .cloned()
        .collect();
    axum::Json(json!({"rows": rows, "total": s.legacy_stock.len()})).into_response()
}

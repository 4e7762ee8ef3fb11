//! `GET /{collection}`: the protocol's lists (`limit`, opaque `cursor`, `updatedSince`)
//! in `updatedAt` order.

use super::auth::{authorized, unauthorized};
use super::errors::error;
use super::http::{param, query};
use super::{DEFAULT_LIMIT, GenericSim, MAX_LIMIT, Record, SimState, updated_at};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::sync::Arc;

#[derive(Clone, Copy)]
pub(super) enum Collection {
    Categories,
    Products,
    Prices,
    Inventory,
    Orders,
    Suppliers,
}

impl Collection {
    fn of(self, s: &mut SimState) -> &mut Vec<Record> {
        match self {
            Collection::Categories => &mut s.categories,
            Collection::Products => &mut s.products,
            Collection::Prices => &mut s.prices,
            Collection::Inventory => &mut s.inventory,
            Collection::Orders => &mut s.orders,
            Collection::Suppliers => &mut s.suppliers,
        }
    }
}

/// `GET /{collection}`: the protocol's list.
pub(super) async fn list(
    sim: Arc<GenericSim>,
    which: Collection,
    headers: HeaderMap,
    raw: Option<String>,
) -> Response {
    if !authorized(&headers) {
        return unauthorized();
    }
    let q = query(raw.as_deref());
    let limit = match param(&q, "limit").map(str::parse::<usize>) {
        None => DEFAULT_LIMIT,
        Some(Ok(n)) if (1..=MAX_LIMIT).contains(&n) => n,
        _ => {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_parameter",
                "limit must be an integer from 1 to 1000",
            );
        }
    };
    let since = match param(&q, "updatedSince") {
        None => None,
        Some(s) => match beep_sdk::generic::rfc3339_nanos(s) {
            Some(n) => Some(n),
            None => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "invalid_parameter",
                    "updatedSince must be an RFC 3339 date-time",
                );
            }
        },
    };
    // The cursor is opaque to clients: here, the tick and id of the last item sent.
    let after: Option<(u64, String)> = match param(&q, "cursor") {
        None => None,
        Some(c) => match c
            .strip_prefix("t")
            .and_then(|r| r.split_once('.'))
            .and_then(|(t, id)| Some((t.parse().ok()?, id.to_string())))
        {
            Some(a) => Some(a),
            None => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "invalid_cursor",
                    "cursor is not one this server issued",
                );
            }
        },
    };
    let mut s = sim.lock();
    if let Some(r) = s.fail_before() {
        return r;
    }
    let records = which.of(&mut s);
    let mut items: Vec<&Record> = records
        .iter()
        .filter(|r| {
            since.is_none_or(|since| {
                beep_sdk::generic::rfc3339_nanos(&updated_at(r.tick)).unwrap_or(0) > since
            })
        })
        .filter(|r| {
            after
                .as_ref()
                .is_none_or(|(t, id)| (r.tick, &r.id) > (*t, id))
        })
        .collect();
    items.sort_by(|a, b| (a.tick, &a.id).cmp(&(b.tick, &b.id)));
    let more = items.len() > limit;
    items.truncate(limit);
    let next = more
        .then(|| items.last().map(|r| format!("t{}.{}", r.tick, r.id)))
        .flatten();
    let data: Vec<Value> = items
        .iter()
        .map(|r| {
            let mut v = r.data.clone();
            v["id"] = json!(r.id);
            v["updatedAt"] = json!(updated_at(r.tick));
            v
        })
        .collect();
    axum::Json(json!({"data": data, "next": next})).into_response()
}

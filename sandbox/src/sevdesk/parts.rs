//! `/Part`: list, read, stock, update.

use crate::kit::time::now_secs as now;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::SevdeskSim;
use super::answers::{ApiError, bad_request, invalid, ok};
use super::query::{Query, page, page_all, paging};

pub(super) async fn get_parts(
    State(sim): State<Arc<SevdeskSim>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    sim.api(&headers, false, |a| {
        let q = Query::parse(raw.as_deref());
        let p = match paging(&q) {
            Ok(p) => p,
            Err(e) => return e.into_response(),
        };
        let embed_unity = q.embeds("unity");
        let number = q.get("partNumber");
        let name = q.get("name");
        if number.is_none() && name.is_none() {
            return page_all(a.parts.len(), &p, |i| a.part_view(i, embed_unity));
        }
        let rows: Vec<usize> = (0..a.parts.len())
            .filter(|&i| {
                number.is_none_or(|n| a.parts[i].part_number == n)
                    && name.is_none_or(|n| a.parts[i].name == n)
            })
            .collect();
        page(&rows, &p, |i| a.part_view(i, embed_unity))
    })
}

/// Spec: "400 Bad request. Part was not found".
pub(super) fn part_not_found(id: &str) -> Response {
    bad_request(&format!("Part with id {id} not found"))
}

pub(super) async fn get_part(
    State(sim): State<Arc<SevdeskSim>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    sim.api(&headers, false, |a| {
        let q = Query::parse(raw.as_deref());
        match a.part_index(&id) {
            Some(i) => ok(json!({"objects": [a.part_view(i, q.embeds("unity"))]})),
            None => part_not_found(&id),
        }
    })
}

pub(super) async fn get_stock(
    State(sim): State<Arc<SevdeskSim>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    sim.api(&headers, false, |a| match a.part_index(&id) {
        Some(i) => ok(json!({"objects": a.parts[i].stock})),
        None => part_not_found(&id),
    })
}

/// A number sent as a JSON number or a numeric string (sevdesk takes both).
pub(super) fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|f: &f64| f.is_finite())
}

/// An `{"id": …}` reference's id.
pub(super) fn ref_id(v: &Value) -> Option<u64> {
    match v.get("id")? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// `PUT /Part/{partId}` with `Model_PartUpdate`: every field optional; read-only ones
/// (id, create, update, sevClient, objectName) are ignored.
pub(super) async fn put_part(
    State(sim): State<Arc<SevdeskSim>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    sim.api(&headers, true, |a| {
        let Some(i) = a.part_index(&id) else {
            return part_not_found(&id);
        };
        let Ok(Value::Object(update)) = serde_json::from_slice::<Value>(&body) else {
            return bad_request("the body must be a JSON object (Model_PartUpdate)");
        };
        let num = |k: &str| -> Result<Option<f64>, ApiError> {
            match update.get(k) {
                None | Some(Value::Null) => Ok(None),
                Some(v) => number(v)
                    .map(Some)
                    .ok_or_else(|| invalid(&format!("{k} must be a number"))),
            }
        };
        let text = |k: &str| -> Result<Option<String>, ApiError> {
            match update.get(k) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(invalid(&format!("{k} must be a string"))),
            }
        };
        let stock = match num("stock") {
            Ok(v) => v,
            Err(e) => return e.into_response(),
        };
        let price_net = match num("priceNet").and_then(|n| Ok(n.or(num("price")?))) {
            Ok(v) => v,
            Err(e) => return e.into_response(),
        };
        let tax_rate = match num("taxRate") {
            Ok(v) => v,
            Err(e) => return e.into_response(),
        };
        let (name, part_number) = match (text("name"), text("partNumber")) {
            (Ok(n), Ok(p)) => (n, p),
            (Err(e), _) | (_, Err(e)) => return e.into_response(),
        };
        let p = &mut a.parts[i];
        if let Some(stock) = stock {
            p.stock = stock;
        }
        if let Some(net) = price_net {
            p.price_net = (net * 100.0).round() as i64;
        }
        if let Some(rate) = tax_rate {
            p.tax_rate = rate;
        }
        if let Some(name) = name {
            p.name = name;
        }
        if let Some(number) = part_number {
            p.part_number = number;
        }
        if let Some(enabled) = update.get("stockEnabled") {
            p.stock_enabled =
                matches!(enabled, Value::Bool(true)) || number(enabled).is_some_and(|n| n != 0.0);
        }
        if let Some(status) = update.get("status").and_then(number) {
            p.status = status as u32;
        }
        p.update = now().max(p.update);
        // Spec: 200 "Returns changed part resource" (`Model_Part`, not wrapped).
        ok(serde_json::to_value(a.part_view(i, false)).expect("serialisable"))
    })
}

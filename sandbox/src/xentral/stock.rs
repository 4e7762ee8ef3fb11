//! Warehouses, storage locations and their items: stock in and retrieve by SKU.

use super::XentralSim;
use super::errors::{bad_request, not_found, problem};
use super::http::{ok, parse_json};
use super::model::location;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::sync::Arc;

pub(super) async fn get_warehouses(
    State(sim): State<Arc<XentralSim>>,
    headers: HeaderMap,
) -> Response {
    sim.api(&headers, |_, _| {
        ok(json!({
            "data": [
                {"id": "1", "designation": "Hauptlager", "project": null},
                {"id": "2", "designation": "Filiale", "project": null},
            ],
            "extra": {"totalCount": 2, "page": {"number": 1, "size": 10}},
        }))
    })
}

/// The storage location index of `(warehouse, location)`.
fn location_index(warehouse: &str, loc: &str) -> Option<usize> {
    (0..2).find(|i| location(*i).1 == warehouse && location(*i).0 == loc)
}

pub(super) async fn get_storage_locations(
    State(sim): State<Arc<XentralSim>>,
    headers: HeaderMap,
    Path(warehouse): Path<String>,
) -> Response {
    sim.api(&headers, |_, _| {
        let data: Vec<Value> = (0..2)
            .filter(|i| location(*i).1 == warehouse)
            .map(|i| {
                let (loc, wh, name) = location(i);
                json!({"id": loc, "warehouse": {"id": wh}, "designation": name})
            })
            .collect();
        if data.is_empty() {
            return not_found();
        }
        ok(json!({"data": data, "extra": {"totalCount": 1, "page": {"number": 1, "size": 10}}}))
    })
}

pub(super) async fn get_items(
    State(sim): State<Arc<XentralSim>>,
    headers: HeaderMap,
    Path((warehouse, loc)): Path<(String, String)>,
) -> Response {
    sim.api(&headers, |st, _| {
        let Some(i) = location_index(&warehouse, &loc) else {
            return not_found();
        };
        let data: Vec<Value> = st
            .products
            .iter()
            .filter(|p| p.stock[i] != 0.0)
            .map(|p| json!({"id": p.id.to_string(), "product": {"sku": p.number}, "quantity": p.stock[i]}))
            .collect();
        let n = data.len();
        ok(json!({"data": data, "extra": {"totalCount": n, "page": {"number": 1, "size": n}}}))
    })
}

/// `POST` (stock in) and `PATCH` (retrieve) of `…/items`: `{"product": {"sku"}, "quantity", "reason"?}`.
fn book_items(
    sim: &XentralSim,
    headers: &HeaderMap,
    warehouse: &str,
    loc: &str,
    body: &Bytes,
    retrieve: bool,
) -> Response {
    sim.api(headers, |st, _| {
        let Some(i) = location_index(warehouse, loc) else {
            return not_found();
        };
        let body = match parse_json(body) {
            Ok(b) => b,
            Err(r) => return r.into_response(),
        };
        let Some(sku) = body["product"]["sku"].as_str() else {
            return bad_request("product.sku: This value should not be blank.");
        };
        let Some(quantity) = body["quantity"].as_f64().filter(|q| *q > 0.0) else {
            return bad_request("quantity: This value should be positive.");
        };
        let Some(product) = st.products.iter_mut().find(|p| p.number == sku) else {
            return problem(
                StatusCode::NOT_FOUND,
                "not-found",
                "Resource was not found or not enough access privileges",
                vec![format!("no product with SKU {sku}")],
            );
        };
        if retrieve {
            if product.stock[i] < quantity {
                return problem(
                    StatusCode::CONFLICT,
                    "conflict",
                    "Conflict",
                    vec![format!(
                        "not enough stock of {sku} at storage location {loc}"
                    )],
                );
            }
            product.stock[i] -= quantity;
        } else {
            product.stock[i] += quantity;
        }
        st.movements.push(json!({
            "warehouseId": warehouse,
            "storageLocationId": loc,
            "sku": sku,
            "quantity": if retrieve { -quantity } else { quantity },
            "reason": body["reason"],
        }));
        if retrieve {
            StatusCode::NO_CONTENT.into_response()
        } else {
            (
                StatusCode::CREATED,
                [(header::CONTENT_TYPE, "text/html")],
                "",
            )
                .into_response()
        }
    })
}

pub(super) async fn stock_in(
    State(sim): State<Arc<XentralSim>>,
    headers: HeaderMap,
    Path((warehouse, loc)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    book_items(&sim, &headers, &warehouse, &loc, &body, false)
}

pub(super) async fn retrieve(
    State(sim): State<Arc<XentralSim>>,
    headers: HeaderMap,
    Path((warehouse, loc)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    book_items(&sim, &headers, &warehouse, &loc, &body, true)
}

//! Test hooks (not Lightspeed; no auth) under `/_sim/`.

use super::LightspeedSim;
use super::errors::{bad_request, error};
use super::model::product_view;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::sync::Arc;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProductChange {
    name: Option<String>,
    price: Option<f64>,
}

/// `POST /_sim/products/{id or sku}`: renames and/or reprices (tax-inclusive, major units)
/// a demo product, which gets a new version.
pub(super) async fn hook_change_product(
    State(sim): State<Arc<LightspeedSim>>,
    Path(key): Path<String>,
    body: Bytes,
) -> Response {
    let change: ProductChange = match serde_json::from_slice(&body) {
        Ok(c) => c,
        Err(e) => return bad_request(&e.to_string()),
    };
    let mut state = sim.lock();
    let shop = &mut state.demo;
    let Some(idx) = shop.find_product(&key) else {
        return error(StatusCode::NOT_FOUND, "Not Found", "product not found");
    };
    if let Some(price) = change.price {
        if !price.is_finite() || price < 0.0 {
            return bad_request("price must be a non-negative number");
        }
        shop.products[idx].price = (price * 100.0).round() as i64;
    }
    if let Some(name) = change.name {
        shop.products[idx].name = name;
    }
    let old = shop.products[idx].version;
    let new = shop.next_version();
    shop.products[idx].version = new;
    if let Ok(pos) = shop.product_order.binary_search_by_key(&old, |(v, _)| *v) {
        shop.product_order.remove(pos);
        shop.product_order.push((new, idx as u32));
    }
    (
        StatusCode::OK,
        axum::Json(product_view(shop, &shop.products[idx])),
    )
        .into_response()
}

/// `POST /_sim/fail`: the next `times` API requests answer `status` (429 with
/// `Retry-After: 1`, 500 or 503).
pub(super) async fn hook_fail(State(sim): State<Arc<LightspeedSim>>, body: Bytes) -> Response {
    crate::kit::fault::arm(&mut sim.lock().failure, &body)
}

/// `GET /_sim/sales`: every register sale the demo store holds, in arrival order.
pub(super) async fn hook_sales(State(sim): State<Arc<LightspeedSim>>) -> Response {
    (StatusCode::OK, axum::Json(sim.lock().demo.sales.clone())).into_response()
}

/// `GET /_sim/requests`: API requests served (failures and bad tokens included).
pub(super) async fn hook_requests(State(sim): State<Arc<LightspeedSim>>) -> Response {
    (StatusCode::OK, axum::Json(sim.lock().requests)).into_response()
}

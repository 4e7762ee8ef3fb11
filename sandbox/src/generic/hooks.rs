//! Test hooks (no auth) under `/_sim/`.

use super::errors::error;
use super::legacy::legacy_bad;
use super::{Failure, GenericSim, eur, updated_at};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FailRequest {
    status: u16,
    times: u32,
    #[serde(default)]
    after_write: bool,
    /// Requests to answer normally first: an outage in the middle of a run.
    #[serde(default)]
    after: u32,
}

pub(super) async fn hook_fail(State(sim): State<Arc<GenericSim>>, body: Bytes) -> Response {
    let req: FailRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return legacy_bad(&e.to_string()),
    };
    let Ok(status) = StatusCode::from_u16(req.status) else {
        return legacy_bad("bad status");
    };
    sim.lock().failure = (req.times > 0).then_some(Failure {
        status,
        skip: req.after,
        remaining: req.times,
        after_write: req.after_write,
    });
    axum::Json(json!({"armed": req.times})).into_response()
}

#[derive(Deserialize)]
pub(super) struct ProductChange {
    name: Option<String>,
    /// Minor units, EUR.
    price: Option<i64>,
}

pub(super) async fn hook_product(
    State(sim): State<Arc<GenericSim>>,
    Path(id): Path<String>,
    axum::Json(change): axum::Json<ProductChange>,
) -> Response {
    let mut s = sim.lock();
    s.tick += 1;
    let tick = s.tick;
    let Some(r) = s.products.iter_mut().find(|r| r.id == id) else {
        return error(StatusCode::NOT_FOUND, "not_found", "no such product");
    };
    if let Some(n) = change.name {
        r.data["name"] = json!(n);
    }
    if let Some(p) = change.price {
        r.data["price"] = eur(p);
    }
    r.tick = tick;
    axum::Json(json!({"id": id, "updatedAt": updated_at(tick)})).into_response()
}

/// Removes a product outright (not a delisting): only a full run can notice.
pub(super) async fn hook_remove_product(
    State(sim): State<Arc<GenericSim>>,
    Path(id): Path<String>,
) -> Response {
    let mut s = sim.lock();
    let before = s.products.len();
    s.products.retain(|r| r.id != id);
    axum::Json(json!({"removed": before - s.products.len()})).into_response()
}

#[derive(Deserialize)]
pub(super) struct StockSet {
    quantity: f64,
}

pub(super) async fn hook_inventory(
    State(sim): State<Arc<GenericSim>>,
    Path(id): Path<String>,
    axum::Json(set): axum::Json<StockSet>,
) -> Response {
    let mut s = sim.lock();
    s.tick += 1;
    let tick = s.tick;
    let Some(r) = s.inventory.iter_mut().find(|r| r.id == id) else {
        return error(StatusCode::NOT_FOUND, "not_found", "no such stock level");
    };
    r.data["quantity"] = json!(set.quantity);
    r.tick = tick;
    axum::Json(json!({"id": id})).into_response()
}

pub(super) async fn hook_inventory_get(
    State(sim): State<Arc<GenericSim>>,
    Path(id): Path<String>,
) -> Response {
    let s = sim.lock();
    match s.inventory.iter().find(|r| r.id == id) {
        Some(r) => axum::Json(r.data.clone()).into_response(),
        None => error(StatusCode::NOT_FOUND, "not_found", "no such stock level"),
    }
}

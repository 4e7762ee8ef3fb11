//! Test hooks (not xentral; no auth) under `/_sim/`.

use super::XentralSim;
use super::errors::{bad_request, not_found};
use super::http::{ok, parse_json};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::sync::Arc;

pub(super) async fn hook_pushed(State(sim): State<Arc<XentralSim>>) -> Response {
    let st = sim.lock();
    ok(json!({"salesOrders": st.sales_orders, "stockMovements": st.movements}))
}

pub(super) async fn hook_fail(State(sim): State<Arc<XentralSim>>, body: Bytes) -> Response {
    crate::kit::fault::arm(&mut sim.lock().failure, &body)
}

pub(super) async fn hook_stock(
    State(sim): State<Arc<XentralSim>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let body = match parse_json(&body) {
        Ok(b) => b,
        Err(r) => return r.into_response(),
    };
    let Some(quantity) = body["quantity"].as_f64() else {
        return bad_request("quantity: a number");
    };
    let mut st = sim.lock();
    let Some(p) = st.products.iter_mut().find(|p| p.id.to_string() == id) else {
        return not_found();
    };
    p.stock = [quantity, 0.0];
    p.updated_at = "2024-11-05T10:00:00+00:00".to_string();
    ok(json!({"id": id, "stockCount": quantity}))
}

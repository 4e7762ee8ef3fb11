//! Test hooks (not SAP; no auth) under `/_sim/`.

use super::documents::{move_stock, today};
use super::{BOOKED, SapSim};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use std::sync::Arc;

pub(super) async fn sim_documents(State(sim): State<Arc<SapSim>>) -> Response {
    let st = sim.lock();
    let mut out = Map::new();
    for e in BOOKED {
        out.insert(
            (*e).into(),
            json!(st.booked.get(e).cloned().unwrap_or_default()),
        );
    }
    out.insert("sessions".into(), json!(st.sessions.len()));
    (StatusCode::OK, axum::Json(Value::Object(out))).into_response()
}

pub(super) async fn sim_sessions(State(sim): State<Arc<SapSim>>) -> Response {
    let st = sim.lock();
    axum::Json(json!({"active": st.sessions.len(), "logins": st.logins})).into_response()
}

pub(super) async fn sim_fail(State(sim): State<Arc<SapSim>>, body: Bytes) -> Response {
    crate::kit::fault::arm(&mut sim.lock().failure, &body)
}

pub(super) async fn sim_stock(
    State(sim): State<Arc<SapSim>>,
    Path(code): Path<String>,
    body: Bytes,
) -> Response {
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let Some(quantity) = v["quantity"].as_f64() else {
        return (StatusCode::BAD_REQUEST, "quantity: a number").into_response();
    };
    let mut st = sim.lock();
    let Some(item) = st.items.iter_mut().find(|i| i["ItemCode"] == code.as_str()) else {
        return (StatusCode::NOT_FOUND, "no such item").into_response();
    };
    let current = item["ItemWarehouseInfoCollection"][0]["InStock"]
        .as_f64()
        .unwrap_or(0.0);
    move_stock(item, "01", quantity - current);
    item["UpdateDate"] = json!(today());
    axum::Json(item.clone()).into_response()
}

pub(super) async fn sim_expire(State(sim): State<Arc<SapSim>>) -> Response {
    let mut st = sim.lock();
    let n = st.sessions.len();
    st.sessions.clear();
    axum::Json(json!({"expired": n})).into_response()
}

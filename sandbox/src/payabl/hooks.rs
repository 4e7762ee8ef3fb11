//! Test hooks (not payabl; no auth) under `/_sim/`.

use super::model::major;
use super::{PayablSim, SimState};
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;

pub(super) async fn sim_transactions(State(sim): State<Arc<PayablSim>>) -> Response {
    let st = sim.lock();
    axum::Json(Value::Array(
        st.transactions.iter().map(SimState::txn_json).collect(),
    ))
    .into_response()
}

pub(super) async fn sim_refunds(State(sim): State<Arc<PayablSim>>) -> Response {
    let st = sim.lock();
    let list = st
        .refunds
        .iter()
        .map(|r| {
            json!({
                "transactionid": r.id, "base_transactionid": r.base_id,
                "reference": r.reference, "amount": major(r.amount, &r.currency),
                "currency": r.currency, "status": r.status, "description": r.description,
            })
        })
        .collect();
    axum::Json(Value::Array(list)).into_response()
}

pub(super) async fn sim_callbacks(
    State(sim): State<Arc<PayablSim>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let st = sim.lock();
    let list = st
        .callbacks
        .iter()
        .filter(|c| {
            q.get("transactionid")
                .is_none_or(|id| c["transactionid"] == id.as_str())
        })
        .cloned()
        .collect();
    axum::Json(Value::Array(list)).into_response()
}

pub(super) async fn sim_fail(
    State(sim): State<Arc<PayablSim>>,
    body: axum::body::Bytes,
) -> Response {
    crate::kit::fault::arm(&mut sim.lock().fail, &body)
}

pub(super) async fn sim_reset(State(sim): State<Arc<PayablSim>>) -> Response {
    let mut st = sim.lock();
    let merchants = std::mem::take(&mut st.merchants);
    *st = SimState {
        merchants,
        ..SimState::default()
    };
    StatusCode::NO_CONTENT.into_response()
}

#[derive(Deserialize)]
pub(super) struct StatusBody {
    status: String,
}

pub(super) async fn sim_status(
    State(sim): State<Arc<PayablSim>>,
    Path(id): Path<String>,
    axum::Json(body): axum::Json<StatusBody>,
) -> Response {
    match sim.lock().set_status(&id, &body.status) {
        Ok(answer) => {
            let map: serde_json::Map<String, Value> = answer
                .into_iter()
                .map(|(k, v)| (k.to_string(), Value::String(v)))
                .collect();
            axum::Json(Value::Object(map)).into_response()
        }
        Err(e) => (StatusCode::BAD_REQUEST, e).into_response(),
    }
}

/// Stands in for the issuer's 3-D Secure page: applies the outcome, then redirects to
/// the transaction's `url_return` (or answers 200 without one).
pub(super) async fn sim_3ds(
    State(sim): State<Arc<PayablSim>>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let outcome = match q.get("result").map(String::as_str).unwrap_or("ok") {
        "ok" => "captured",
        "declined" => "declined",
        other => {
            return (StatusCode::BAD_REQUEST, format!("unknown result {other}")).into_response();
        }
    };
    let mut st = sim.lock();
    match st.transactions.iter().find(|t| t.id == id) {
        Some(t) if t.status == "pending_3ds" => {}
        Some(t) => {
            return (
                StatusCode::CONFLICT,
                format!("transaction {id} is {}", t.status),
            )
                .into_response();
        }
        None => return (StatusCode::NOT_FOUND, format!("no transaction {id}")).into_response(),
    }
    if let Err(e) = st.set_status(&id, outcome) {
        return (StatusCode::BAD_REQUEST, e).into_response();
    }
    match st
        .transactions
        .iter()
        .find(|t| t.id == id)
        .and_then(|t| t.url_return.clone())
    {
        Some(url) => (StatusCode::SEE_OTHER, [(header::LOCATION, url)]).into_response(),
        None => (StatusCode::OK, format!("3-D Secure {outcome}")).into_response(),
    }
}

//! Test hooks (not PCP; no auth) under `/_sim/`.

use super::PayoneSim;
use super::errors::not_found;
use super::model::{amount_json, event};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;

pub(super) async fn sim_payments(State(sim): State<Arc<PayoneSim>>) -> Response {
    let state = sim.lock();
    let list: Vec<Value> = state
        .cases
        .iter()
        .flat_map(|case| {
            case.checkouts.iter().flat_map(move |c| {
                c.executions.iter().map(move |e| {
                    json!({
                        "commerceCaseId": case.id,
                        "checkoutId": c.id,
                        "paymentExecutionId": e.id,
                        "paymentId": e.payment_id,
                        "caseMerchantReference": case.merchant_reference,
                        "merchantReference": e.merchant_reference,
                        "token": e.token,
                        "amountOfMoney": amount_json(e.amount, &e.currency),
                        "status": e.status,
                        "statusCategory": e.category,
                        "captured": e.captured,
                        "refunded": e.refunded,
                    })
                })
            })
        })
        .collect();
    axum::Json(Value::Array(list)).into_response()
}

pub(super) async fn sim_refunds(State(sim): State<Arc<PayoneSim>>) -> Response {
    axum::Json(Value::Array(sim.lock().refunds.clone())).into_response()
}

pub(super) async fn sim_fail(State(sim): State<Arc<PayoneSim>>, body: Bytes) -> Response {
    crate::kit::fault::arm(&mut sim.lock().fail, &body)
}

pub(super) async fn sim_3ds(
    State(sim): State<Arc<PayoneSim>>,
    Path(pe): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    method: Method,
) -> Response {
    let _ = method;
    let fail = q.get("result").map(String::as_str) == Some("fail");
    let mut state = sim.lock();
    let exec = state
        .cases
        .iter_mut()
        .flat_map(|c| c.checkouts.iter_mut())
        .flat_map(|c| c.executions.iter_mut())
        .find(|e| e.id == pe && e.status == "REDIRECTED");
    let Some(exec) = exec else {
        return not_found("Payment Execution awaiting authentication");
    };
    let (status, category) = if fail {
        ("REJECTED", "UNSUCCESSFUL")
    } else {
        ("CAPTURED", "COMPLETED")
    };
    exec.status = status;
    exec.category = category;
    if !fail {
        exec.captured = exec.amount;
    }
    let currency = exec.currency.clone();
    let reference = exec.merchant_reference.clone();
    exec.events.push(event(
        "SALE",
        exec.amount,
        &currency,
        status,
        reference.as_deref(),
    ));
    match &exec.return_url {
        Some(url) => (StatusCode::SEE_OTHER, [(header::LOCATION, url.clone())]).into_response(),
        None => axum::Json(json!({"paymentExecutionId": pe, "status": status})).into_response(),
    }
}

/// The shopper's bank charges a captured execution back (`?reverse=true`: reverses the
/// chargeback), as the payment events PCP lists on the execution (`CHARGEBACK` with
/// status `CHARGEBACKED`, `CHARGEBACK_REVERSAL` with `CHARGEBACK_REVERSED`).
pub(super) async fn sim_chargeback(
    State(sim): State<Arc<PayoneSim>>,
    Path(pe): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let reverse = q.get("reverse").map(String::as_str) == Some("true");
    let mut state = sim.lock();
    let exec = state
        .cases
        .iter_mut()
        .flat_map(|c| c.checkouts.iter_mut())
        .flat_map(|c| c.executions.iter_mut())
        .find(|e| e.id == pe && e.captured > 0);
    let Some(exec) = exec else {
        return not_found("captured Payment Execution");
    };
    let (kind, status) = if reverse {
        ("CHARGEBACK_REVERSAL", "CHARGEBACK_REVERSED")
    } else {
        ("CHARGEBACK", "CHARGEBACKED")
    };
    exec.status = status;
    let (amount, currency) = (exec.captured, exec.currency.clone());
    exec.events
        .push(event(kind, amount, &currency, status, None));
    StatusCode::NO_CONTENT.into_response()
}

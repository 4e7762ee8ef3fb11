//! Test hooks (not Mollie; no auth) under `/_sim/`.

use super::http::base_url;
use super::model::{REFUND_STATUSES, Status};
use super::{MollieSim, SimState};
use crate::kit::delay::Delay;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

// ---- test hooks ---------------------------------------------------------------------------

pub(super) async fn sim_payments(
    State(sim): State<Arc<MollieSim>>,
    uri: Uri,
    OriginalUri(original): OriginalUri,
    headers: HeaderMap,
) -> Response {
    let base = base_url(&headers, &uri, &original);
    axum::Json(sim.payments(&base)).into_response()
}

pub(super) async fn sim_refunds(
    State(sim): State<Arc<MollieSim>>,
    uri: Uri,
    OriginalUri(original): OriginalUri,
    headers: HeaderMap,
) -> Response {
    let base = base_url(&headers, &uri, &original);
    axum::Json(sim.refunds(&base)).into_response()
}

#[derive(Deserialize)]
pub(super) struct EventFilter {
    #[serde(rename = "paymentId")]
    payment_id: Option<String>,
}

pub(super) async fn sim_events(
    State(sim): State<Arc<MollieSim>>,
    Query(filter): Query<EventFilter>,
) -> Response {
    let events: Vec<Value> = sim
        .events()
        .into_iter()
        .filter(|e| {
            filter
                .payment_id
                .as_ref()
                .is_none_or(|id| e["paymentId"] == *id)
        })
        .collect();
    axum::Json(events).into_response()
}

pub(super) async fn sim_fail(
    State(sim): State<Arc<MollieSim>>,
    body: axum::body::Bytes,
) -> Response {
    crate::kit::fault::arm(&mut sim.lock().fail, &body)
}

pub(super) async fn sim_delay(
    State(sim): State<Arc<MollieSim>>,
    axum::Json(plan): axum::Json<Delay>,
) -> Response {
    sim.lock().delay.arm(plan)
}

pub(super) async fn sim_reset(State(sim): State<Arc<MollieSim>>) -> Response {
    let mut st = sim.lock();
    let keys = std::mem::take(&mut st.api_keys);
    *st = SimState {
        api_keys: keys,
        ..SimState::default()
    };
    StatusCode::NO_CONTENT.into_response()
}

#[derive(Deserialize)]
pub(super) struct StatusChange {
    status: String,
    #[serde(default, rename = "failureReason")]
    failure_reason: Option<String>,
}

/// Moves a payment to another status (the shopper paid, the bank failed it, it expired)
/// and records the webhook Mollie would send.
pub(super) async fn sim_payment_status(
    State(sim): State<Arc<MollieSim>>,
    Path(id): Path<String>,
    uri: Uri,
    OriginalUri(original): OriginalUri,
    headers: HeaderMap,
    axum::Json(change): axum::Json<StatusChange>,
) -> Response {
    if let Err(m) = sim.set_payment_status(&id, &change.status, change.failure_reason.as_deref()) {
        let status = if m.starts_with("no payment") {
            StatusCode::NOT_FOUND
        } else if m.contains("final status") {
            StatusCode::CONFLICT
        } else {
            StatusCode::BAD_REQUEST
        };
        return (status, axum::Json(json!({ "error": m }))).into_response();
    }
    let base = base_url(&headers, &uri, &original);
    let st = sim.lock();
    let body = st
        .payment(&id)
        .map(|p| st.payment_json(p, &base))
        .unwrap_or(Value::Null);
    axum::Json(body).into_response()
}

/// Moves a refund on (`processing`, `refunded`, `failed`, `canceled`, …) and records the
/// webhook Mollie sends for it (to the payment's webhook, with the payment id).
pub(super) async fn sim_refund_status(
    State(sim): State<Arc<MollieSim>>,
    Path(id): Path<String>,
    uri: Uri,
    OriginalUri(original): OriginalUri,
    headers: HeaderMap,
    axum::Json(change): axum::Json<StatusChange>,
) -> Response {
    let Some(status) = REFUND_STATUSES
        .iter()
        .find(|s| **s == change.status)
        .copied()
    else {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({ "error": format!("unknown refund status {:?}", change.status) })),
        )
            .into_response();
    };
    let base = base_url(&headers, &uri, &original);
    let mut st = sim.lock();
    let Some(i) = st.refund_index.get(&id).copied() else {
        return (
            StatusCode::NOT_FOUND,
            axum::Json(json!({ "error": format!("no refund {id}") })),
        )
            .into_response();
    };
    let current = st.refunds[i].status;
    if matches!(current, "refunded" | "failed" | "canceled") && current != status {
        return (
            StatusCode::CONFLICT,
            axum::Json(
                json!({ "error": format!("refund {id} is {current} already, a final status") }),
            ),
        )
            .into_response();
    }
    if current != status {
        st.refunds[i].status = status;
        let payment_id = st.refunds[i].payment_id.clone();
        st.record_event(&payment_id, Some(&id), status);
    }
    let body = st.refund_json(&st.refunds[i], &base);
    axum::Json(body).into_response()
}

#[derive(Deserialize)]
pub(super) struct CheckoutChoice {
    /// `paid` (default), `failed`, `canceled`, `expired`, `authorized`, `pending`.
    status: Option<String>,
}

/// Stands in for Mollie's hosted checkout (test mode): applies the shopper's choice and
/// sends the shopper to the payment's `redirectUrl` (or `cancelUrl` on cancel), or answers
/// the payment as JSON when there is nowhere to go.
pub(super) async fn sim_checkout(
    State(sim): State<Arc<MollieSim>>,
    Path(id): Path<String>,
    Query(choice): Query<CheckoutChoice>,
    uri: Uri,
    OriginalUri(original): OriginalUri,
    headers: HeaderMap,
) -> Response {
    let wanted = choice.status.as_deref().unwrap_or("paid");
    {
        let st = sim.lock();
        match st.payment(&id) {
            Err(_) => {
                return (
                    StatusCode::NOT_FOUND,
                    axum::Json(json!({ "error": format!("no payment {id}") })),
                )
                    .into_response();
            }
            Ok(p) if !(p.status == Status::Open && p.checkout) => {
                return (
                    StatusCode::CONFLICT,
                    axum::Json(
                        json!({ "error": format!("payment {id} is {} and has no open checkout", p.status.as_str()) }),
                    ),
                )
                    .into_response();
            }
            Ok(_) => {}
        }
    }
    if let Err(m) = sim.set_payment_status(&id, wanted, None) {
        return (StatusCode::BAD_REQUEST, axum::Json(json!({ "error": m }))).into_response();
    }
    let base = base_url(&headers, &uri, &original);
    let st = sim.lock();
    let Ok(p) = st.payment(&id) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let target = match p.status {
        Status::Canceled => p.cancel_url.clone().or_else(|| p.redirect_url.clone()),
        _ => p.redirect_url.clone(),
    };
    match target.and_then(|t| HeaderValue::from_str(&t).ok()) {
        Some(location) => (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response(),
        None => axum::Json(st.payment_json(p, &base)).into_response(),
    }
}

#[derive(Deserialize, Default)]
pub(super) struct ChargebackChange {
    /// Reverse the latest chargeback instead of charging back.
    #[serde(default)]
    reverse: bool,
}

/// The shopper's bank charges a paid payment back (or reverses its chargeback): Mollie
/// then calls the payment's webhook.
pub(super) async fn sim_chargeback(
    State(sim): State<Arc<MollieSim>>,
    Path(id): Path<String>,
    Query(change): Query<ChargebackChange>,
) -> Response {
    match sim.lock().chargeback(&id, change.reverse) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(m) => (StatusCode::BAD_REQUEST, axum::Json(json!({ "error": m }))).into_response(),
    }
}

/// `POST /_sim/settlements`: Mollie settles what is not yet settled.
pub(super) async fn sim_settle(State(sim): State<Arc<MollieSim>>) -> Response {
    axum::Json(sim.lock().settle()).into_response()
}

/// `POST /_sim/settlements/{id}/paidout`: the settlement reaches the bank.
pub(super) async fn sim_pay_out(
    State(sim): State<Arc<MollieSim>>,
    Path(id): Path<String>,
) -> Response {
    match sim.lock().pay_out(&id) {
        Ok(v) => axum::Json(v).into_response(),
        Err(m) => (StatusCode::BAD_REQUEST, m).into_response(),
    }
}

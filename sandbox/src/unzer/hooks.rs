//! Test hooks (not Unzer; no auth) under `/_sim/`.

use super::UnzerSim;
use super::http::base_url;
use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

pub(super) async fn sim_payments(
    State(sim): State<Arc<UnzerSim>>,
    uri: Uri,
    OriginalUri(original): OriginalUri,
    headers: HeaderMap,
) -> Response {
    let base = base_url(&headers, &uri, &original);
    axum::Json(sim.payments(&base)).into_response()
}

pub(super) async fn sim_cancels(
    State(sim): State<Arc<UnzerSim>>,
    uri: Uri,
    OriginalUri(original): OriginalUri,
    headers: HeaderMap,
) -> Response {
    let base = base_url(&headers, &uri, &original);
    axum::Json(sim.cancels(&base)).into_response()
}

#[derive(Deserialize)]
pub(super) struct EventFilter {
    #[serde(rename = "paymentId")]
    payment_id: Option<String>,
}

pub(super) async fn sim_events(
    State(sim): State<Arc<UnzerSim>>,
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
    State(sim): State<Arc<UnzerSim>>,
    body: axum::body::Bytes,
) -> Response {
    crate::kit::fault::arm(&mut sim.lock().fail, &body)
}

#[derive(Deserialize, Default)]
pub(super) struct Completion {
    /// `success` (default) or `error`.
    result: Option<String>,
}

/// A test hook's refusal: its status and message.
type HookError = (StatusCode, String);

fn hook_error((status, message): HookError) -> Response {
    (status, axum::Json(json!({ "error": message }))).into_response()
}

fn complete(
    sim: &UnzerSim,
    id: &str,
    result: Option<&str>,
    base: &str,
) -> Result<Value, HookError> {
    let success = match result.unwrap_or("success") {
        "success" => true,
        "error" => false,
        other => {
            return Err((StatusCode::BAD_REQUEST, format!("unknown result {other:?}")));
        }
    };
    let mut st = sim.lock();
    if st.pay(id).is_err() {
        return Err((StatusCode::NOT_FOUND, format!("no payment {id}")));
    }
    st.complete(id, success, base)
        .map_err(|m| (StatusCode::CONFLICT, m))?;
    let p = st
        .pay(id)
        .map_err(|e| (StatusCode::NOT_FOUND, e.merchant))?;
    let mut v = st.payment_json(p, base);
    v["returnUrl"] = json!(p.return_url);
    Ok(v)
}

/// The shopper finished 3-D Secure: the pending charge succeeds (or fails with
/// `{"result": "error"}`) and Unzer's webhook is recorded.
pub(super) async fn sim_complete(
    State(sim): State<Arc<UnzerSim>>,
    Path(id): Path<String>,
    uri: Uri,
    OriginalUri(original): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let choice: Completion = serde_json::from_slice(&body).unwrap_or_default();
    let base = base_url(&headers, &uri, &original);
    match complete(&sim, &id, choice.result.as_deref(), &base) {
        Ok(v) => axum::Json(v).into_response(),
        Err(e) => hook_error(e),
    }
}

/// The `redirectUrl` of a pending charge: stands in for the issuer's 3-D Secure page,
/// completes the payment and sends the shopper to the `returnUrl`.
pub(super) async fn sim_3ds(
    State(sim): State<Arc<UnzerSim>>,
    Path(id): Path<String>,
    Query(choice): Query<Completion>,
    uri: Uri,
    OriginalUri(original): OriginalUri,
    headers: HeaderMap,
) -> Response {
    let base = base_url(&headers, &uri, &original);
    match complete(&sim, &id, choice.result.as_deref(), &base) {
        Ok(v) => match v["returnUrl"]
            .as_str()
            .and_then(|u| HeaderValue::from_str(u).ok())
        {
            Some(location) => {
                (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()
            }
            None => axum::Json(v).into_response(),
        },
        Err(e) => hook_error(e),
    }
}

/// The shopper's bank charges the payment back: Unzer's `chargeback` webhook follows.
pub(super) async fn sim_chargeback(
    State(sim): State<Arc<UnzerSim>>,
    Path(id): Path<String>,
    uri: Uri,
    OriginalUri(original): OriginalUri,
    headers: HeaderMap,
) -> Response {
    let base = base_url(&headers, &uri, &original);
    match sim.lock().chargeback(&id, &base) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(m) => (StatusCode::BAD_REQUEST, m).into_response(),
    }
}

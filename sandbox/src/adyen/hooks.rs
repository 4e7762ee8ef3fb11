//! Test hooks (not Adyen; no auth) under `/_sim/` and `/v71/_sim/`.

use super::notifications::notification_body;
use super::{AdyenSim, SimState};
use crate::kit::delay::Delay;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::Value;
use std::sync::Arc;

// ---- test hooks ---------------------------------------------------------------------------

pub(super) async fn sim_payments(State(sim): State<Arc<AdyenSim>>) -> Response {
    axum::Json(sim.payments()).into_response()
}

pub(super) async fn sim_refunds(State(sim): State<Arc<AdyenSim>>) -> Response {
    axum::Json(sim.refunds()).into_response()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct NotificationFilter {
    event_code: Option<String>,
    psp_reference: Option<String>,
    original_reference: Option<String>,
    merchant_reference: Option<String>,
}

pub(super) async fn sim_notifications(
    State(sim): State<Arc<AdyenSim>>,
    Query(f): Query<NotificationFilter>,
) -> Response {
    let matches = |item: &Value, field: &str, want: &Option<String>| {
        want.as_ref()
            .is_none_or(|w| item[field].as_str() == Some(w))
    };
    let bodies: Vec<Value> = sim
        .notifications()
        .iter()
        .filter(|i| {
            matches(i, "eventCode", &f.event_code)
                && matches(i, "pspReference", &f.psp_reference)
                && matches(i, "originalReference", &f.original_reference)
                && matches(i, "merchantReference", &f.merchant_reference)
        })
        .map(notification_body)
        .collect();
    axum::Json(bodies).into_response()
}

pub(super) async fn sim_fail(
    State(sim): State<Arc<AdyenSim>>,
    body: axum::body::Bytes,
) -> Response {
    crate::kit::fault::arm(&mut sim.lock().fail, &body)
}

pub(super) async fn sim_delay(
    State(sim): State<Arc<AdyenSim>>,
    axum::Json(plan): axum::Json<Delay>,
) -> Response {
    sim.lock().delay.arm(plan)
}

pub(super) async fn sim_reset(State(sim): State<Arc<AdyenSim>>) -> Response {
    let mut st = sim.lock();
    let keys = std::mem::take(&mut st.api_keys);
    let accounts = std::mem::take(&mut st.merchant_accounts);
    let hmac_key = std::mem::take(&mut st.hmac_key);
    *st = SimState {
        api_keys: keys,
        merchant_accounts: accounts,
        hmac_key,
        ..SimState::default()
    };
    StatusCode::NO_CONTENT.into_response()
}

#[derive(Deserialize)]
pub(super) struct AuthenticateParams {
    /// `succeed` (default) or `fail`.
    result: Option<String>,
}

/// Stands in for the issuer's 3-D Secure page behind `action.url`: completes the
/// authentication (an `AUTHORISATION` notification follows) and sends the shopper back
/// to `returnUrl` with a `redirectResult` for `/payments/details`, as Adyen does.
pub(super) async fn sim_authenticate(
    State(sim): State<Arc<AdyenSim>>,
    Path(psp): Path<String>,
    Query(q): Query<AuthenticateParams>,
) -> Response {
    let succeed = q.result.as_deref() != Some("fail");
    let result = sim.lock().authenticate(&psp, succeed);
    match result {
        Err(m) => (StatusCode::BAD_REQUEST, m).into_response(),
        Ok(p) => {
            let token = p.redirect_result.clone().unwrap_or_default();
            let query = form_urlencoded::Serializer::new(String::new())
                .append_pair("redirectResult", &token)
                .finish();
            let sep = if p.return_url.contains('?') { '&' } else { '?' };
            match HeaderValue::from_str(&format!("{}{sep}{query}", p.return_url)) {
                Ok(v) => (StatusCode::SEE_OTHER, [(header::LOCATION, v)]).into_response(),
                Err(_) => axum::Json(p.response()).into_response(),
            }
        }
    }
}

pub(super) async fn sim_refund_failed(
    State(sim): State<Arc<AdyenSim>>,
    Path(psp): Path<String>,
) -> Response {
    let result = sim.lock().refund_failed(&psp);
    match result {
        Ok(v) => axum::Json(v).into_response(),
        Err(m) => (StatusCode::BAD_REQUEST, m).into_response(),
    }
}

#[derive(Deserialize)]
pub(super) struct DisputeStage {
    /// `NOTIFICATION_OF_CHARGEBACK`, `CHARGEBACK`, `CHARGEBACK_REVERSED`, …
    stage: String,
}

/// The scheme moves a dispute of payment `psp` to `?stage=…`: Adyen's notification of it.
pub(super) async fn sim_dispute(
    State(sim): State<Arc<AdyenSim>>,
    Path(psp): Path<String>,
    Query(q): Query<DisputeStage>,
) -> Response {
    let result = sim.lock().dispute(&psp, &q.stage);
    match result {
        Ok(v) => axum::Json(v).into_response(),
        Err(m) => (StatusCode::BAD_REQUEST, m).into_response(),
    }
}

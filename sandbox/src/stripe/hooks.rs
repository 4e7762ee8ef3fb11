//! Test hooks (not Stripe; no auth) under `/_sim/`.

use super::{Ctx, SimState, StripeSim, new_id};
use crate::kit::delay::Delay;
use crate::kit::time::now_secs as now;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::Value;
use std::sync::Arc;

// ---- test hooks ---------------------------------------------------------------------------

pub(super) async fn sim_intents(State(sim): State<Arc<StripeSim>>) -> Response {
    axum::Json(sim.payment_intents()).into_response()
}

pub(super) async fn sim_refunds(State(sim): State<Arc<StripeSim>>) -> Response {
    axum::Json(sim.refunds()).into_response()
}

#[derive(Deserialize)]
pub(super) struct EventFilter {
    #[serde(rename = "type")]
    kind: Option<String>,
}

pub(super) async fn sim_events(
    State(sim): State<Arc<StripeSim>>,
    Query(filter): Query<EventFilter>,
) -> Response {
    let events: Vec<Value> = sim
        .events()
        .into_iter()
        .filter(|e| filter.kind.as_ref().is_none_or(|k| e["type"] == *k))
        .collect();
    axum::Json(events).into_response()
}

pub(super) async fn sim_fail(
    State(sim): State<Arc<StripeSim>>,
    body: axum::body::Bytes,
) -> Response {
    crate::kit::fault::arm(&mut sim.lock().fail, &body)
}

pub(super) async fn sim_delay(
    State(sim): State<Arc<StripeSim>>,
    axum::Json(plan): axum::Json<Delay>,
) -> Response {
    sim.lock().delay.arm(plan)
}

pub(super) async fn sim_reset(State(sim): State<Arc<StripeSim>>) -> Response {
    let mut st = sim.lock();
    let keys = std::mem::take(&mut st.api_keys);
    *st = SimState {
        api_keys: keys,
        ..SimState::default()
    };
    StatusCode::NO_CONTENT.into_response()
}

#[derive(Deserialize)]
pub(super) struct AuthenticateParams {
    /// `succeed` (default) or `fail`.
    result: Option<String>,
}

/// Stands in for the issuer's 3-D Secure page that `next_action` points to: completes
/// the authentication and sends the shopper back to `return_url` as Stripe does
/// (`payment_intent`, `payment_intent_client_secret`, `redirect_status`), or answers the
/// intent as JSON when there is no return URL.
pub(super) async fn sim_authenticate(
    State(sim): State<Arc<StripeSim>>,
    Path(id): Path<String>,
    Query(q): Query<AuthenticateParams>,
) -> Response {
    let succeed = q.result.as_deref() != Some("fail");
    let result = sim.lock().authenticate(&id, succeed, &hook_ctx());
    match result {
        Err(m) => (StatusCode::BAD_REQUEST, m).into_response(),
        Ok(intent) => match &intent.return_url {
            Some(ret) => {
                let status = if succeed { "succeeded" } else { "failed" };
                let query = form_urlencoded::Serializer::new(String::new())
                    .append_pair("payment_intent", &intent.id)
                    .append_pair("payment_intent_client_secret", &intent.client_secret)
                    .append_pair("redirect_status", status)
                    .finish();
                let sep = if ret.contains('?') { '&' } else { '?' };
                let location = format!("{ret}{sep}{query}");
                match HeaderValue::from_str(&location) {
                    Ok(v) => (StatusCode::SEE_OTHER, [(header::LOCATION, v)]).into_response(),
                    Err(_) => axum::Json(intent.to_json()).into_response(),
                }
            }
            None => axum::Json(intent.to_json()).into_response(),
        },
    }
}

#[derive(Deserialize)]
pub(super) struct CloseParams {
    /// `won` or `lost`.
    result: String,
}

/// The scheme decides a dispute (`?result=won|lost`): answers the dispute as Stripe then
/// shows it.
pub(super) async fn sim_close_dispute(
    State(sim): State<Arc<StripeSim>>,
    Path(id): Path<String>,
    Query(q): Query<CloseParams>,
) -> Response {
    let won = match q.result.as_str() {
        "won" => true,
        "lost" => false,
        other => {
            let message = format!("result must be won or lost, not {other}");
            return (StatusCode::BAD_REQUEST, message).into_response();
        }
    };
    match sim.lock().close_dispute(&id, won, &hook_ctx()) {
        Ok(dispute) => axum::Json(dispute).into_response(),
        Err(m) => (StatusCode::BAD_REQUEST, m).into_response(),
    }
}

/// `POST /_sim/payouts`: Stripe's automatic payout, now.
pub(super) async fn sim_run_payouts(State(sim): State<Arc<StripeSim>>) -> Response {
    let ctx = hook_ctx();
    axum::Json(sim.lock().run_payouts(&ctx)).into_response()
}

#[derive(Deserialize)]
pub(super) struct LandParams {
    #[serde(default = "paid")]
    result: String,
}

fn paid() -> String {
    "paid".into()
}

/// `POST /_sim/payouts/{id}/land?result=paid|failed`: the bank's answer.
pub(super) async fn sim_land_payout(
    State(sim): State<Arc<StripeSim>>,
    Path(id): Path<String>,
    Query(q): Query<LandParams>,
) -> Response {
    let paid = match q.result.as_str() {
        "paid" => true,
        "failed" => false,
        other => {
            let message = format!("result must be paid or failed, not {other}");
            return (StatusCode::BAD_REQUEST, message).into_response();
        }
    };
    match sim.lock().land_payout(&id, paid, &hook_ctx()) {
        Ok(payout) => axum::Json(payout).into_response(),
        Err(m) => (StatusCode::BAD_REQUEST, m).into_response(),
    }
}

/// The context of a test hook's change (no request of Stripe's own).
fn hook_ctx() -> Ctx {
    Ctx {
        request_id: new_id("req_", 14),
        idempotency_key: None,
        base_url: String::new(),
        created: now(),
    }
}

//! The HTTP layer of the `/v71/…` API: routing, authentication, bodies, idempotency and
//! execution of one request.

use super::errors::ApiError;
use super::idempotency::{IdemBegin, IdemGuard};
use super::{API_VERSION, AdyenSim, IDEMPOTENCY_KEY_MAX, canonical};
use crate::kit::delay::{Delay, DelayStage};
use crate::kit::fault::Fault;
use axum::body::Bytes;
use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};
use std::sync::Arc;
use std::time::Duration;

// ---- the simulator ------------------------------------------------------------------------

/// What one API request asks for.
pub(super) enum Endpoint {
    PaymentMethods,
    Payments,
    PaymentDetails,
    Modify(&'static str, String),
}

pub(super) fn route(method: &Method, path: &str) -> Option<Endpoint> {
    if method != Method::POST {
        return None;
    }
    let path = path.strip_prefix("/v71")?;
    match path {
        "/paymentMethods" => return Some(Endpoint::PaymentMethods),
        "/payments" => return Some(Endpoint::Payments),
        "/payments/details" => return Some(Endpoint::PaymentDetails),
        _ => {}
    }
    let rest = path.strip_prefix("/payments/")?;
    let (psp, what) = rest.split_once('/')?;
    let kind = match what {
        "refunds" => "refund",
        "captures" => "capture",
        "cancels" => "cancel",
        "reversals" => "reversal",
        _ => return None,
    };
    (!psp.is_empty()).then(|| Endpoint::Modify(kind, psp.to_string()))
}

fn json_response(status: StatusCode, body: &Value) -> Response {
    let mut resp = (status, body.to_string()).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=UTF-8"),
    );
    if let Some(psp) = body["pspReference"].as_str()
        && let Ok(v) = HeaderValue::from_str(psp)
    {
        h.insert("pspreference", v);
    }
    resp
}

/// The vendor base URL as the caller sees it: `http://{Host}{mount}/v71`.
fn base_url(headers: &HeaderMap, uri: &Uri, original: &Uri) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .or_else(|| original.authority().map(|a| a.to_string()))
        .unwrap_or_else(|| "127.0.0.1".into());
    let prefix = original
        .path()
        .strip_suffix(uri.path())
        .unwrap_or("")
        .trim_end_matches('/');
    format!("http://{host}{prefix}/{API_VERSION}")
}

/// Every `/v71/…` request: injected failures, then [`handle`], then an injected delay of
/// the answer.
pub(super) async fn api(
    State(sim): State<Arc<AdyenSim>>,
    method: Method,
    uri: Uri,
    OriginalUri(original): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let fail = sim.take_fail();
    if let Some(plan) = fail.clone().filter(|p| !p.after_write) {
        return injected_failure(plan);
    }
    let delay = sim.take_delay();
    let base = base_url(&headers, &uri, &original);
    let resp = handle(&sim, &method, &uri, &headers, &body, &base, delay).await;
    if let Some(plan) = fail {
        return injected_failure(plan);
    }
    if let Some(d) = delay.filter(|d| d.stage == DelayStage::Response) {
        tokio::time::sleep(Duration::from_millis(d.ms)).await;
    }
    resp
}

fn injected_failure(plan: Fault) -> Response {
    let err = match plan.status.as_u16() {
        401 => ApiError::unauthorized(),
        403 => ApiError::invalid_merchant_account(),
        429 => ApiError::new(429, "000", "validation", "Too many requests"),
        500 => ApiError::new(500, "000", "internal", "An internal error occurred"),
        s if s >= 500 => ApiError::new(s, "000", "internal", "Service temporarily unavailable"),
        s => ApiError::new(s, "000", "validation", "Injected failure"),
    };
    let mut resp = json_response(err.status, &err.body());
    if let Some(s) = plan.retry_after {
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(s));
    }
    resp
}

/// Authentication, routing, body, idempotency and execution of one request.
async fn handle(
    sim: &Arc<AdyenSim>,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &Bytes,
    base: &str,
    delay: Option<Delay>,
) -> Response {
    let key = headers
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .unwrap_or("");
    if key.is_empty() || !sim.lock().api_keys.iter().any(|k| k == key) {
        return json_response(StatusCode::UNAUTHORIZED, &ApiError::unauthorized().body());
    }
    let Some(endpoint) = route(method, uri.path()) else {
        let err = ApiError::new(
            404,
            "000",
            "validation",
            format!("{} {} not found", method, uri.path()),
        );
        return json_response(err.status, &err.body());
    };
    let body: Map<String, Value> = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => m,
        Ok(_) => {
            let err = ApiError::new(
                400,
                "702",
                "validation",
                "Unexpected input: expected a JSON object",
            );
            return json_response(err.status, &err.body());
        }
        Err(e) => {
            let err = ApiError::new(400, "702", "validation", format!("Unexpected input: {e}"));
            return json_response(err.status, &err.body());
        }
    };

    let idem_key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    if idem_key
        .as_ref()
        .is_some_and(|k| k.is_empty() || k.len() > IDEMPOTENCY_KEY_MAX)
    {
        let err = ApiError::new(
            400,
            "702",
            "validation",
            format!("Idempotency-Key must be 1 to {IDEMPOTENCY_KEY_MAX} characters"),
        );
        return json_response(err.status, &err.body());
    }
    let mut guard = None;
    if let Some(k) = &idem_key {
        let fingerprint = format!("{} {}", uri.path(), canonical(&Value::Object(body.clone())));
        match sim.idem_begin(k, &fingerprint) {
            IdemBegin::Fresh => {
                guard = Some(IdemGuard {
                    sim: sim.clone(),
                    key: k.clone(),
                    finished: false,
                })
            }
            IdemBegin::Replay(status, body) => {
                let mut resp = json_response(status, &body);
                if let Ok(v) = HeaderValue::from_str(k) {
                    resp.headers_mut().insert("idempotency-key", v);
                }
                return resp;
            }
            // Adyen documents error 704 for a key whose first request is still being
            // processed, marked retryable with `Transient-Error: true`.
            IdemBegin::InFlight => {
                let err = ApiError::validation("704", "request already processed or in progress");
                let mut resp = json_response(err.status, &err.body());
                resp.headers_mut()
                    .insert("transient-error", HeaderValue::from_static("true"));
                return resp;
            }
            // Adyen's docs say only that a key belongs to one request; the simulator
            // refuses another body (or endpoint) under a used key with the same 704,
            // without the transient marker: retrying cannot help.
            IdemBegin::Mismatch => {
                let err = ApiError::validation("704", "request already processed or in progress");
                return json_response(err.status, &err.body());
            }
        }
    }

    if let Some(d) = delay.filter(|d| d.stage == DelayStage::Processing) {
        tokio::time::sleep(Duration::from_millis(d.ms)).await;
    }

    let outcome = sim.execute(&endpoint, &body, base);
    if let Some(mut g) = guard {
        sim.idem_finish(&g.key, Some(&outcome));
        g.finished = true;
    }
    let mut resp = json_response(outcome.status, &outcome.body);
    if let Some(k) = idem_key.and_then(|k| HeaderValue::from_str(&k).ok()) {
        resp.headers_mut().insert("idempotency-key", k);
    }
    resp
}

//! The HTTP layer of the `/v2/…` API: routing, authentication, bodies, idempotency and
//! execution of one request.

use super::MollieSim;
use super::errors::error_body;
use super::idempotency::{IdemBegin, IdemGuard};
use super::params::parse_form;
use crate::kit::delay::{Delay, DelayStage};
use crate::kit::fault::Fault;
use axum::body::Bytes;
use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

// ---- the simulator ------------------------------------------------------------------------

pub(super) enum Endpoint {
    Methods,
    CreatePayment,
    ListPayments,
    GetPayment(String),
    CreateRefund(String),
    CreateCapture(String),
    ListChargebacks(String),
    ReleaseAuthorization(String),
    ListRefunds(String),
    GetRefund(String, String),
    ListSettlements,
    GetSettlement(String),
    /// A settlement's `payments`, `refunds` or `chargebacks`.
    SettlementItems(String, &'static str),
}

fn route(method: &Method, path: &str) -> Option<Endpoint> {
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    let m = method.as_str();
    Some(match (m, parts.as_slice()) {
        ("GET", ["v2", "methods"]) => Endpoint::Methods,
        ("POST", ["v2", "payments"]) => Endpoint::CreatePayment,
        ("GET", ["v2", "payments"]) => Endpoint::ListPayments,
        ("GET", ["v2", "payments", id]) => Endpoint::GetPayment(id.to_string()),
        ("POST", ["v2", "payments", id, "refunds"]) => Endpoint::CreateRefund(id.to_string()),
        ("POST", ["v2", "payments", id, "captures"]) => Endpoint::CreateCapture(id.to_string()),
        ("GET", ["v2", "payments", id, "chargebacks"]) => Endpoint::ListChargebacks(id.to_string()),
        ("POST", ["v2", "payments", id, "release-authorization"]) => {
            Endpoint::ReleaseAuthorization(id.to_string())
        }
        ("GET", ["v2", "settlements"]) => Endpoint::ListSettlements,
        ("GET", ["v2", "settlements", id]) => Endpoint::GetSettlement(id.to_string()),
        ("GET", ["v2", "settlements", id, what]) => {
            let what = ["payments", "refunds", "chargebacks"]
                .into_iter()
                .find(|w| w == what)?;
            Endpoint::SettlementItems(id.to_string(), what)
        }
        ("GET", ["v2", "payments", id, "refunds"]) => Endpoint::ListRefunds(id.to_string()),
        ("GET", ["v2", "payments", id, "refunds", rid]) => {
            Endpoint::GetRefund(id.to_string(), rid.to_string())
        }
        _ => return None,
    })
}

/// A JSON answer; `Null` is an answer without a body (202 Accepted).
pub(super) fn hal_response(status: StatusCode, body: &Value) -> Response {
    if body.is_null() {
        return status.into_response();
    }
    let mut resp = (status, body.to_string()).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/hal+json"),
    );
    resp
}

/// The mount point's absolute URL: `http://{Host}{prefix}` where the prefix is what
/// `Router::nest` stripped.
pub(super) fn base_url(headers: &HeaderMap, uri: &Uri, original: &Uri) -> String {
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
    format!("http://{host}{prefix}")
}

/// The key from `Authorization: Bearer test_…`, if the simulator knows it.
fn authenticated(sim: &MollieSim, headers: &HeaderMap) -> Option<String> {
    let auth = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, value) = auth.split_once(' ')?;
    let key = value.trim();
    (scheme.eq_ignore_ascii_case("bearer") && sim.lock().api_keys.iter().any(|k| k == key))
        .then(|| key.to_string())
}

fn query_map(uri: &Uri) -> HashMap<String, String> {
    form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn injected_failure(plan: Fault) -> Response {
    let detail = match plan.status.as_u16() {
        429 => "You have exceeded the rate limit. Please slow down your requests.",
        500 => "An internal server error occurred while processing your request",
        502 | 504 => "The gateway did not receive a timely answer from the Mollie API",
        503 => "The Mollie API is temporarily unavailable. Please try again later.",
        _ => "The request could not be processed",
    };
    let status =
        StatusCode::from_u16(plan.status.as_u16()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut resp = hal_response(status, &error_body(status, detail, None));
    if let Some(s) = plan.retry_after {
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(s));
    }
    resp
}

/// Every `/v2/…` request: injected failures, authentication, routing, the body,
/// idempotency, execution, and an injected delay of the answer.
pub(super) async fn api(
    State(sim): State<Arc<MollieSim>>,
    method: Method,
    uri: Uri,
    OriginalUri(original): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    // Injected failures answer before anything executes, unless asked to answer after.
    let fail = sim.take_fail();
    if let Some(plan) = fail.clone().filter(|p| !p.after_write) {
        return injected_failure(plan);
    }
    let delay = sim.take_delay();
    let resp = handle(&sim, &method, &uri, &original, &headers, &body, delay).await;
    if let Some(plan) = fail {
        return injected_failure(plan);
    }
    if let Some(d) = delay.filter(|d| d.stage == DelayStage::Response) {
        tokio::time::sleep(Duration::from_millis(d.ms)).await;
    }
    resp
}

async fn handle(
    sim: &Arc<MollieSim>,
    method: &Method,
    uri: &Uri,
    original: &Uri,
    headers: &HeaderMap,
    body: &Bytes,
    delay: Option<Delay>,
) -> Response {
    let Some(api_key) = authenticated(sim, headers) else {
        let status = StatusCode::UNAUTHORIZED;
        let mut resp = hal_response(
            status,
            &error_body(
                status,
                "Missing authentication, or failed to authenticate",
                None,
            ),
        );
        resp.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"Mollie API\""),
        );
        return resp;
    };
    let Some(endpoint) = route(method, uri.path()) else {
        let status = StatusCode::NOT_FOUND;
        return hal_response(
            status,
            &error_body(
                status,
                &format!("Unrecognized request URL ({method} {})", uri.path()),
                None,
            ),
        );
    };
    // The Settlements API is the organization's: a website profile's API key is refused
    // (the spec's security for it is an access token or OAuth, scope settlements.read).
    let settlements = matches!(
        endpoint,
        Endpoint::ListSettlements | Endpoint::GetSettlement(_) | Endpoint::SettlementItems(..)
    );
    if settlements && !api_key.starts_with("access_") {
        let status = StatusCode::FORBIDDEN;
        let detail = "The settlements API requires an organization access token (access_…) with the settlements.read scope";
        return hal_response(status, &error_body(status, detail, None));
    }

    // The body: JSON (what Mollie's libraries send) or a form with bracket nesting.
    let params: Map<String, Value> = if *method == Method::POST && !body.is_empty() {
        let ctype = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("application/json");
        let parsed = if ctype.starts_with("application/x-www-form-urlencoded") {
            parse_form(body)
        } else if ctype.starts_with("application/json") {
            match serde_json::from_slice::<Value>(body) {
                Ok(Value::Object(m)) => Ok(m),
                Ok(_) => Err("The request body must be a JSON object".to_string()),
                Err(e) => Err(format!("The request body is not valid JSON: {e}")),
            }
        } else {
            let status = StatusCode::UNSUPPORTED_MEDIA_TYPE;
            return hal_response(
                status,
                &error_body(
                    status,
                    &format!("The content type '{ctype}' is not supported"),
                    None,
                ),
            );
        };
        match parsed {
            Ok(m) => m,
            Err(detail) => {
                let status = StatusCode::BAD_REQUEST;
                return hal_response(status, &error_body(status, &detail, None));
            }
        }
    } else {
        Map::new()
    };
    let query = query_map(uri);
    let base = base_url(headers, uri, original);

    // Idempotency: POST only (GET is idempotent by nature and ignores the header).
    let idem_key = (*method == Method::POST)
        .then(|| headers.get("idempotency-key"))
        .flatten()
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .filter(|k| !k.is_empty());
    let mut guard = None;
    if let Some(k) = &idem_key {
        let label = format!("{method} {}", uri.path());
        let fingerprint = Value::Object(params.clone());
        match sim.idem_begin(&api_key, k, &label, &fingerprint) {
            IdemBegin::Fresh => {
                guard = Some(IdemGuard {
                    sim: sim.clone(),
                    api_key: api_key.clone(),
                    key: k.clone(),
                    finished: false,
                })
            }
            IdemBegin::Replay(status, body) => {
                let mut resp = hal_response(status, &body);
                resp.headers_mut()
                    .insert("idempotent-replayed", HeaderValue::from_static("true"));
                return resp;
            }
            IdemBegin::InFlight => {
                let status = StatusCode::CONFLICT;
                return hal_response(
                    status,
                    &error_body(
                        status,
                        "A request with this idempotency key is already being processed",
                        None,
                    ),
                );
            }
            IdemBegin::Mismatch => {
                let status = StatusCode::UNPROCESSABLE_ENTITY;
                return hal_response(
                    status,
                    &error_body(
                        status,
                        "The idempotency key has already been used for a different request",
                        None,
                    ),
                );
            }
        }
    }

    if let Some(d) = delay.filter(|d| d.stage == DelayStage::Processing) {
        tokio::time::sleep(Duration::from_millis(d.ms)).await;
    }

    let outcome = sim.execute(&endpoint, &params, &query, idem_key.is_some(), &base);
    if let Some(mut g) = guard {
        sim.idem_finish(&api_key, &g.key, Some(&outcome));
        g.finished = true;
    }
    hal_response(outcome.status, &outcome.body)
}

//! The HTTP layer of the `/v1/…` API: routing, parameters, idempotency and execution of
//! one request.

use super::auth::{api_key, mask_key, unauthorized};
use super::errors::ApiError;
use super::idempotency::{IdemBegin, IdemGuard};
use super::params::{canonical, parse_form};
use super::{API_VERSION, Ctx, StripeSim, new_id};
use crate::kit::delay::{Delay, DelayStage};
use crate::kit::fault::Fault;
use crate::kit::time::now_secs as now;
use axum::body::Bytes;
use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

// ---- the simulator ------------------------------------------------------------------------

pub(super) enum Endpoint {
    Balance,
    CreateIntent,
    SearchIntents,
    GetIntent(String),
    CaptureIntent(String),
    CancelIntent(String),
    CreateRefund,
    GetRefund(String),
    GetDispute(String),
    ListPayouts,
    GetPayout(String),
    ListBalanceTransactions,
}

fn route(method: &Method, path: &str) -> Option<Endpoint> {
    let rest = path.strip_prefix("/v1/")?;
    let segs: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
    Some(match (method.as_str(), segs.as_slice()) {
        ("GET", ["balance"]) => Endpoint::Balance,
        ("POST", ["payment_intents"]) => Endpoint::CreateIntent,
        ("GET", ["payment_intents", "search"]) => Endpoint::SearchIntents,
        ("GET", ["payment_intents", id]) if !id.is_empty() => Endpoint::GetIntent(id.to_string()),
        ("POST", ["payment_intents", id, "capture"]) if !id.is_empty() => {
            Endpoint::CaptureIntent(id.to_string())
        }
        ("POST", ["payment_intents", id, "cancel"]) if !id.is_empty() => {
            Endpoint::CancelIntent(id.to_string())
        }
        ("POST", ["refunds"]) => Endpoint::CreateRefund,
        ("GET", ["refunds", id]) if !id.is_empty() => Endpoint::GetRefund(id.to_string()),
        ("GET", ["disputes", id]) if !id.is_empty() => Endpoint::GetDispute(id.to_string()),
        ("GET", ["payouts"]) => Endpoint::ListPayouts,
        ("GET", ["payouts", id]) if !id.is_empty() => Endpoint::GetPayout(id.to_string()),
        ("GET", ["balance_transactions"]) => Endpoint::ListBalanceTransactions,
        _ => return None,
    })
}

pub(super) fn json_response(status: StatusCode, body: &Value, request_id: &str) -> Response {
    let mut resp = (status, body.to_string()).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache, no-store"),
    );
    if let Ok(v) = HeaderValue::from_str(request_id) {
        h.insert("request-id", v);
    }
    h.insert("stripe-version", HeaderValue::from_static(API_VERSION));
    resp
}

/// The mount point's absolute URL: `http://{Host}{prefix}` where the prefix is what
/// `Router::nest` stripped.
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
    format!("http://{host}{prefix}")
}

/// Every `/v1/…` request: injected failures, then [`handle`], then an injected delay of
/// the answer.
pub(super) async fn api(
    State(sim): State<Arc<StripeSim>>,
    method: Method,
    uri: Uri,
    OriginalUri(original): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let request_id = new_id("req_", 14);
    // Injected failures answer before anything executes (nothing is saved).
    if let Some(plan) = sim.take_fail() {
        return injected_failure(plan, &request_id);
    }
    let delay = sim.take_delay();
    let req = ApiRequest {
        method,
        uri,
        original,
        headers,
        body,
        request_id,
    };
    let resp = handle(&sim, &req, delay).await;
    // A delayed answer: whatever the request changed has changed already.
    if let Some(d) = delay.filter(|d| d.stage == DelayStage::Response) {
        tokio::time::sleep(Duration::from_millis(d.ms)).await;
    }
    resp
}

struct ApiRequest {
    method: Method,
    uri: Uri,
    original: Uri,
    headers: HeaderMap,
    body: Bytes,
    request_id: String,
}

fn injected_failure(plan: Fault, request_id: &str) -> Response {
    let err = match plan.status.as_u16() {
        // The spec's error types have no `rate_limit_error`: Stripe answers 429 with an
        // invalid_request_error of code `rate_limit`.
        429 => ApiError::new(
            429,
            "invalid_request_error",
            "Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.",
        )
        .code("rate_limit"),
        500 => ApiError::new(500, "api_error", "An unknown error occurred"),
        s => ApiError::new(
            s,
            "api_error",
            "Stripe is temporarily unavailable. Please try again later.",
        ),
    };
    let mut resp = json_response(err.status, &json!({ "error": err.object() }), request_id);
    // Stripe's libraries honour `Stripe-Should-Retry`; Stripe sends no `Retry-After`
    // unless a test asks for one.
    if matches!(plan.status.as_u16(), 429 | 500 | 503) {
        resp.headers_mut()
            .insert("stripe-should-retry", HeaderValue::from_static("true"));
    }
    if let Some(s) = plan.retry_after {
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(s));
    }
    resp
}

/// Authentication, routing, parameters, idempotency and execution of one request.
async fn handle(sim: &Arc<StripeSim>, req: &ApiRequest, delay: Option<Delay>) -> Response {
    let ApiRequest {
        method,
        uri,
        original,
        headers,
        body,
        request_id,
    } = req;
    let request_id = request_id.as_str();
    let ctx_created = now();

    // 2. Authentication.
    let key = match api_key(headers) {
        None => {
            let err = ApiError::new(
                401,
                "invalid_request_error",
                "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.",
            );
            return unauthorized(&err, request_id);
        }
        Some(k) if !sim.lock().api_keys.contains(&k) => {
            let err = ApiError::new(
                401,
                "invalid_request_error",
                format!("Invalid API Key provided: {}", mask_key(&k)),
            )
            .code("api_key_invalid");
            return unauthorized(&err, request_id);
        }
        Some(k) => k,
    };

    // 3. Routing.
    let Some(endpoint) = route(method, uri.path()) else {
        let err = ApiError::new(
            404,
            "invalid_request_error",
            format!(
                "Unrecognized request URL ({}: {}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.",
                method,
                uri.path()
            ),
        );
        return json_response(err.status, &json!({ "error": err.object() }), request_id);
    };

    // 4. Parameters: the query string for GET, the form body for POST.
    let raw: &[u8] = if method == Method::GET {
        uri.query().unwrap_or("").as_bytes()
    } else {
        let ctype = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("application/x-www-form-urlencoded");
        if !body.is_empty() && !ctype.starts_with("application/x-www-form-urlencoded") {
            let err = ApiError::invalid(format!(
                "Invalid request: unsupported Content-Type {ctype}. If error persists and you need assistance, please contact support@stripe.com."
            ));
            return json_response(err.status, &json!({ "error": err.object() }), request_id);
        }
        body
    };
    let params = match parse_form(raw) {
        Ok(p) => p,
        Err(m) => {
            let err = ApiError::invalid(m);
            return json_response(err.status, &json!({ "error": err.object() }), request_id);
        }
    };

    // 5. Idempotency: POST only (GET is idempotent by definition and ignores the header).
    let idem_key = (method == Method::POST)
        .then(|| headers.get("idempotency-key"))
        .flatten()
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    if idem_key.as_ref().is_some_and(|k| k.len() > 255) {
        let err =
            ApiError::invalid("Invalid Idempotency-Key: keys can be at most 255 characters long.");
        return json_response(err.status, &json!({ "error": err.object() }), request_id);
    }
    let mut guard = None;
    if let Some(k) = &idem_key {
        let endpoint_label = format!("{} {}", method, uri.path());
        let fingerprint = canonical(&Value::Object(params.clone()));
        match sim.idem_begin(&key, k, &endpoint_label, &fingerprint) {
            IdemBegin::Fresh => {
                guard = Some(IdemGuard {
                    sim: sim.clone(),
                    api_key: key.clone(),
                    key: k.clone(),
                    finished: false,
                })
            }
            IdemBegin::Replay(status, body, original_request) => {
                let mut resp = json_response(status, &body, request_id);
                let h = resp.headers_mut();
                h.insert("idempotent-replayed", HeaderValue::from_static("true"));
                if let Ok(v) = HeaderValue::from_str(&original_request) {
                    h.insert("original-request", v);
                }
                if let Ok(v) = HeaderValue::from_str(k) {
                    h.insert("idempotency-key", v);
                }
                return resp;
            }
            IdemBegin::InFlight => {
                let err = ApiError::new(
                    409,
                    "invalid_request_error",
                    "There is currently another in-progress request using this Idempotent Key (probably because of a network timeout). Please try again later.",
                )
                .code("idempotency_key_in_use");
                return json_response(err.status, &json!({ "error": err.object() }), request_id);
            }
            IdemBegin::Mismatch(message) => {
                let err = ApiError::new(400, "idempotency_error", message);
                return json_response(err.status, &json!({ "error": err.object() }), request_id);
            }
        }
    }

    if let Some(d) = delay.filter(|d| d.stage == DelayStage::Processing) {
        tokio::time::sleep(Duration::from_millis(d.ms)).await;
    }

    // 6. Execute.
    let ctx = Ctx {
        request_id: request_id.to_string(),
        idempotency_key: idem_key.clone(),
        base_url: base_url(headers, uri, original),
        created: ctx_created,
    };
    let outcome = sim.execute(&endpoint, &params, &ctx);
    if let Some(mut g) = guard {
        sim.idem_finish(&key, &g.key, Some((&outcome, request_id)));
        g.finished = true;
    }

    let mut resp = json_response(outcome.status, &outcome.body, request_id);
    if let Some(k) = idem_key.and_then(|k| HeaderValue::from_str(&k).ok()) {
        resp.headers_mut().insert("idempotency-key", k);
    }
    resp
}

//! The HTTP layer of the `/v1/…` API: base URL, authentication, routing, request
//! parsing and JSON answers.

use super::errors::{ApiError, charge_not_found, injected_failure};
use super::{SANDBOX_PRIVATE_KEY, SANDBOX_PUBLIC_KEY, UnzerSim, random};
use axum::body::Bytes;
use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use beep_sdk::money;
use serde_json::{Map, Value, json};
use std::sync::Arc;

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

/// Which key authenticated: `Basic base64("{key}:")`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum KeyKind {
    Private,
    Public,
}

fn authenticated(headers: &HeaderMap) -> Option<KeyKind> {
    let auth = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, value) = auth.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(value.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':').unwrap_or((&text, ""));
    if !password.is_empty() {
        return None;
    }
    match user {
        SANDBOX_PRIVATE_KEY => Some(KeyKind::Private),
        SANDBOX_PUBLIC_KEY => Some(KeyKind::Public),
        _ => None,
    }
}

/// Every `/v1/…` request: injected failures, authentication, routing, execution.
pub(super) async fn api(
    State(sim): State<Arc<UnzerSim>>,
    method: Method,
    uri: Uri,
    OriginalUri(original): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let base = base_url(&headers, &uri, &original);
    let url = format!("{base}{}", uri.path());
    let fail = sim.take_fail();
    if let Some(plan) = fail.clone().filter(|p| !p.after_write) {
        return injected_failure(plan, &url);
    }
    let resp = match handle(&sim, &method, &uri, &headers, &body, &base) {
        Ok((status, v)) => json_response(status, &v),
        Err(e) => e.response(&url),
    };
    match fail {
        Some(plan) => injected_failure(plan, &url),
        None => resp,
    }
}

fn handle(
    sim: &UnzerSim,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &Bytes,
    base: &str,
) -> Result<(StatusCode, Value), ApiError> {
    let Some(key) = authenticated(headers) else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "API.000.000.001",
            "Unauthorized access. Please check your private key.",
        ));
    };
    let segments: Vec<&str> = uri
        .path()
        .trim_start_matches("/v1/")
        .trim_end_matches('/')
        .split('/')
        .collect();
    let params: Map<String, Value> = if *method == Method::POST && !body.is_empty() {
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(m)) => m,
            _ => {
                return Err(ApiError::bad(
                    "API.000.000.002",
                    "The request body is not a valid JSON object.",
                ));
            }
        }
    } else {
        Map::new()
    };
    let private_only = || {
        (key == KeyKind::Private).then_some(()).ok_or_else(|| {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "API.000.000.001",
                "This resource requires the private key.",
            )
        })
    };
    let mut st = sim.lock();
    match (method.clone(), segments.as_slice()) {
        (Method::GET, ["keypair"]) => Ok((
            StatusCode::OK,
            json!({
                "publicKey": SANDBOX_PUBLIC_KEY,
                "secureLevel": "SAQ-A",
                "alias": "BEEP! Sandbox",
                "merchantName": "BEEP! Sandbox Merchant",
                "availablePaymentTypes": ["card", "paypal"],
            }),
        )),
        (Method::POST, ["types", kind @ ("card" | "paypal")]) => {
            let id = match *kind {
                "card" => {
                    let number = str_field(&params, "number").unwrap_or("");
                    if number.len() < 12 || !number.bytes().all(|b| b.is_ascii_digit()) {
                        return Err(ApiError::bad(
                            "API.710.200.100",
                            "The card number is invalid.",
                        ));
                    }
                    format!("s-crd-{}", random(12).to_ascii_lowercase())
                }
                _ => format!("s-ppl-{}", random(12).to_ascii_lowercase()),
            };
            Ok((StatusCode::OK, json!({ "id": id, "method": kind })))
        }
        (Method::POST, ["payments", "charges"]) => {
            private_only()?;
            Ok((StatusCode::OK, st.create_charge(&params, base, false)?))
        }
        (Method::POST, ["payments", "authorize"]) => {
            private_only()?;
            Ok((StatusCode::OK, st.create_charge(&params, base, true)?))
        }
        (Method::POST, ["payments", id, "charges"]) => {
            private_only()?;
            Ok((StatusCode::OK, st.charge_authorization(id, &params, base)?))
        }
        (Method::POST, ["payments", id, "authorize", "cancels"]) => {
            private_only()?;
            Ok((StatusCode::OK, st.reverse_authorization(id, &params, base)?))
        }
        (Method::GET, ["payments", id]) => {
            private_only()?;
            let p = st.pay(id)?;
            Ok((StatusCode::OK, st.payment_json(p, base)))
        }
        (Method::GET, ["payments", id, "charges", cid]) => {
            private_only()?;
            let p = st.pay(id)?;
            let c = p
                .charges
                .iter()
                .find(|c| c.id == *cid)
                .ok_or_else(|| charge_not_found(id, cid))?;
            Ok((StatusCode::OK, st.charge_json(p, c, base)))
        }
        (Method::POST, ["payments", id, "charges", cid, "cancels"]) => {
            private_only()?;
            Ok((StatusCode::OK, st.create_cancel(id, cid, &params, base)?))
        }
        (Method::GET, ["payments", id, "charges", cid, "cancels", xid]) => {
            private_only()?;
            let p = st.pay(id)?;
            let c = p
                .cancels
                .iter()
                .find(|c| c.charge_id == *cid && c.id == *xid)
                .ok_or_else(|| {
                    ApiError::new(
                        StatusCode::NOT_FOUND,
                        "API.310.100.005",
                        format!("Cancel {xid} of charge {cid} does not exist."),
                    )
                })?;
            Ok((StatusCode::OK, st.cancel_json(p, c, base)))
        }
        _ => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "API.000.000.404",
            format!("Unknown resource: {method} {}", uri.path()),
        )),
    }
}

pub(super) fn json_response(status: StatusCode, body: &Value) -> Response {
    let mut resp = (status, body.to_string()).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=UTF-8"),
    );
    resp
}

/// `amount` of a request (a JSON number or a decimal string) in minor units, exactly.
pub(super) fn parse_amount(value: Option<&Value>, currency: &str) -> Result<i64, ApiError> {
    let text = match value {
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::String(s)) => s.clone(),
        None | Some(Value::Null) => {
            return Err(ApiError::bad("API.330.100.007", "The amount is missing."));
        }
        Some(other) => {
            return Err(ApiError::bad(
                "API.330.100.007",
                format!("The amount {other} is not a number."),
            ));
        }
    };
    let minor = money::from_major_str(&text, currency).map_err(|_| {
        ApiError::bad(
            "API.330.100.007",
            format!("The amount {text} is not a valid {currency} amount."),
        )
    })?;
    if minor <= 0 {
        return Err(ApiError::bad(
            "API.330.100.007",
            format!("The amount {text} must be greater than zero."),
        ));
    }
    Ok(minor)
}

pub(super) fn str_field<'a>(body: &'a Map<String, Value>, field: &str) -> Option<&'a str> {
    body.get(field)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

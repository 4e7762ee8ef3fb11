//! Request parsing shared by the handlers: JSON bodies, `AmountOfMoney` and the
//! simulator's own base URL.

use super::errors::bad_request;
use axum::body::Bytes;
use axum::http::{HeaderMap, header};
use axum::response::Response;
use serde_json::Value;

#[allow(clippy::result_large_err)] // a handler's early answer
pub(super) fn parse_json(body: &Bytes) -> Result<Value, Response> {
    serde_json::from_slice(body).map_err(|e| {
        bad_request(
            "INVALID_JSON",
            &format!("The request body is not valid JSON: {e}"),
            "body",
        )
    })
}

/// An `AmountOfMoney` as the spec has it: an integer with two implied decimals.
#[allow(clippy::result_large_err)] // a handler's early answer
pub(super) fn parse_amount(
    v: &Value,
    property: &str,
    positive: bool,
) -> Result<(i64, String), Response> {
    let amount = v["amount"].as_i64();
    let currency = v["currencyCode"].as_str().unwrap_or("");
    let min = if positive { 1 } else { 0 };
    let Some(amount) = amount.filter(|a| (min..=999_999_999_999).contains(a)) else {
        return Err(bad_request(
            "INVALID_VALUE",
            "amount must be an integer amount in cents",
            &format!("{property}.amount"),
        ));
    };
    if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(bad_request(
            "INVALID_VALUE",
            "currencyCode must be a three-letter ISO 4217 code",
            &format!("{property}.currencyCode"),
        ));
    }
    if beep_sdk::money::exponent(currency) == Some(0) && amount % 100 != 0 {
        return Err(bad_request(
            "INVALID_VALUE",
            &format!("{currency} has no decimals: the amount (in cents) must be a multiple of 100"),
            &format!("{property}.amount"),
        ));
    }
    Ok((amount, currency.to_string()))
}

/// The origin and mount prefix of the request, for absolute URLs to the simulator.
pub(super) fn base_url(headers: &HeaderMap, uri: &axum::http::Uri) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("127.0.0.1");
    let path = uri.path();
    let prefix = path.find("/v1/").map(|i| &path[..i]).unwrap_or("");
    format!("http://{host}{prefix}")
}

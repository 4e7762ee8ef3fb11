//! The Service Layer's error answer (`{"error": {"code", "message": {"lang", "value"}}}`)
//! and the answers of an injected failure.

use super::SimState;
use crate::kit::fault::Stage;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

pub(super) fn sap_error(status: StatusCode, code: i64, message: &str) -> Response {
    let body = json!({"error": {"code": code, "message": {"lang": "en-us", "value": message}}});
    (status, axum::Json(body)).into_response()
}

pub(super) fn invalid_session() -> Response {
    sap_error(StatusCode::UNAUTHORIZED, 301, "Invalid session.")
}

pub(super) fn bad(message: &str) -> Response {
    sap_error(StatusCode::BAD_REQUEST, -1000, message)
}

fn failure_response(status: StatusCode) -> Response {
    let text = match status {
        StatusCode::TOO_MANY_REQUESTS => "Too many requests",
        StatusCode::SERVICE_UNAVAILABLE => "Service Unavailable",
        _ => "Internal Server Error",
    };
    let mut resp = sap_error(status, -1, text);
    if status == StatusCode::TOO_MANY_REQUESTS {
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    }
    resp
}

/// A simulated failure, if one is armed for this point: before a request is handled,
/// or (`after_write`) after a document was booked.
pub(super) fn take_failure_at(st: &mut SimState, after_write: bool) -> Option<Response> {
    let stage = if after_write {
        Stage::AfterWrite
    } else {
        Stage::BeforeRequest
    };
    Some(failure_response(st.failure.take_at(stage)?.status))
}

pub(super) fn take_failure(st: &mut SimState) -> Option<Response> {
    take_failure_at(st, false)
}

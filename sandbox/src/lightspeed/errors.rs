//! Error answers: `{"error", "details"}`, the spec's 401, an injected failure and the
//! fallback of unknown routes.

use super::SimState;
use crate::kit::fault::Stage;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

pub(super) fn take_failure(state: &mut SimState) -> Option<Response> {
    let status = state.failure.take_at(Stage::BeforeRequest)?.status;
    Some(if status == StatusCode::TOO_MANY_REQUESTS {
        let mut resp = error(status, "Too Many Requests", "rate limit exceeded");
        // Spec silent on the header's form: delta-seconds.
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        resp
    } else {
        error(status, "Internal Server Error", "simulated server error")
    })
}

/// Spec silent on most error bodies (it shows only `{"error": …}` for 401); we answer
/// `{"error", "details"}` as API 0.9 did.
pub(super) fn error(status: StatusCode, error: &str, details: &str) -> Response {
    (
        status,
        axum::Json(json!({"error": error, "details": details})),
    )
        .into_response()
}

pub(super) fn unauthorized() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        axum::Json(json!({"error": "Access token is not valid"})),
    )
        .into_response()
}

pub(super) fn bad_request(details: &str) -> Response {
    error(StatusCode::BAD_REQUEST, "Bad Request", details)
}

pub(super) async fn fallback() -> Response {
    error(StatusCode::NOT_FOUND, "Not Found", "no such resource")
}

//! Error answers (the spec's `…ErrorModel`) and response helpers.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// The spec's error models are all `{"message","code"}`.
pub(super) fn error(status: StatusCode, code: Option<&str>, message: &str) -> Response {
    let body = match code {
        Some(code) => json!({ "code": code, "message": message }),
        None => json!({ "message": message }),
    };
    (status, axum::Json(body)).into_response()
}

/// Spec: 401 "Missing or invalid http-authentication" carries no documented body. We add
/// the usual `WWW-Authenticate` challenge and a message-only body.
pub(super) fn unauthorized() -> Response {
    let mut resp = error(
        StatusCode::UNAUTHORIZED,
        None,
        "missing or invalid http-authentication",
    );
    resp.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic realm=\"KORONA.cloud\""),
    );
    resp
}

pub(super) fn bad_request(code: &str, message: &str) -> Response {
    error(StatusCode::BAD_REQUEST, Some(code), message)
}

/// A Korona error answer, small enough to travel in a `Result`.
pub(super) struct ApiError {
    pub(super) status: StatusCode,
    pub(super) code: &'static str,
    pub(super) message: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        error(self.status, Some(self.code), &self.message)
    }
}

pub(super) fn not_found(code: &str, message: &str) -> Response {
    error(StatusCode::NOT_FOUND, Some(code), message)
}

pub(super) fn json_bytes(status: StatusCode, body: Vec<u8>) -> Response {
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}

pub(super) fn cents(v: i64) -> f64 {
    v as f64 / 100.0
}

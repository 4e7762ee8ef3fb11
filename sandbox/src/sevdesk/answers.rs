//! Answer bodies: the spec's error shape, `{"objects": [...]}` lists and number formats.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::SEV_CLIENT_ID;

/// The spec's `validationError`: `{"error": {"message", "exceptionUUID"}}`. Spec silent
/// on the bodies of other errors: we use the same shape for all of them.
pub(super) fn error(status: StatusCode, message: &str) -> Response {
    let body = json!({
        "error": {
            "message": message,
            "exceptionUUID": uuid::Uuid::new_v4().to_string(),
        }
    });
    (status, axum::Json(body)).into_response()
}

/// 401: the spec's description of it is "Authentication required".
pub(super) fn unauthorized() -> Response {
    error(StatusCode::UNAUTHORIZED, "Authentication required")
}

/// An error answer small enough to travel in a `Result`.
pub(super) struct ApiError {
    status: StatusCode,
    message: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        error(self.status, &self.message)
    }
}

/// A 400 as an [`ApiError`].
pub(super) fn invalid(message: &str) -> ApiError {
    ApiError {
        status: StatusCode::BAD_REQUEST,
        message: message.to_string(),
    }
}

pub(super) fn bad_request(message: &str) -> Response {
    error(StatusCode::BAD_REQUEST, message)
}

pub(super) fn unprocessable(message: &str) -> Response {
    error(StatusCode::UNPROCESSABLE_ENTITY, message)
}

fn json_bytes(status: StatusCode, body: Vec<u8>) -> Response {
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

pub(super) fn ok(value: Value) -> Response {
    (StatusCode::OK, axum::Json(value)).into_response()
}

pub(super) fn created(value: Value) -> Response {
    (StatusCode::CREATED, axum::Json(value)).into_response()
}

/// `{"objects": [...]}` around already serialised objects (plus `"total"` with `countAll`).
pub(super) fn objects(items: Vec<u8>, total: Option<usize>) -> Response {
    let mut body = Vec::with_capacity(items.len() + 32);
    body.extend_from_slice(b"{");
    if let Some(total) = total {
        // The spec's example shows the total as a string.
        body.extend_from_slice(format!("\"total\":\"{total}\",").as_bytes());
    }
    body.extend_from_slice(b"\"objects\":");
    body.extend_from_slice(&items);
    body.push(b'}');
    json_bytes(StatusCode::OK, body)
}

pub(super) fn reference(id: u64, object_name: &str) -> Value {
    json!({"id": id.to_string(), "objectName": object_name})
}

pub(super) fn sev_client() -> Value {
    reference(SEV_CLIENT_ID, "SevClient")
}

/// Decimal strings as the `…Response` models carry them ("119.00" is shown as "119").
pub(super) fn dec(v: f64) -> String {
    let rounded = (v * 100.0).round() / 100.0;
    if rounded.fract() == 0.0 {
        format!("{rounded:.0}")
    } else {
        format!("{rounded}")
    }
}

pub(super) fn cents(v: i64) -> f64 {
    v as f64 / 100.0
}

pub(super) fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

//! PCP's `ErrorResponse` and the common error answers.

use super::uuid;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// PCP's `ErrorResponse`.
pub(super) fn error(
    status: StatusCode,
    code: &str,
    id: &str,
    message: &str,
    property: Option<&str>,
) -> Response {
    let category = match status.as_u16() {
        401 | 403 => "DIRECT_PLATFORM_ERROR",
        402 => "PAYMENT_PLATFORM_ERROR",
        500.. => "IO_ERROR",
        _ => "COMMERCE_PLATFORM_ERROR",
    };
    let mut e = json!({
        "errorCode": code,
        "category": category,
        "httpStatusCode": status.as_u16(),
        "id": id,
        "message": message,
    });
    if let Some(p) = property {
        e["propertyName"] = json!(p);
    }
    (
        status,
        axum::Json(json!({"errorId": uuid(), "errors": [e]})),
    )
        .into_response()
}

pub(super) fn bad_request(id: &str, message: &str, property: &str) -> Response {
    error(
        StatusCode::BAD_REQUEST,
        "40000001",
        id,
        message,
        Some(property),
    )
}

pub(super) fn not_found(what: &str) -> Response {
    error(
        StatusCode::NOT_FOUND,
        "40400001",
        "RESOURCE_NOT_FOUND",
        &format!("{what} not found"),
        None,
    )
}

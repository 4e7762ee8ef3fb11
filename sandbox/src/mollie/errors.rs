//! Mollie's error object and the result of executing one request.

use axum::http::StatusCode;
use serde_json::{Value, json};

// ---- errors -------------------------------------------------------------------------------

/// Mollie's error object (`components.schemas.error-response`).
#[derive(Debug)]
pub(super) struct ApiError {
    pub(super) status: StatusCode,
    pub(super) detail: String,
    pub(super) field: Option<String>,
}

impl ApiError {
    pub(super) fn new(status: u16, detail: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
            detail: detail.into(),
            field: None,
        }
    }
    /// 422 Unprocessable Entity about `field`.
    pub(super) fn unprocessable(field: &str, detail: impl Into<String>) -> Self {
        ApiError {
            field: Some(field.into()),
            ..Self::new(422, detail)
        }
    }
    fn body(&self) -> Value {
        error_body(self.status, &self.detail, self.field.as_deref())
    }
}

pub(super) fn missing(field: &str) -> ApiError {
    ApiError::unprocessable(field, format!("The '{field}' field is missing"))
}

fn title(status: StatusCode) -> &'static str {
    match status.as_u16() {
        401 => "Unauthorized Request",
        s => StatusCode::from_u16(s)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("Error"),
    }
}

pub(super) fn error_body(status: StatusCode, detail: &str, field: Option<&str>) -> Value {
    let mut body = json!({
        "status": status.as_u16(),
        "title": title(status),
        "detail": detail,
    });
    if let Some(f) = field {
        body["field"] = Value::String(f.to_string());
    }
    body["_links"] = json!({
        "documentation": {
            "href": "https://docs.mollie.com/overview/handling-errors",
            "type": "text/html"
        }
    });
    body
}

/// The result of executing one API request.
pub(super) struct Outcome {
    pub(super) status: StatusCode,
    pub(super) body: Value,
}

impl From<ApiError> for Outcome {
    fn from(e: ApiError) -> Self {
        Outcome {
            status: e.status,
            body: e.body(),
        }
    }
}

//! Adyen's `ServiceError` and the result of executing one request.

use super::new_psp;
use axum::http::StatusCode;
use serde_json::{Value, json};

// ---- errors and outcomes ------------------------------------------------------------------

/// Adyen's `ServiceError`.
#[derive(Debug)]
pub(super) struct ApiError {
    pub(super) status: StatusCode,
    code: &'static str,
    message: String,
    kind: &'static str,
    psp: bool,
}

impl ApiError {
    pub(super) fn new(
        status: u16,
        code: &'static str,
        kind: &'static str,
        message: impl Into<String>,
    ) -> Self {
        ApiError {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY),
            code,
            message: message.into(),
            kind,
            psp: status != 401 && status != 400,
        }
    }
    /// 422 with `errorType` validation.
    pub(super) fn validation(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(422, code, "validation", message)
    }
    pub(super) fn unauthorized() -> Self {
        Self::new(
            401,
            "000",
            "security",
            "HTTP Status Response - Unauthorized",
        )
    }
    pub(super) fn invalid_merchant_account() -> Self {
        Self::new(403, "901", "security", "Invalid Merchant Account")
    }
    pub(super) fn body(&self) -> Value {
        let mut body = json!({
            "status": self.status.as_u16(),
            "errorCode": self.code,
            "message": self.message,
            "errorType": self.kind,
        });
        if self.psp {
            body["pspReference"] = json!(new_psp());
        }
        body
    }
}

/// The result of executing one API request. 2xx answers are stored under the
/// idempotency key; errors are not, so a corrected retry with the key works.
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

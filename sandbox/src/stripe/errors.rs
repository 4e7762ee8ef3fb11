//! Stripe's error object and the result of executing one request.

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

/// The result of executing one API request.
pub(super) struct Outcome {
    pub(super) status: StatusCode,
    pub(super) body: Value,
    /// Whether the answer is stored under the idempotency key. Stripe saves results only
    /// once an endpoint began executing: parameter validation failures are not saved,
    /// declines and other business errors are.
    pub(super) save: bool,
}

impl Outcome {
    pub(super) fn ok(body: Value) -> Self {
        Outcome {
            status: StatusCode::OK,
            body,
            save: true,
        }
    }
}

/// Builder of Stripe's `error` object (`components.schemas.error` / `api_errors`).
pub(super) struct ApiError {
    pub(super) status: StatusCode,
    fields: Map<String, Value>,
    save: bool,
}

impl ApiError {
    pub(super) fn new(status: u16, kind: &str, message: impl Into<String>) -> Self {
        let mut fields = Map::new();
        fields.insert("message".into(), Value::String(message.into()));
        fields.insert("type".into(), Value::String(kind.into()));
        ApiError {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
            fields,
            save: false,
        }
    }
    /// 400 `invalid_request_error`.
    pub(super) fn invalid(message: impl Into<String>) -> Self {
        Self::new(400, "invalid_request_error", message)
    }
    pub(super) fn code(mut self, code: &str) -> Self {
        self.fields
            .insert("code".into(), Value::String(code.into()));
        self.fields.insert(
            "doc_url".into(),
            Value::String(format!(
                "https://stripe.com/docs/error-codes/{}",
                code.replace('_', "-")
            )),
        );
        self
    }
    pub(super) fn param(mut self, param: &str) -> Self {
        self.fields
            .insert("param".into(), Value::String(param.into()));
        self
    }
    pub(super) fn field(mut self, name: &str, value: Value) -> Self {
        self.fields.insert(name.into(), value);
        self
    }
    /// An error raised while the endpoint executed: stored under the idempotency key.
    pub(super) fn saved(mut self) -> Self {
        self.save = true;
        self
    }
    pub(super) fn object(&self) -> Value {
        Value::Object(self.fields.clone())
    }
}

impl From<ApiError> for Outcome {
    fn from(e: ApiError) -> Self {
        Outcome {
            status: e.status,
            body: json!({ "error": e.object() }),
            save: e.save,
        }
    }
}

pub(super) fn missing(param: &str) -> ApiError {
    ApiError::invalid(format!("Missing required param: {param}."))
        .code("parameter_missing")
        .param(param)
}

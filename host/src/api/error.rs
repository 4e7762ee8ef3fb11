//! Failures as HTTP responses.

use crate::error::Failure;
use crate::error::answer::{error_answer, retry_after};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The `error.code` of an error answer, carried to the metrics middleware.
#[derive(Clone)]
pub struct AnswerCode(pub String);

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let (status, body) = error_answer(&self);
        let code = body["error"]["code"].as_str().map(str::to_string);
        let mut response = (
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            axum::Json(body),
        )
            .into_response();
        if let Some(code) = code {
            response.extensions_mut().insert(AnswerCode(code));
        }
        if let Some(after) = retry_after(&self) {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(after));
        }
        response
    }
}

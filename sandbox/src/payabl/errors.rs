//! payabl.'s error answer (`errorcode` and `errormessage`) and the plain-text HTTP
//! error of an injected failure.

use super::Answer;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

pub(super) fn error(code: &str, message: impl Into<String>) -> Answer {
    vec![
        ("errorcode", code.to_string()),
        ("errormessage", message.into()),
    ]
}

pub(super) fn injected_failure(status: u16) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut resp = (
        status,
        format!(
            "{} {}",
            status.as_u16(),
            status.canonical_reason().unwrap_or("Error")
        ),
    )
        .into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=ISO-8859-1"),
    );
    resp
}

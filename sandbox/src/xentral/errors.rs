//! xentral's error answers: RFC 7807 problem documents, the `text/html` 401 and the
//! plain-text answers of an injected failure.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

pub(super) fn problem(
    status: StatusCode,
    kind: &str,
    title: &str,
    messages: Vec<String>,
) -> Response {
    let body = json!({
        "type": format!("https://api.xentral.biz/problems/{kind}"),
        "title": title,
        "messages": messages,
    });
    (
        status,
        [(header::CONTENT_TYPE, "application/problem+json")],
        body.to_string(),
    )
        .into_response()
}

pub(super) fn bad_request(message: &str) -> Response {
    problem(
        StatusCode::BAD_REQUEST,
        "generic-validation",
        "Request validation failed.",
        vec![message.to_string()],
    )
}

pub(super) fn not_found() -> Response {
    problem(
        StatusCode::NOT_FOUND,
        "not-found",
        "Resource was not found or not enough access privileges",
        vec![],
    )
}

pub(super) fn unauthorized() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        [(header::CONTENT_TYPE, "text/html")],
        "Unauthorized",
    )
        .into_response()
}

pub(super) fn failure_response(status: StatusCode) -> Response {
    let text = match status {
        StatusCode::TOO_MANY_REQUESTS => "Too many API calls made.",
        StatusCode::SERVICE_UNAVAILABLE => "Service Unavailable",
        _ => "Internal Server Error",
    };
    let mut resp = (status, [(header::CONTENT_TYPE, "text/html")], text).into_response();
    if status == StatusCode::TOO_MANY_REQUESTS {
        // Spec silent on the header: seconds to wait.
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    }
    resp
}

/// A 400 with one message.
pub(super) struct Bad(pub(super) String);

impl IntoResponse for Bad {
    fn into_response(self) -> Response {
        bad_request(&self.0)
    }
}

//! The protocol's bearer token.

use super::DEMO_TOKEN;
use super::errors::error;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;

pub(super) fn authorized(headers: &HeaderMap) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == format!("Bearer {DEMO_TOKEN}"))
}

pub(super) fn unauthorized() -> Response {
    let mut resp = error(
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "missing or invalid bearer token",
    );
    resp.headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    resp
}

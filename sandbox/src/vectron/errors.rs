//! The spec's `VndErrors` answer, injected failures and the fallback of unknown routes.

use super::SimState;
use axum::extract::OriginalUri;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// The spec's `VndErrors`.
pub(super) fn error(status: StatusCode, request: &str, message: &str) -> Response {
    let body = json!({
        "code": status.as_u16(),
        "status": status.as_u16(),
        "message": message,
        "logref": format!("sim-{}", status.as_u16()),
        "service": "business-data-api",
        "request": request,
        "timestamp": "2026-01-05T07:00:00",
    });
    (status, axum::Json(body)).into_response()
}

/// Counts the request and plays an injected failure, if one is pending.
pub(super) fn injected(state: &mut SimState, request: &str) -> Option<Response> {
    state.requests += 1;
    let f = state.failure.as_mut()?;
    if f.skip > 0 {
        f.skip -= 1;
        return None;
    }
    f.remaining -= 1;
    let (status, retry_after) = (f.status, f.retry_after);
    if f.remaining == 0 {
        state.failure = None;
    }
    if status == StatusCode::TOO_MANY_REQUESTS {
        let mut resp = error(status, request, "Too many requests");
        resp.headers_mut()
            .insert(header::RETRY_AFTER, retry_after.into());
        return Some(resp);
    }
    Some(error(status, request, "Service temporarily unavailable"))
}

pub(super) async fn fallback(uri: OriginalUri) -> Response {
    error(StatusCode::NOT_FOUND, uri.path(), "Not Found")
}

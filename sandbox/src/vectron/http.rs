//! Path parameters: UUIDs and the one site.

use super::SITE_ID;
use super::errors::error;
use axum::http::StatusCode;
use axum::response::Response;

pub(super) fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// Checks a `{siteId}` path parameter: 400 not a UUID, 404 unknown.
pub(super) fn check_site(site_id: &str, request: &str) -> Option<Response> {
    if !is_uuid(site_id) {
        return Some(error(
            StatusCode::BAD_REQUEST,
            request,
            "siteId is not a UUID",
        ));
    }
    if site_id != SITE_ID {
        return Some(error(StatusCode::NOT_FOUND, request, "Site not found"));
    }
    None
}

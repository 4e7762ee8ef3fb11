//! API key authentication.

use super::errors::ApiError;
use super::http::json_response;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use base64::Engine as _;
use serde_json::json;

/// Masks a key as Stripe does in "Invalid API Key provided": the `sk_test_` style prefix
/// and the last four characters stay, everything between becomes `*`.
pub(super) fn mask_key(key: &str) -> String {
    let prefix_len = [
        "sk_test_", "sk_live_", "rk_test_", "rk_live_", "pk_test_", "pk_live_",
    ]
    .iter()
    .find(|p| key.starts_with(**p))
    .map_or(0, |p| p.len());
    let chars: Vec<char> = key.chars().collect();
    let prefix: String = chars.iter().take(prefix_len).collect();
    let rest = &chars[prefix_len.min(chars.len())..];
    if rest.len() <= 4 {
        return format!("{prefix}{}", "*".repeat(rest.len()));
    }
    let tail: String = rest[rest.len() - 4..].iter().collect();
    format!("{prefix}{}{tail}", "*".repeat(rest.len() - 4))
}

/// The API key from `Authorization: Bearer sk_…` (or HTTP Basic with the key as user
/// name, which Stripe accepts too).
pub(super) fn api_key(headers: &HeaderMap) -> Option<String> {
    let auth = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, value) = auth.split_once(' ')?;
    let key = if scheme.eq_ignore_ascii_case("bearer") {
        value.trim().to_string()
    } else if scheme.eq_ignore_ascii_case("basic") {
        let raw = base64::engine::general_purpose::STANDARD
            .decode(value.trim())
            .ok()?;
        let text = String::from_utf8(raw).ok()?;
        text.split_once(':')
            .map_or(text.clone(), |(u, _)| u.to_string())
    } else {
        return None;
    };
    (!key.is_empty()).then_some(key)
}

pub(super) fn unauthorized(err: &ApiError, request_id: &str) -> Response {
    let mut resp = json_response(err.status, &json!({ "error": err.object() }), request_id);
    resp.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic realm=\"Stripe\""),
    );
    resp
}

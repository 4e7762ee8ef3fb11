//! PCP's GCS v1HMAC authentication: RFC 1123 dates, the canonical request and its
//! signature, and the middleware that verifies them.

use super::errors::error;
use super::{MAX_SKEW_SECS, PayoneSim, SANDBOX_API_KEY, SANDBOX_API_SECRET, SANDBOX_MERCHANT_ID};
use crate::kit::fault::Fault;
use crate::kit::time::now_secs;
use axum::extract::{OriginalUri, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::sync::Arc;

// ---- dates (RFC 1123) ---------------------------------------------------------------------

/// `Tue, 15 Nov 1994 08:12:31 GMT` for Unix seconds.
pub fn http_date(secs: i64) -> String {
    crate::kit::time::utc(secs, crate::kit::time::HTTP_DATE)
}

/// Unix seconds of an RFC 1123 date.
pub fn parse_http_date(text: &str) -> Option<i64> {
    crate::kit::time::parse_utc(text, crate::kit::time::HTTP_DATE)
}

// ---- signing ------------------------------------------------------------------------------

/// PCP's canonical request for `method`, `headers` and the full request path and query.
pub fn string_to_sign(method: &str, headers: &HeaderMap, path_and_query: &str) -> String {
    let text = |name: header::HeaderName| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let mut gcs: Vec<(String, String)> = headers
        .iter()
        .filter(|(k, _)| k.as_str().starts_with("x-gcs-"))
        .map(|(k, v)| {
            let v = v.to_str().unwrap_or("");
            (
                k.as_str().to_string(),
                v.split(['\r', '\n'])
                    .map(str::trim)
                    .collect::<Vec<_>>()
                    .join(" "),
            )
        })
        .collect();
    gcs.sort();
    let mut s = format!(
        "{method}\n{}\n{}\n",
        text(header::CONTENT_TYPE),
        text(header::DATE)
    );
    for (k, v) in gcs {
        s.push_str(&format!("{k}:{}\n", v.trim()));
    }
    s.push_str(path_and_query);
    s.push('\n');
    s
}

pub fn sign(secret: &str, string_to_sign: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(string_to_sign.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Verifies the GCS v1HMAC signature and the merchant, then applies a `/_sim/fail` plan.
pub(super) async fn authenticate(
    State(sim): State<Arc<PayoneSim>>,
    OriginalUri(uri): OriginalUri,
    req: Request,
    next: Next,
) -> Response {
    let unauthorized = |message: &str| {
        error(
            StatusCode::UNAUTHORIZED,
            "40100001",
            "AUTHENTICATION_FAILED",
            message,
            None,
        )
    };
    let headers = req.headers();
    let Some(auth) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return unauthorized("Authentication failed: Authorization header missing");
    };
    let Some((key, signature)) = auth
        .strip_prefix("GCS v1HMAC:")
        .and_then(|rest| rest.rsplit_once(':'))
    else {
        return unauthorized(
            "Authentication failed: Authorization must be GCS v1HMAC:{apiKey}:{signature}",
        );
    };
    if key != SANDBOX_API_KEY {
        return unauthorized("Authentication failed: unknown API key");
    }
    let Some(date) = headers
        .get(header::DATE)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_http_date)
    else {
        return unauthorized("Authentication failed: Date header missing or not RFC 1123");
    };
    if (date - now_secs()).abs() > MAX_SKEW_SECS {
        return unauthorized("Authentication failed: Date is more than 15 minutes off");
    }
    let path = uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| uri.path().to_string());
    let expected = string_to_sign(req.method().as_str(), headers, &path);
    let given = base64::engine::general_purpose::STANDARD
        .decode(signature)
        .unwrap_or_default();
    let mut mac =
        Hmac::<Sha256>::new_from_slice(SANDBOX_API_SECRET.as_bytes()).expect("HMAC takes any key");
    mac.update(expected.as_bytes());
    if mac.verify_slice(&given).is_err() {
        return unauthorized("Authentication failed: the signature does not match the request");
    }
    let merchant = req
        .uri()
        .path()
        .strip_prefix("/v1/")
        .and_then(|p| p.split('/').next())
        .unwrap_or("");
    if merchant != SANDBOX_MERCHANT_ID {
        return error(
            StatusCode::FORBIDDEN,
            "40300001",
            "ACCESS_TO_MERCHANT_NOT_ALLOWED",
            &format!("The API key is not allowed to access merchant {merchant}"),
            None,
        );
    }
    let plan = sim.lock().fail.next(req.method(), uri.path());
    let fail = |p: Fault| {
        error(
            p.status,
            "50000001",
            "GENERAL_ERROR",
            "An internal error occurred (simulated)",
            None,
        )
    };
    match plan {
        Some(p) if !p.after_write => fail(p),
        Some(p) => {
            let _ = next.run(req).await;
            fail(p)
        }
        None => next.run(req).await,
    }
}

//! The gateway's HTTP layer: `POST /pay/backoffice/{operation}`, its Latin-1 text
//! answers, signature check and dispatch.

use super::errors::{error, injected_failure};
use super::form::{encode_form, parse_form};
use super::signing::signature;
use super::{Answer, PayablSim};
use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use std::collections::BTreeMap;
use std::sync::Arc;

const OPERATIONS: &[&str] = &[
    "payment_authorize",
    "payment_preauthorize",
    "payment_capture",
    "payment_reversal",
    "payment_refund",
    "payment_status",
];

fn text_answer(status: StatusCode, answer: &Answer) -> Response {
    let body = encode_form(answer.iter().map(|(k, v)| (*k, v.as_str())));
    let mut resp = (status, body).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=ISO-8859-1"),
    );
    resp
}

/// The mount point's absolute URL: `http://{Host}{prefix}`.
fn base_url(headers: &HeaderMap, uri: &Uri, original: &Uri) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .or_else(|| original.authority().map(|a| a.to_string()))
        .unwrap_or_else(|| "127.0.0.1".into());
    let prefix = original
        .path()
        .strip_suffix(uri.path())
        .unwrap_or("")
        .trim_end_matches('/');
    format!("http://{host}{prefix}")
}

pub(super) async fn gateway(
    State(sim): State<Arc<PayablSim>>,
    Path(operation): Path<String>,
    uri: Uri,
    OriginalUri(original): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !OPERATIONS.contains(&operation.as_str()) {
        return (StatusCode::NOT_FOUND, "Not Found").into_response();
    }
    let plan = sim.take_fail();
    if let Some(plan) = &plan
        && !plan.after_write
    {
        return injected_failure(plan.status.as_u16());
    }
    let params = parse_form(&body);
    let base = base_url(&headers, &uri, &original);
    let answer = sim.execute(&operation, &params, &base);
    match plan {
        Some(plan) => injected_failure(plan.status.as_u16()),
        None => text_answer(StatusCode::OK, &answer),
    }
}

impl PayablSim {
    /// Runs one gateway operation on a parsed, not yet verified request.
    fn execute(&self, operation: &str, p: &BTreeMap<String, String>, base: &str) -> Answer {
        let mut st = self.lock();
        let Some(merchant) = p.get("merchantid").filter(|m| !m.is_empty()).cloned() else {
            return error("2003", "Missing parameter: merchantid");
        };
        let Some(secret) = st.merchants.get(&merchant).cloned() else {
            return error("2002", "Unknown merchantid");
        };
        let given = p.get("signature").map(|s| s.to_ascii_lowercase());
        if given.as_deref() != Some(signature(p, &secret).as_str()) {
            return error("2001", "Invalid signature");
        }
        match operation {
            "payment_authorize" => st.authorize(&merchant, p, false, base),
            "payment_preauthorize" => st.authorize(&merchant, p, true, base),
            "payment_capture" => st.capture(&merchant, p),
            "payment_reversal" => st.reversal(&merchant, p),
            "payment_refund" => st.refund(&merchant, p),
            "payment_status" => st.status(&merchant, p),
            _ => unreachable!("routed operations only"),
        }
    }
}

//! `POST /v1/login` and the `X-API-Token` every other route needs.

use super::errors::{error, injected};
use super::seed::mix;
use super::{PARTNER_LOGIN, PARTNER_PASSWORD, SimState, VectronSim};
use axum::body::Bytes;
use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;

/// Counts the request, plays an injected failure, then checks the `X-API-Token`: the
/// answer to give instead, if any.
pub(super) fn guard(state: &mut SimState, headers: &HeaderMap, request: &str) -> Option<Response> {
    if let Some(resp) = injected(state, request) {
        return Some(resp);
    }
    let token = headers.get("x-api-token").and_then(|v| v.to_str().ok());
    match token {
        Some(t) if state.tokens.contains(t) => None,
        Some(_) => Some(error(
            StatusCode::UNAUTHORIZED,
            request,
            "Invalid or expired API token",
        )),
        None => Some(error(
            StatusCode::UNAUTHORIZED,
            request,
            "Full authentication is required to access this resource",
        )),
    }
}

#[derive(Deserialize)]
struct PartnerCredentials {
    login: String,
    password: String,
}

pub(super) async fn login(
    State(sim): State<Arc<VectronSim>>,
    uri: OriginalUri,
    body: Bytes,
) -> Response {
    let mut st = sim.lock();
    let request = uri.path();
    if let Some(resp) = injected(&mut st, request) {
        return resp;
    }
    let creds: PartnerCredentials = match serde_json::from_slice(&body) {
        Ok(c) => c,
        Err(e) => return error(StatusCode::BAD_REQUEST, request, &e.to_string()),
    };
    if creds.login != PARTNER_LOGIN || creds.password != PARTNER_PASSWORD {
        return error(StatusCode::UNAUTHORIZED, request, "Bad credentials");
    }
    st.issued += 1;
    let token = format!("vsim-{:016x}", mix(st.issued));
    st.tokens.insert(token.clone());
    (StatusCode::OK, axum::Json(json!({ "token": token }))).into_response()
}

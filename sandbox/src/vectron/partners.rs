//! The partner's operators and the operator's sites.

use super::auth::guard;
use super::errors::error;
use super::http::is_uuid;
use super::{OPERATOR_ID, PARTNER_ID, SITE_ID, VectronSim};
use axum::extract::{OriginalUri, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::sync::Arc;

pub(super) async fn operators(
    State(sim): State<Arc<VectronSim>>,
    uri: OriginalUri,
    headers: HeaderMap,
    Path(partner_id): Path<String>,
) -> Response {
    let mut st = sim.lock();
    if let Some(resp) = guard(&mut st, &headers, uri.path()) {
        return resp;
    }
    if !is_uuid(&partner_id) {
        return error(
            StatusCode::BAD_REQUEST,
            uri.path(),
            "partnerId is not a UUID",
        );
    }
    if partner_id != PARTNER_ID {
        return error(StatusCode::FORBIDDEN, uri.path(), "Access denied");
    }
    axum::Json(json!([{"operatorId": OPERATOR_ID, "name": "BEEP! Demo Betreiber"}])).into_response()
}

pub(super) async fn sites(
    State(sim): State<Arc<VectronSim>>,
    uri: OriginalUri,
    headers: HeaderMap,
    Path(operator_id): Path<String>,
) -> Response {
    let mut st = sim.lock();
    if let Some(resp) = guard(&mut st, &headers, uri.path()) {
        return resp;
    }
    if !is_uuid(&operator_id) {
        return error(
            StatusCode::BAD_REQUEST,
            uri.path(),
            "operatorId is not a UUID",
        );
    }
    if operator_id != OPERATOR_ID {
        return error(
            StatusCode::FORBIDDEN,
            uri.path(),
            "Operator is not assigned to this partner",
        );
    }
    axum::Json(json!([{"siteId": SITE_ID, "name": "Filiale Mitte"}])).into_response()
}

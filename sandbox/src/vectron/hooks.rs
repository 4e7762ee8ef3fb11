//! Test hooks (not Vectron; no auth) under `/_sim/`.

use super::errors::error;
use super::seed::{data_entry, managed_article};
use super::{Failure, SITE_ID, VectronSim, format_rfc3339};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;

fn hook_site(site_id: &str) -> Option<Response> {
    (site_id != SITE_ID).then(|| error(StatusCode::NOT_FOUND, "/_sim", "Site not found"))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProductChange {
    name: Option<String>,
    price: Option<f64>,
}

/// `POST /_sim/sites/{siteId}/products/{number}`: renames and/or reprices a PLU and sells
/// it once, so that the change reaches the API (PLU master data travels with invoices).
pub(super) async fn hook_change_product(
    State(sim): State<Arc<VectronSim>>,
    Path((site_id, number)): Path<(String, u32)>,
    body: Bytes,
) -> Response {
    if let Some(resp) = hook_site(&site_id) {
        return resp;
    }
    let change: ProductChange = match serde_json::from_slice(&body) {
        Ok(c) => c,
        Err(e) => return error(StatusCode::BAD_REQUEST, "/_sim", &e.to_string()),
    };
    let mut st = sim.lock();
    let Some(idx) = st.plus.iter().position(|p| p.number == number) else {
        return error(StatusCode::NOT_FOUND, "/_sim", "PLU not found");
    };
    if let Some(name) = change.name {
        st.plus[idx].name = name;
    }
    if let Some(price) = change.price {
        if !price.is_finite() || price < 0.0 {
            return error(StatusCode::BAD_REQUEST, "/_sim", "price must be >= 0");
        }
        st.plus[idx].price = (price * 100.0).round() as i64;
    }
    let inv = st.sell(vec![(idx, 1)]);
    let (id, invoice_number) = (inv.id.clone(), inv.number);
    axum::Json(json!({"invoiceId": id, "invoiceNumber": invoice_number})).into_response()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Retention {
    keep_from: i64,
}

/// `POST /_sim/sites/{siteId}/retention`: invoices numbered below `keepFrom` age out of
/// the cloud, as a retention period would drop them.
pub(super) async fn hook_retention(
    State(sim): State<Arc<VectronSim>>,
    Path(site_id): Path<String>,
    body: Bytes,
) -> Response {
    if let Some(resp) = hook_site(&site_id) {
        return resp;
    }
    let r: Retention = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return error(StatusCode::BAD_REQUEST, "/_sim", &e.to_string()),
    };
    let mut st = sim.lock();
    let before = st.invoices.len();
    st.invoices.retain(|i| i.number >= r.keep_from);
    let dropped = before - st.invoices.len();
    axum::Json(json!({"dropped": dropped, "remaining": st.invoices.len()})).into_response()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct NewEntry {
    managed_article_no: u32,
    name: String,
    price: f64,
}

/// `POST /_sim/sites/{siteId}/data-entries`: a new data entry (one managed article),
/// input a week after the previous one.
pub(super) async fn hook_data_entry(
    State(sim): State<Arc<VectronSim>>,
    Path(site_id): Path<String>,
    body: Bytes,
) -> Response {
    if let Some(resp) = hook_site(&site_id) {
        return resp;
    }
    let e: NewEntry = match serde_json::from_slice(&body) {
        Ok(e) => e,
        Err(err) => return error(StatusCode::BAD_REQUEST, "/_sim", &err.to_string()),
    };
    let mut st = sim.lock();
    let n = st.data_entries.len() as i64 + 1;
    // Seed entries are a week apart from 2026-01-02T06:30:00.
    let at = format_rfc3339(1_767_335_400 + (n - 1) * 7 * 86_400);
    let input_at = at.trim_end_matches('Z').to_string();
    let entry = data_entry(
        n as u64,
        &input_at,
        vec![managed_article(e.managed_article_no, &e.name, e.price)],
    );
    st.data_entries.push(entry.clone());
    axum::Json(entry).into_response()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FailRequest {
    status: u16,
    times: u32,
    retry_after: Option<u32>,
    /// Requests to answer normally first: an outage in the middle of a run.
    #[serde(default)]
    after: u32,
}

/// `POST /_sim/fail`: after `after` requests, the next `times` API requests (login
/// included) answer `status`.
pub(super) async fn hook_fail(State(sim): State<Arc<VectronSim>>, body: Bytes) -> Response {
    let req: FailRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return error(StatusCode::BAD_REQUEST, "/_sim/fail", &e.to_string()),
    };
    let status = match req.status {
        429 => StatusCode::TOO_MANY_REQUESTS,
        500 => StatusCode::INTERNAL_SERVER_ERROR,
        503 => StatusCode::SERVICE_UNAVAILABLE,
        _ => {
            return error(
                StatusCode::BAD_REQUEST,
                "/_sim/fail",
                "status must be 429, 500 or 503",
            );
        }
    };
    sim.lock().failure = (req.times > 0).then(|| Failure {
        status,
        skip: req.after,
        remaining: req.times,
        retry_after: req.retry_after.unwrap_or(1),
    });
    axum::Json(json!({"status": req.status, "times": req.times})).into_response()
}

/// `GET /_sim/requests`: API requests served so far (failures included).
pub(super) async fn hook_requests(State(sim): State<Arc<VectronSim>>) -> Response {
    axum::Json(sim.lock().requests).into_response()
}

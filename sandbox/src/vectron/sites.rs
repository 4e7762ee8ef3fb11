//! A site's data: its transactions (invoices, paged by `id`) and its data entries.

use super::auth::guard;
use super::errors::error;
use super::http::{check_site, is_uuid};
use super::{PAGE_SIZE, VectronSim};
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::Value;
use std::sync::Arc;

#[derive(Deserialize)]
pub(super) struct TransactionsQuery {
    id: Option<String>,
}

pub(super) async fn transactions(
    State(sim): State<Arc<VectronSim>>,
    uri: OriginalUri,
    headers: HeaderMap,
    Path(site_id): Path<String>,
    Query(q): Query<TransactionsQuery>,
) -> Response {
    let mut st = sim.lock();
    let request = uri.path();
    if let Some(resp) = guard(&mut st, &headers, request) {
        return resp;
    }
    if let Some(resp) = check_site(&site_id, request) {
        return resp;
    }
    let start = match q.id.as_deref().filter(|id| !id.is_empty()) {
        None => 0,
        Some(id) if !is_uuid(id) => {
            return error(StatusCode::BAD_REQUEST, request, "id is not a UUID");
        }
        Some(id) => match st.invoices.iter().position(|i| i.id == id) {
            Some(i) => i + 1,
            None => return error(StatusCode::NOT_FOUND, request, "Invoice not found"),
        },
    };
    let page: Vec<Value> = st
        .invoices
        .iter()
        .skip(start)
        .take(PAGE_SIZE)
        .map(|inv| st.invoice_json(inv))
        .collect();
    axum::Json(page).into_response()
}

pub(super) async fn data_entries(
    State(sim): State<Arc<VectronSim>>,
    uri: OriginalUri,
    headers: HeaderMap,
    Path(site_id): Path<String>,
) -> Response {
    let mut st = sim.lock();
    let request = uri.path();
    if let Some(resp) = guard(&mut st, &headers, request) {
        return resp;
    }
    if let Some(resp) = check_site(&site_id, request) {
        return resp;
    }
    axum::Json(st.data_entries.clone()).into_response()
}

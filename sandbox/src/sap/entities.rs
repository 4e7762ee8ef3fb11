//! `GET /b1s/v1/{entity}`: the entity sets and their filtered, paged lists.

use super::auth::company;
use super::demo::generated_item;
use super::errors::{bad, invalid_session, sap_error, take_failure};
use super::paging::{page, page_size};
use super::query::{matches, parse_query};
use super::{Company, ENTITIES, SapSim, SimState};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::Value;
use std::sync::Arc;

fn rows<'a>(st: &'a SimState, entity: &str) -> &'a [Value] {
    match entity {
        "Items" => &st.items,
        "BusinessPartners" => &st.partners,
        "PurchaseOrders" => &st.purchase_orders,
        other => st.booked.get(other).map(Vec::as_slice).unwrap_or(&[]),
    }
}

pub(super) async fn list(
    State(sim): State<Arc<SapSim>>,
    Path(entity): Path<String>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let mut st = sim.lock();
    if let Some(resp) = take_failure(&mut st) {
        return resp;
    }
    let Some(company) = company(&st, &headers) else {
        return invalid_session();
    };
    if !ENTITIES.contains(&entity.as_str()) {
        return sap_error(
            StatusCode::NOT_FOUND,
            -1,
            &format!("Invalid resource path '{entity}'"),
        );
    }
    let q = match parse_query(raw.as_deref()) {
        Ok(q) => q,
        Err(e) => return bad(&e),
    };
    let size = page_size(&headers);
    if let (Company::Generated(n), "Items") = (company, entity.as_str()) {
        // Generated items differ only in code, name and stock: a filter on anything else
        // holds for all or none of them.
        let uniform = q.filter.iter().all(|c| {
            !matches!(
                c.field.as_str(),
                "ItemCode" | "ItemName" | "QuantityOnStock"
            )
        });
        if uniform {
            let total = if matches(&generated_item(1), &q.filter) {
                n
            } else {
                0
            };
            return page(&entity, &q, size, total, |i| generated_item(i + 1));
        }
        let hits: Vec<usize> = (1..=n)
            .filter(|i| matches(&generated_item(*i), &q.filter))
            .collect();
        return page(&entity, &q, size, hits.len(), |i| generated_item(hits[i]));
    }
    let hits: Vec<&Value> = rows(&st, &entity)
        .iter()
        .filter(|v| matches(v, &q.filter))
        .collect();
    page(&entity, &q, size, hits.len(), |i| hits[i].clone())
}

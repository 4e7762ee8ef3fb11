//! `/Order` and `/OrderPos`.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::answers::{bad_request, error, ok};
use super::model::Account;
use super::query::{Query, page, paging};
use super::{CONTACT_ID_BASE, ORDER_ID_BASE, SevdeskSim};

pub(super) async fn get_orders(
    State(sim): State<Arc<SevdeskSim>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    sim.api(&headers, false, |a| {
        let q = Query::parse(raw.as_deref());
        let p = match paging(&q) {
            Ok(p) => p,
            Err(e) => return e.into_response(),
        };
        let (contact, after, before, start, end) = match (
            q.id("contact[id]"),
            q.timestamp("updateAfter"),
            q.timestamp("updateBefore"),
            q.timestamp("startDate"),
            q.timestamp("endDate"),
        ) {
            (Ok(a), Ok(b), Ok(c), Ok(d), Ok(e)) => (a, b, c, d, e),
            (Err(e), ..)
            | (_, Err(e), ..)
            | (_, _, Err(e), ..)
            | (.., Err(e), _)
            | (.., Err(e)) => {
                return e.into_response();
            }
        };
        let kind = q.get("orderType");
        if kind.is_some_and(|k| !["AN", "AB", "LI"].contains(&k)) {
            return bad_request("orderType must be AN, AB or LI");
        }
        let status = q.get("status");
        let number = q.get("orderNumber");
        let embed_contact = q.embeds("contact");
        let rows: Vec<usize> = (0..a.orders.len())
            .filter(|&i| {
                let o = &a.orders[i];
                kind.is_none_or(|k| o.order_type == k)
                    && status.is_none_or(|s| o.status.to_string() == s)
                    && number.is_none_or(|n| o.order_number == n)
                    && contact.is_none_or(|c| CONTACT_ID_BASE + 1 + o.contact as u64 == c)
                    && after.is_none_or(|t| o.update > t)
                    && before.is_none_or(|t| o.update < t)
                    && start.is_none_or(|t| o.order_date >= t)
                    && end.is_none_or(|t| o.order_date <= t)
            })
            .collect();
        page(&rows, &p, |i| a.order_view(i, embed_contact))
    })
}

pub(super) async fn get_order(
    State(sim): State<Arc<SevdeskSim>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    sim.api(&headers, false, |a| {
        let q = Query::parse(raw.as_deref());
        match Account::index(&id, ORDER_ID_BASE, a.orders.len()) {
            Some(i) => ok(json!({"objects": [a.order_view(i, q.embeds("contact"))]})),
            None => error(
                StatusCode::NOT_FOUND,
                &format!("Order with id {id} not found"),
            ),
        }
    })
}

pub(super) async fn get_order_positions(
    State(sim): State<Arc<SevdeskSim>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    sim.api(&headers, false, |a| {
        let q = Query::parse(raw.as_deref());
        let p = match paging(&q) {
            Ok(p) => p,
            Err(e) => return e.into_response(),
        };
        let Some(i) = Account::index(&id, ORDER_ID_BASE, a.orders.len()) else {
            return error(
                StatusCode::NOT_FOUND,
                &format!("Order with id {id} not found"),
            );
        };
        let (embed_part, embed_order) = (q.embeds("part"), q.embeds("order"));
        page(&a.orders[i].positions, &p, |i| {
            a.order_pos_view(i, embed_part, embed_order)
        })
    })
}

pub(super) async fn get_order_pos(
    State(sim): State<Arc<SevdeskSim>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    sim.api(&headers, false, |a| {
        let q = Query::parse(raw.as_deref());
        let p = match paging(&q) {
            Ok(p) => p,
            Err(e) => return e.into_response(),
        };
        let order = match q.id("order[id]") {
            Ok(o) => o,
            Err(e) => return e.into_response(),
        };
        let rows: Vec<usize> = (0..a.order_pos.len())
            .filter(|&i| order.is_none_or(|o| ORDER_ID_BASE + 1 + a.order_pos[i].order as u64 == o))
            .collect();
        let (embed_part, embed_order) = (q.embeds("part"), q.embeds("order"));
        page(&rows, &p, |i| a.order_pos_view(i, embed_part, embed_order))
    })
}

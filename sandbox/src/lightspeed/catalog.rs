//! The catalogue: `GET /api/2.0/products`, `/price_book_products` and
//! `/product_categories`.

use super::errors::bad_request;
use super::model::{
    PriceBookProduct, Product, category_path, category_view, price_book_view, product_view,
};
use super::paging::{collection, parse_list_query};
use super::{DEFAULT_PAGE_SIZE, LightspeedSim, MAX_PAGE_SIZE};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;

pub(super) async fn list_products(
    State(sim): State<Arc<LightspeedSim>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    sim.api(&headers, |shop| {
        if let Some(sku) = q.get("sku") {
            let found: Vec<&Product> = shop.products.iter().filter(|p| &p.sku == sku).collect();
            let data = found.iter().map(|p| product_view(shop, p)).collect();
            return collection(data, found.iter().map(|p| p.version));
        }
        let lq = match parse_list_query(&q) {
            Ok(lq) => lq,
            Err(details) => return bad_request(&details),
        };
        // No simulated product is deleted, so `deleted` changes nothing here.
        let _ = lq.deleted;
        let start = shop.product_order.partition_point(|(v, _)| *v <= lq.after);
        let rows: Vec<(u64, u32)> = shop.product_order[start..]
            .iter()
            .take_while(|(v, _)| lq.before.is_none_or(|b| *v < b))
            .take(lq.page_size)
            .copied()
            .collect();
        let data = rows
            .iter()
            .map(|(_, i)| product_view(shop, &shop.products[*i as usize]))
            .collect();
        collection(data, rows.iter().map(|(v, _)| *v))
    })
}

pub(super) async fn list_price_book_products(
    State(sim): State<Arc<LightspeedSim>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    sim.api(&headers, |shop| {
        let lq = match parse_list_query(&q) {
            Ok(lq) => lq,
            Err(details) => return bad_request(&details),
        };
        let start = shop.price_book.partition_point(|e| e.version <= lq.after);
        let rows: Vec<&PriceBookProduct> = shop.price_book[start..]
            .iter()
            .take_while(|e| lq.before.is_none_or(|b| e.version < b))
            .take(lq.page_size)
            .collect();
        let data = rows.iter().map(|e| price_book_view(shop, e)).collect();
        collection(data, rows.iter().map(|e| e.version))
    })
}

pub(super) async fn list_categories(
    State(sim): State<Arc<LightspeedSim>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    sim.api(&headers, |shop| {
        let page_size = match q.get("page_size").map(|v| v.parse::<usize>()) {
            None => DEFAULT_PAGE_SIZE,
            Some(Ok(n)) if n > 0 => n.min(MAX_PAGE_SIZE),
            Some(_) => return bad_request("page_size must be a positive integer"),
        };
        // Sorted by the full category path, alphabetically.
        let mut order: Vec<(Vec<String>, usize)> = (0..shop.categories.len())
            .map(|i| {
                let path = category_path(shop, i)
                    .iter()
                    .map(|&j| shop.categories[j].name.clone())
                    .collect();
                (path, i)
            })
            .collect();
        order.sort();
        let start = match q.get("after") {
            None => 0,
            Some(after) => match order
                .iter()
                .position(|(_, i)| &shop.categories[*i].id == after)
            {
                Some(pos) => pos + 1,
                None => return bad_request("after must be the id of a category"),
            },
        };
        let page: Vec<usize> = order[start.min(order.len())..]
            .iter()
            .take(page_size)
            .map(|(_, i)| *i)
            .collect();
        let has_next = start + page.len() < order.len();
        let last_seen = page.last().map(|&i| shop.categories[i].id.clone());
        let categories: Vec<Value> = page.iter().map(|&i| category_view(shop, i)).collect();
        (
            StatusCode::OK,
            axum::Json(json!({
                "data": {"categories": categories},
                "page_info": {"has_next": has_next, "last_seen": last_seen},
            })),
        )
            .into_response()
    })
}

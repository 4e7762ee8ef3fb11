//! Products: list (demo or generated), retrieve, and a product's storage locations.

use super::auth::Instance;
use super::errors::not_found;
use super::http::{ok, query};
use super::model::{Product, generated_product, location, product_json};
use super::paging::{filter_equals, list, page, slice_of};
use super::{SimState, XentralSim};
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::sync::Arc;

pub(super) async fn get_products(
    State(sim): State<Arc<XentralSim>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    sim.api(&headers, |st, inst| {
        let q = query(raw.as_deref());
        let p = match page(&q) {
            Ok(p) => p,
            Err(r) => return r.into_response(),
        };
        let number = match filter_equals(&q, "number") {
            Ok(n) => n,
            Err(r) => return r.into_response(),
        };
        match inst {
            Instance::Demo => {
                let all: Vec<&Product> = st
                    .products
                    .iter()
                    .filter(|p| number.as_ref().is_none_or(|n| &p.number == n))
                    .collect();
                list(
                    slice_of(&all, &p).into_iter().map(product_json).collect(),
                    all.len(),
                    &p,
                )
            }
            Instance::Generated(n) => {
                let start = (p.number - 1).saturating_mul(p.size).min(n);
                let end = (start + p.size).min(n);
                let items = (start + 1..=end)
                    .map(|i| product_json(&generated_product(i)))
                    .collect();
                list(items, n, &p)
            }
        }
    })
}

fn find_product(st: &SimState, inst: &Instance, id: &str) -> Option<Product> {
    let id: usize = id.parse().ok()?;
    match inst {
        Instance::Demo => st.products.iter().find(|p| p.id == id).map(|p| Product {
            id: p.id,
            number: p.number.clone(),
            name: p.name.clone(),
            unit: p.unit,
            is_stock_item: p.is_stock_item,
            stock: p.stock,
            price_cents: p.price_cents,
            ean: p.ean.clone(),
            supplier: p.supplier,
            updated_at: p.updated_at.clone(),
        }),
        Instance::Generated(n) => (1..=*n).contains(&id).then(|| generated_product(id)),
    }
}

pub(super) async fn get_product(
    State(sim): State<Arc<XentralSim>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    sim.api(&headers, |st, inst| match find_product(st, &inst, &id) {
        Some(p) => ok(json!({"data": product_json(&p)})),
        None => not_found(),
    })
}

pub(super) async fn get_product_locations(
    State(sim): State<Arc<XentralSim>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    sim.api(&headers, |st, inst| {
        let Some(p) = find_product(st, &inst, &id) else {
            return not_found();
        };
        let data: Vec<Value> = (0..2)
            .filter(|i| p.stock[*i] != 0.0)
            .map(|i| {
                let (loc, wh, name) = location(i);
                json!({
                    "id": format!("{}-{loc}", p.id),
                    "amount": format!("{}", p.stock[i]),
                    "product": {"id": p.id.to_string()},
                    "storageLocation": {"id": loc, "name": name, "warehouse": {"id": wh, "name": format!("Lager {wh}")}},
                })
            })
            .collect();
        ok(json!({"data": data, "extra": {"page": {"number": 1, "size": 50}}}))
    })
}

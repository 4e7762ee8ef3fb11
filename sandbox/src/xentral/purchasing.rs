//! Suppliers and purchase orders (fixed demo data).

use super::errors::not_found;
use super::http::{ok, query};
use super::model::{Product, money};
use super::paging::{list, page, slice_of};
use super::{PROJECT_ID, XentralSim};
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::sync::Arc;

fn suppliers() -> Vec<Value> {
    [
        (
            "1",
            "Getränke Großhandel Nord GmbH",
            "bestellung@getraenke-nord.example",
            "DE811907980",
        ),
        ("2", "Bäckerei Sonnenschein KG", "", ""),
        (
            "3",
            "Kaffeerösterei Süd e.K.",
            "einkauf@roesterei-sued.example",
            "DE129273398",
        ),
    ]
    .iter()
    .map(|(id, name, email, vat)| {
        json!({
            "id": id,
            "type": "company",
            "general": {
                "name": name,
                "number": format!("L-{}", 70000 + id.parse::<u32>().unwrap_or(0)),
                "supplierNumber": format!("L-{}", 70000 + id.parse::<u32>().unwrap_or(0)),
                "email": email,
                "vatNumber": vat,
                "address": {"street": "Hafenstraße 1", "zip": "20457", "city": "Hamburg", "state": null, "country": "DE", "note": ""},
            },
            "tags": [],
            "freeFields": [],
        })
    })
    .collect()
}

/// (id, supplier, document number, status, date, [(product id, quantity, unit cents)])
type DemoOrder = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [(usize, f64, i64)],
);

const ORDERS: &[DemoOrder] = &[
    (
        "1",
        "1",
        "BE-200001",
        "sent",
        "2024-11-01",
        &[(1, 240.0, 45), (2, 120.0, 55), (6, 48.0, 45)],
    ),
    (
        "2",
        "3",
        "BE-200002",
        "released",
        "2024-11-03",
        &[(3, 10.0, 1290)],
    ),
];

fn purchase_order_json(o: &DemoOrder, products: &[Product], positions: bool) -> Value {
    let (id, supplier, number, status, date, lines) = *o;
    let total: i64 = lines.iter().map(|(_, q, c)| (*q * *c as f64) as i64).sum();
    let mut v = json!({
        "id": id,
        "date": date,
        "project": {"id": PROJECT_ID},
        "status": status,
        "documentNumber": number,
        "supplier": {"id": supplier, "number": format!("L-{}", 70000 + supplier.parse::<u32>().unwrap_or(0))},
        "financials": {"total": money(total)},
        "log": {"createdAt": format!("{date}T09:00:00+00:00")},
    });
    if positions {
        v["positions"] = lines
            .iter()
            .enumerate()
            .map(|(i, (pid, q, c))| {
                let name = products
                    .iter()
                    .find(|p| p.id == *pid)
                    .map(|p| p.name.clone())
                    .unwrap_or_default();
                json!({
                    "id": format!("{}{:02}", id, i + 1),
                    "product": {"id": pid.to_string()},
                    "name": name,
                    "description": "",
                    "quantity": q,
                    "price": money(*c),
                    "tax": {"vatCategory": "standard", "taxText": "", "rate": 19.0},
                })
            })
            .collect();
    }
    v
}

pub(super) async fn get_suppliers(
    State(sim): State<Arc<XentralSim>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    sim.api(&headers, |_, _| {
        let p = match page(&query(raw.as_deref())) {
            Ok(p) => p,
            Err(r) => return r.into_response(),
        };
        let all = suppliers();
        list(slice_of(&all, &p), all.len(), &p)
    })
}

pub(super) async fn get_purchase_orders(
    State(sim): State<Arc<XentralSim>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    sim.api(&headers, |st, _| {
        let p = match page(&query(raw.as_deref())) {
            Ok(p) => p,
            Err(r) => return r.into_response(),
        };
        let all: Vec<Value> = ORDERS
            .iter()
            .map(|o| purchase_order_json(o, &st.products, false))
            .collect();
        list(slice_of(&all, &p), all.len(), &p)
    })
}

pub(super) async fn get_purchase_order(
    State(sim): State<Arc<XentralSim>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    sim.api(&headers, |st, _| match ORDERS.iter().find(|o| o.0 == id) {
        Some(o) => ok(json!({"data": purchase_order_json(o, &st.products, true)})),
        None => not_found(),
    })
}

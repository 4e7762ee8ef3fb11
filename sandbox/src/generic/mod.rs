//! Test Mode simulator of two upstreams the generic connectors (`generic-pos`,
//! `generic-erp`) read:
//!
//! * The BEEP! Generic protocol itself (docs/generic-protocol.openapi.yaml), at the mount's
//!   root: `GET /categories|/products|/prices|/inventory|/orders|/suppliers` (`limit`
//!   1..=1000, default 100; opaque `cursor`; `updatedSince`, strictly after), answering
//!   `{"data": [...], "next": cursor|null}` in `updatedAt` order; `PUT /sales/{id}`,
//!   `PUT /transactions/{id}`, `PUT /stock-changes/{id}`: 201 when new, 200 when the id is
//!   already known (nothing applied twice). Auth `Authorization: Bearer` [`DEMO_TOKEN`];
//!   errors `{"error": {"code", "message"}}`; 429 carries `Retry-After`.
//! * A "legacy shop" JSON API under `/legacy/api` with its own names and paging, only
//!   readable through a field mapping: `GET /legacy/api/items?page=&limit=` (`{"data",
//!   "meta": {"total"}}` plus a `Link: rel="next"` header; KWD prices as major-unit
//!   decimals), `GET /legacy/api/groups` (no paging), `GET /legacy/api/stock?offset=&limit=`
//!   (`{"rows", "total"}`). Auth `X-Api-Key:` [`LEGACY_KEY`].
//!
//! Every `updatedAt` is distinct and increasing (one tick per change), as the protocol asks.
//!
//! Test hooks (no auth): `POST /_sim/fail` `{"status","times","afterWrite"?,"after"?}`,
//! `POST /_sim/products/{id}` `{"name"?,"price"?}` (a change), `POST /_sim/products/{id}/remove`,
//! `POST /_sim/inventory/{id}` `{"quantity"}`, `GET /_sim/sales|transactions|stock-changes`
//! (what was accepted, once each), `GET /_sim/inventory/{id}`.

mod auth;
mod errors;
mod hooks;
mod http;
mod legacy;
mod lists;
mod pushes;

use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use errors::failure_response;
use hooks::{hook_fail, hook_inventory, hook_inventory_get, hook_product, hook_remove_product};
use legacy::{legacy_groups, legacy_items, legacy_stock};
use lists::{Collection, list};
use pushes::{Push, put_item};
use serde_json::{Value, json};

/// The demo server's protocol token.
pub const DEMO_TOKEN: &str = "bgp_demo_8c1f4e2a9b7d4f06a3e5c2d1b0f9e8a7";
/// The legacy shop's API key (sent in `X-Api-Key`).
pub const LEGACY_KEY: &str = "legacy-shop-key-2f9a61";
pub const DEFAULT_LIMIT: usize = 100;
pub const MAX_LIMIT: usize = 1000;
/// 2026-01-01T00:00:00Z: tick 0 of the simulated clock (one second per change).
const EPOCH_MS: i64 = 1_767_225_600_000;

/// Credentials that work against the protocol simulator. The host adds `baseUrl`.
pub fn sandbox_credentials() -> Value {
    json!({ "token": DEMO_TOKEN })
}

struct Record {
    id: String,
    data: Value,
    tick: u64,
}

struct Failure {
    status: StatusCode,
    /// Requests still answered normally before the failures start.
    skip: u32,
    remaining: u32,
    after_write: bool,
}

#[derive(Default)]
struct SimState {
    tick: u64,
    categories: Vec<Record>,
    products: Vec<Record>,
    prices: Vec<Record>,
    inventory: Vec<Record>,
    orders: Vec<Record>,
    suppliers: Vec<Record>,
    sales: Vec<Value>,
    transactions: Vec<Value>,
    stock_changes: Vec<Value>,
    legacy_items: Vec<Value>,
    legacy_groups: Vec<Value>,
    legacy_stock: Vec<Value>,
    failure: Option<Failure>,
}

pub struct GenericSim {
    state: Mutex<SimState>,
}

fn eur(amount: i64) -> Value {
    json!({"amount": amount, "currency": "EUR"})
}

/// Demo product names; further products are numbered.
const NAMES: [&str; 6] = [
    "Club-Mate 0,5 l",
    "Laugenbrezel",
    "Apfelschorle 0,5 l",
    "Croissant",
    "Salzstangen 200 g",
    "Espresso",
];
pub const DEMO_PRODUCTS: usize = 24;
pub const LEGACY_ITEMS: usize = 12;

impl GenericSim {
    pub fn new() -> Arc<GenericSim> {
        let mut s = SimState::default();
        for (id, name, parent) in [
            ("cat-1", "Getränke", None),
            ("cat-2", "Backwaren", None),
            ("cat-3", "Snacks", Some("cat-2")),
        ] {
            s.add(
                |s| &mut s.categories,
                id,
                json!({"name": name, "parentId": parent}),
            );
        }
        for n in 0..DEMO_PRODUCTS {
            let id = format!("P-{}", 1001 + n);
            let name = NAMES
                .get(n)
                .map(|s| s.to_string())
                .unwrap_or_else(|| format!("Artikel {}", 1001 + n));
            let data = json!({
                "sku": format!("SKU-{}", 1001 + n),
                "name": name,
                "categoryId": format!("cat-{}", n % 3 + 1),
                "price": eur(99 + 10 * n as i64 + if n == 0 { 90 } else { 0 }),
                "taxRateBps": if n % 3 == 0 { 1900 } else { 700 },
                "gtins": [format!("400000000{:04}", 1001 + n)],
                "unit": "pc",
                "active": true,
            });
            s.add(|s| &mut s.products, &id, data);
        }
        for (product, amount, group) in [("P-1001", 169, "staff"), ("P-1002", 79, "staff")] {
            let id = format!("{product}:{group}");
            s.add(
                |s| &mut s.prices,
                &id,
                json!({"productId": product, "price": eur(amount), "priceGroup": group, "validFrom": "2026-01-01T00:00:00Z"}),
            );
        }
        for n in 0..10 {
            let id = format!("P-{}", 1001 + n);
            s.add(
                |s| &mut s.inventory,
                &id,
                json!({"sku": format!("SKU-{}", 1001 + n), "warehouseId": "main", "quantity": 50.0 + n as f64, "unit": "pc"}),
            );
        }
        for (id, name, email, vat) in [
            (
                "S-1",
                "Getränke Großhandel Nord GmbH",
                Some("order@nord.example"),
                Some("DE811907980"),
            ),
            (
                "S-2",
                "Bäckerei Sonnenschein",
                Some("info@sonnenschein.example"),
                None,
            ),
            ("S-3", "Snackwerk AG", None, Some("DE129273398")),
        ] {
            s.add(
                |s| &mut s.suppliers,
                id,
                json!({"name": name, "email": email, "vatId": vat}),
            );
        }
        s.add(
            |s| &mut s.orders,
            "PO-1",
            json!({"supplierId": "S-1", "number": "B-2026-001", "status": "sent", "total": eur(12_000),
                "orderedAt": "2026-01-02T08:00:00Z", "lines": [
                    {"productId": "P-1001", "sku": "SKU-1001", "description": "Club-Mate 0,5 l", "quantity": 48.0, "unitPrice": eur(150)},
                    {"productId": "P-1003", "sku": "SKU-1003", "description": "Apfelschorle 0,5 l", "quantity": 96.0, "unitPrice": eur(50)}]}),
        );
        s.add(
            |s| &mut s.orders,
            "PO-2",
            json!({"supplierId": "S-2", "number": "B-2026-002", "status": "received", "total": eur(3_600),
                "orderedAt": "2026-01-03T08:00:00Z", "lines": [
                    {"productId": "P-1002", "sku": "SKU-1002", "quantity": 120.0, "unitPrice": eur(30)}]}),
        );
        // The legacy shop: KWD (3 decimals), major-unit prices, its own names.
        s.legacy_groups = vec![
            json!({"gid": 10, "label": "Dates"}),
            json!({"gid": 20, "label": "Coffee"}),
        ];
        for n in 0..LEGACY_ITEMS {
            let price: Value = if n == 1 {
                json!(2.5)
            } else {
                json!(format!("{}.{:03}", 1 + n / 4, 250 + n))
            };
            s.legacy_items.push(json!({
                "item_no": format!("L-{:03}", n + 1),
                "title": format!("Legacy item {}", n + 1),
                "pricing": {"gross": price, "currency": "KWD"},
                "vat_percent": 5,
                "barcode": format!("62800000{:05}", n + 1),
                "group": {"id": if n % 2 == 0 { 10 } else { 20 }},
                "enabled": n != LEGACY_ITEMS - 1,
            }));
        }
        for n in 0..7 {
            s.legacy_stock.push(json!({"article": format!("L-{:03}", n + 1), "on_hand": 10 * (n + 1), "store": "kuwait-city"}));
        }
        Arc::new(GenericSim {
            state: Mutex::new(s),
        })
    }

    fn lock(&self) -> MutexGuard<'_, SimState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl SimState {
    fn add(&mut self, list: fn(&mut SimState) -> &mut Vec<Record>, id: &str, data: Value) {
        self.tick += 1;
        let tick = self.tick;
        list(self).push(Record {
            id: id.to_string(),
            data,
            tick,
        });
    }

    /// Applies the armed failure: `Some(response)` answers the request instead. With
    /// `afterWrite` only writes fail, after being applied (see [`SimState::lost`]).
    fn fail_before(&mut self) -> Option<Response> {
        let f = self.failure.as_mut()?;
        if f.after_write {
            return None;
        }
        if f.skip > 0 {
            f.skip -= 1;
            return None;
        }
        let status = f.status;
        f.remaining -= 1;
        if f.remaining == 0 {
            self.failure = None;
        }
        Some(failure_response(status))
    }

    fn lost(&mut self) -> Option<Response> {
        let f = self.failure.as_mut()?;
        if !f.after_write {
            return None;
        }
        let status = f.status;
        f.remaining -= 1;
        if f.remaining == 0 {
            self.failure = None;
        }
        Some(failure_response(status))
    }
}

fn updated_at(tick: u64) -> String {
    crate::kit::time::utc_ms(
        EPOCH_MS + tick as i64 * 1000,
        crate::kit::time::RFC3339_MILLIS,
    )
}

pub fn router(sim: Arc<GenericSim>) -> Router {
    macro_rules! list {
        ($which:expr) => {
            get(
                |State(sim): State<Arc<GenericSim>>,
                 headers: HeaderMap,
                 RawQuery(raw): RawQuery| async move { list(sim, $which, headers, raw).await },
            )
        };
    }
    macro_rules! push {
        ($kind:expr) => {
            put(
                |State(sim): State<Arc<GenericSim>>,
                 Path(id): Path<String>,
                 headers: HeaderMap,
                 body: Bytes| async move { put_item(sim, $kind, id, headers, body).await },
            )
        };
    }
    Router::new()
        .route("/categories", list!(Collection::Categories))
        .route("/products", list!(Collection::Products))
        .route("/prices", list!(Collection::Prices))
        .route("/inventory", list!(Collection::Inventory))
        .route("/orders", list!(Collection::Orders))
        .route("/suppliers", list!(Collection::Suppliers))
        .route("/sales/{id}", push!(Push::Sale))
        .route("/transactions/{id}", push!(Push::Transaction))
        .route("/stock-changes/{id}", push!(Push::StockChange))
        .route("/legacy/api/items", get(legacy_items))
        .route("/legacy/api/groups", get(legacy_groups))
        .route("/legacy/api/stock", get(legacy_stock))
        .route("/_sim/fail", post(hook_fail))
        .route("/_sim/products/{id}", post(hook_product))
        .route("/_sim/products/{id}/remove", post(hook_remove_product))
        .route(
            "/_sim/inventory/{id}",
            post(hook_inventory).get(hook_inventory_get),
        )
        .route(
            "/_sim/sales",
            get(|State(sim): State<Arc<GenericSim>>| async move {
                axum::Json(json!(sim.lock().sales)).into_response()
            }),
        )
        .route(
            "/_sim/transactions",
            get(|State(sim): State<Arc<GenericSim>>| async move {
                axum::Json(json!(sim.lock().transactions)).into_response()
            }),
        )
        .route(
            "/_sim/stock-changes",
            get(|State(sim): State<Arc<GenericSim>>| async move {
                axum::Json(json!(sim.lock().stock_changes)).into_response()
            }),
        )
        .with_state(sim)
}

#[cfg(test)]
mod tests;

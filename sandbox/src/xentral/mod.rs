//! Test Mode simulator of the xentral API (`https://{id}.xentral.biz`), as
//! `shared/vendor-specs/xentral.json` (OpenAPI 3.0, "Xentral API v0.1") describes it, for
//! the resources the xentral ERP connector uses:
//!
//! * `GET /api/v1/products`, `GET /api/v1/products/{id}` (`stockCount` is the sum over the
//!   storage locations), `GET /api/v1/products/{id}/storageLocations`.
//! * `GET /api/v1/suppliers`.
//! * `GET /api/v1/purchaseOrders` (without positions, as the spec's list schema has it),
//!   `GET /api/v1/purchaseOrders/{id}` (with `positions`).
//! * `GET /api/v1/salesOrders` (filter `externalOrderId`, `externalOrderNumber`,
//!   `documentNumber`, op `equals`), `GET /api/v1/salesOrders/{id}`,
//!   `POST /api/v1/salesOrders/actions/import` (201, empty body, `Location` header).
//! * `GET /api/v1/warehouses`, `GET /api/v1/warehouses/{w}/storageLocations`,
//!   `GET|POST|PATCH /api/v1/warehouses/{w}/storageLocations/{l}/items` (list, stock in,
//!   retrieve; by `product.sku`).
//!
//! Lists are `{"data": [...], "extra": {"totalCount", "page": {"number", "size"}}}`, paged
//! with `page[number]` (from 1) and `page[size]` (spec: "usually between 10 and 50"; the
//! simulator answers 400 above 50), ordered by id. Filters are the spec's deepObject
//! `filter[i][key]`, `filter[i][op]`, `filter[i][value]`.
//!
//! Auth: `Authorization: Bearer <token>`; [`DEMO_TOKEN`] is the demo instance (40 products,
//! 38 of them stock items spread over 2 warehouses, 3 suppliers, 2 purchase orders), and
//! `gen-N` (1 ≤ N ≤ 1,000,000) the demo instance with N generated stock products instead,
//! computed from their index (nothing is built: a page costs O(page size)). Any other
//! token: 401 `text/html` "Unauthorized" (the spec's 401 example). Errors otherwise are the
//! spec's RFC 7807 problem documents (`application/problem+json`).
//!
//! Test hooks (not xentral; no auth): `GET /_sim/pushed` (`{"salesOrders": [...],
//! "stockMovements": [...]}`: everything booked, duplicates included), `POST /_sim/fail`
//! `{"status", "times"}` (the next API requests answer it; 429 with `Retry-After: 1` and
//! "Too many API calls made."), `POST /_sim/products/{id}/stock` `{"quantity"}` (sets the
//! product's stock: all of it in the first warehouse).

mod auth;
mod errors;
mod hooks;
mod http;
mod model;
mod paging;
mod products;
mod purchasing;
mod sales_orders;
mod stock;

use crate::kit::fault::FaultSlot;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::routing::{get, post};
use hooks::{hook_fail, hook_pushed, hook_stock};
use model::{Product, demo_products};
use products::{get_product, get_product_locations, get_products};
use purchasing::{get_purchase_order, get_purchase_orders, get_suppliers};
use sales_orders::{get_sales_order, get_sales_orders, import_sales_order};
use serde_json::{Value, json};
use stock::{get_items, get_storage_locations, get_warehouses, retrieve, stock_in};

/// The demo instance's personal access token.
pub const DEMO_TOKEN: &str = "xpat_demo_5f2c8e1b7a9d4c3e8f6a2b1d0c9e7f4a";
/// The customer BEEP! sales are booked to (a "BEEP! Scan & Go" walk-in customer).
pub const CUSTOMER_ID: &str = "7";
/// The project of booked sales orders.
pub const PROJECT_ID: &str = "1";
/// The non-stock product a BEEP! sale is booked as (one position with the sale's total).
pub const SALE_PRODUCT_ID: &str = "40";
/// The payment method and shipping method of booked sales orders (the import requires
/// both; a scan-and-go sale is paid by card and picked up).
pub const PAYMENT_METHOD_ID: &str = "3";
pub const SHIPPING_METHOD_ID: &str = "2";
/// The warehouse and storage location stock changes are booked at.
pub const WAREHOUSE_ID: &str = "1";
pub const STORAGE_LOCATION_ID: &str = "11";
/// Spec: "Page size should usually be an integer between 10 and 50."
pub const MAX_PAGE_SIZE: usize = 50;
/// Spec silent: the default page size.
pub const DEFAULT_PAGE_SIZE: usize = 10;
pub const MAX_GENERATED: usize = 1_000_000;
const PRODUCTS: usize = 40;
const UPDATED_AT: &str = "2024-11-04T08:30:00+00:00";

/// Credentials that work against the demo instance. The host adds `baseUrl`.
pub fn sandbox_credentials() -> Value {
    json!({
        "token": DEMO_TOKEN,
        "customerId": CUSTOMER_ID,
        "projectId": PROJECT_ID,
        "productId": SALE_PRODUCT_ID,
        "paymentMethodId": PAYMENT_METHOD_ID,
        "shippingMethodId": SHIPPING_METHOD_ID,
        "warehouseId": WAREHOUSE_ID,
        "storageLocationId": STORAGE_LOCATION_ID,
    })
}

// ---- state ----------------------------------------------------------------------------

struct SimState {
    products: Vec<Product>,
    sales_orders: Vec<Value>,
    movements: Vec<Value>,
    failure: FaultSlot,
}

pub struct XentralSim {
    state: Mutex<SimState>,
}

impl XentralSim {
    pub fn new() -> Arc<XentralSim> {
        Arc::new(XentralSim {
            state: Mutex::new(SimState {
                products: demo_products(),
                sales_orders: Vec::new(),
                movements: Vec::new(),
                failure: FaultSlot::default(),
            }),
        })
    }

    fn lock(&self) -> MutexGuard<'_, SimState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

pub fn router(sim: Arc<XentralSim>) -> Router {
    const ITEMS: &str =
        "/api/v1/warehouses/{warehouseId}/storageLocations/{storageLocationId}/items";
    Router::new()
        .route("/api/v1/products", get(get_products))
        .route("/api/v1/products/{id}", get(get_product))
        .route(
            "/api/v1/products/{id}/storageLocations",
            get(get_product_locations),
        )
        .route("/api/v1/suppliers", get(get_suppliers))
        .route("/api/v1/purchaseOrders", get(get_purchase_orders))
        .route("/api/v1/purchaseOrders/{id}", get(get_purchase_order))
        .route("/api/v1/salesOrders", get(get_sales_orders))
        .route("/api/v1/salesOrders/{id}", get(get_sales_order))
        .route(
            "/api/v1/salesOrders/actions/import",
            post(import_sales_order),
        )
        .route("/api/v1/warehouses", get(get_warehouses))
        .route(
            "/api/v1/warehouses/{warehouseId}/storageLocations",
            get(get_storage_locations),
        )
        .route(ITEMS, get(get_items).post(stock_in).patch(retrieve))
        .route("/_sim/pushed", get(hook_pushed))
        .route("/_sim/fail", post(hook_fail))
        .route("/_sim/products/{id}/stock", post(hook_stock))
        .with_state(sim)
}

#[cfg(test)]
mod tests;

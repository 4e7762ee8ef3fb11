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

use crate::kit::fault::{FaultSlot, Stage};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

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

struct Product {
    id: usize,
    number: String,
    name: String,
    unit: &'static str,
    is_stock_item: bool,
    /// Per storage location ("11" in warehouse 1, "21" in warehouse 2).
    stock: [f64; 2],
    price_cents: i64,
    ean: Option<String>,
    supplier: Option<usize>,
    updated_at: String,
}

struct SimState {
    products: Vec<Product>,
    sales_orders: Vec<Value>,
    movements: Vec<Value>,
    failure: FaultSlot,
}

pub struct XentralSim {
    state: Mutex<SimState>,
}

const NAMES: &[(&str, &str)] = &[
    ("Mineralwasser still 0,5 l", "Stk"),
    ("Apfelschorle 0,5 l", "Stk"),
    ("Kaffee Bohnen 1 kg", "kg"),
    ("Vollmilch 1 l", "Stk"),
    ("Laugenbrezel", "Stk"),
];

fn demo_products() -> Vec<Product> {
    (1..=PRODUCTS)
        .map(|id| {
            let (base, unit) = NAMES[(id - 1) % NAMES.len()];
            let is_stock_item = id <= PRODUCTS - 2;
            Product {
                id,
                number: format!("XP-{:04}", 1000 + id),
                name: if id == PRODUCTS {
                    "BEEP! Scan & Go Verkauf".to_string()
                } else if id == PRODUCTS - 1 {
                    "Versandkosten".to_string()
                } else {
                    format!("{base} #{id}")
                },
                unit,
                is_stock_item,
                stock: if is_stock_item {
                    [(id * 10) as f64, if id % 2 == 0 { 5.0 } else { 0.0 }]
                } else {
                    [0.0, 0.0]
                },
                price_cents: 99 + id as i64 * 10,
                ean: (id % 3 != 0).then(|| format!("40000000{:05}", id)),
                supplier: Some(1 + id % 3),
                updated_at: UPDATED_AT.to_string(),
            }
        })
        .collect()
}

/// Product `i` (1-based) of a `gen-N` instance.
fn generated_product(i: usize) -> Product {
    Product {
        id: i,
        number: format!("GEN-{i:07}"),
        name: format!("Generated product {i}"),
        unit: "Stk",
        is_stock_item: true,
        stock: [(i % 500) as f64, 1.0],
        price_cents: 100 + (i % 900) as i64,
        ean: None,
        supplier: None,
        updated_at: UPDATED_AT.to_string(),
    }
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

/// Which instance a token opens.
enum Instance {
    Demo,
    Generated(usize),
}

fn instance(headers: &HeaderMap) -> Option<Instance> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let token = value.strip_prefix("Bearer ")?.trim();
    if token == DEMO_TOKEN {
        return Some(Instance::Demo);
    }
    let n: usize = token.strip_prefix("gen-")?.parse().ok()?;
    (1..=MAX_GENERATED)
        .contains(&n)
        .then_some(Instance::Generated(n))
}

// ---- answers --------------------------------------------------------------------------

fn problem(status: StatusCode, kind: &str, title: &str, messages: Vec<String>) -> Response {
    let body = json!({
        "type": format!("https://api.xentral.biz/problems/{kind}"),
        "title": title,
        "messages": messages,
    });
    (
        status,
        [(header::CONTENT_TYPE, "application/problem+json")],
        body.to_string(),
    )
        .into_response()
}

fn bad_request(message: &str) -> Response {
    problem(
        StatusCode::BAD_REQUEST,
        "generic-validation",
        "Request validation failed.",
        vec![message.to_string()],
    )
}

fn not_found() -> Response {
    problem(
        StatusCode::NOT_FOUND,
        "not-found",
        "Resource was not found or not enough access privileges",
        vec![],
    )
}

fn unauthorized() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        [(header::CONTENT_TYPE, "text/html")],
        "Unauthorized",
    )
        .into_response()
}

fn failure_response(status: StatusCode) -> Response {
    let text = match status {
        StatusCode::TOO_MANY_REQUESTS => "Too many API calls made.",
        StatusCode::SERVICE_UNAVAILABLE => "Service Unavailable",
        _ => "Internal Server Error",
    };
    let mut resp = (status, [(header::CONTENT_TYPE, "text/html")], text).into_response();
    if status == StatusCode::TOO_MANY_REQUESTS {
        // Spec silent on the header: seconds to wait.
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    }
    resp
}

fn ok(body: Value) -> Response {
    (StatusCode::OK, axum::Json(body)).into_response()
}

/// The query string as a map (`page[number]` → "2").
fn query(raw: Option<&str>) -> HashMap<String, String> {
    form_urlencoded::parse(raw.unwrap_or("").as_bytes())
        .into_owned()
        .collect()
}

/// A 400 with one message.
struct Bad(String);

impl IntoResponse for Bad {
    fn into_response(self) -> Response {
        bad_request(&self.0)
    }
}

struct Page {
    number: usize,
    size: usize,
}

fn page(q: &HashMap<String, String>) -> Result<Page, Bad> {
    let parse = |key: &str, default: usize| -> Result<usize, Bad> {
        match q.get(key) {
            None => Ok(default),
            Some(v) => v
                .parse::<usize>()
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| Bad(format!("{key} must be an integer of at least 1"))),
        }
    };
    let number = parse("page[number]", 1)?;
    let size = parse("page[size]", DEFAULT_PAGE_SIZE)?;
    if size > MAX_PAGE_SIZE {
        return Err(Bad(format!("page[size] must be at most {MAX_PAGE_SIZE}")));
    }
    Ok(Page { number, size })
}

/// The `filter[i][value]` of every `filter[i][key] == key` with op `equals`.
fn filter_equals(q: &HashMap<String, String>, key: &str) -> Result<Option<String>, Bad> {
    for i in 0..10 {
        if q.get(&format!("filter[{i}][key]")).map(String::as_str) == Some(key) {
            let op = q
                .get(&format!("filter[{i}][op]"))
                .map(String::as_str)
                .unwrap_or("equals");
            if op != "equals" {
                return Err(Bad(format!(
                    "the simulator filters {key} with op equals only"
                )));
            }
            return Ok(Some(
                q.get(&format!("filter[{i}][value]"))
                    .cloned()
                    .unwrap_or_default(),
            ));
        }
    }
    Ok(None)
}

fn list(items: Vec<Value>, total: usize, p: &Page) -> Response {
    ok(json!({
        "data": items,
        "extra": {"totalCount": total, "page": {"number": p.number, "size": p.size}},
    }))
}

fn slice_of<T: Clone>(all: &[T], p: &Page) -> Vec<T> {
    let start = (p.number - 1).saturating_mul(p.size).min(all.len());
    all[start..(start + p.size).min(all.len())].to_vec()
}

fn money(cents: i64) -> Value {
    json!({"amount": format!("{}.{:02}", cents / 100, cents % 100), "currency": "EUR"})
}

fn product_json(p: &Product) -> Value {
    let total: f64 = p.stock.iter().sum();
    json!({
        "id": p.id.to_string(),
        "name": p.name,
        "number": p.number,
        "stockCount": total,
        "isStockItem": p.is_stock_item,
        "isDisabled": false,
        "salesTax": "standard",
        "ean": p.ean,
        "unit": {"name": p.unit},
        "standardSupplier": p.supplier.map(|s| json!({"id": s.to_string()})),
        "salesPriceNet": money(p.price_cents),
        "stockStats": {
            "totalCount": format!("{total}"),
            "availableCount": format!("{total}"),
            "purchasedCount": null,
            "inProductionCount": null,
        },
        "updatedAt": p.updated_at,
    })
}

fn location(i: usize) -> (&'static str, &'static str, &'static str) {
    [("11", "1", "Hauptlager A-01"), ("21", "2", "Filiale B-01")][i]
}

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

// ---- handlers -------------------------------------------------------------------------

impl XentralSim {
    /// Auth, then an injected failure, then `f`.
    fn api(
        &self,
        headers: &HeaderMap,
        f: impl FnOnce(&mut SimState, Instance) -> Response,
    ) -> Response {
        let mut state = self.lock();
        let Some(inst) = instance(headers) else {
            return unauthorized();
        };
        if let Some(fault) = state.failure.take_at(Stage::BeforeRequest) {
            return failure_response(fault.status);
        }
        f(&mut state, inst)
    }
}

async fn get_products(
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

async fn get_product(
    State(sim): State<Arc<XentralSim>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    sim.api(&headers, |st, inst| match find_product(st, &inst, &id) {
        Some(p) => ok(json!({"data": product_json(&p)})),
        None => not_found(),
    })
}

async fn get_product_locations(
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

async fn get_suppliers(
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

async fn get_purchase_orders(
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

async fn get_purchase_order(
    State(sim): State<Arc<XentralSim>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    sim.api(&headers, |st, _| match ORDERS.iter().find(|o| o.0 == id) {
        Some(o) => ok(json!({"data": purchase_order_json(o, &st.products, true)})),
        None => not_found(),
    })
}

async fn get_sales_orders(
    State(sim): State<Arc<XentralSim>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    sim.api(&headers, |st, _| {
        let q = query(raw.as_deref());
        let p = match page(&q) {
            Ok(p) => p,
            Err(r) => return r.into_response(),
        };
        let mut all: Vec<Value> = st.sales_orders.clone();
        for key in ["externalOrderId", "externalOrderNumber", "documentNumber"] {
            match filter_equals(&q, key) {
                Ok(Some(v)) => all.retain(|o| o[key] == v.as_str()),
                Ok(None) => {}
                Err(r) => return r.into_response(),
            }
        }
        list(slice_of(&all, &p), all.len(), &p)
    })
}

async fn get_sales_order(
    State(sim): State<Arc<XentralSim>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    sim.api(&headers, |st, _| {
        match st.sales_orders.iter().find(|o| o["id"] == id.as_str()) {
            Some(o) => ok(json!({"data": o})),
            None => not_found(),
        }
    })
}

fn parse_json(body: &Bytes) -> Result<Value, Bad> {
    serde_json::from_slice::<Value>(body)
        .ok()
        .filter(Value::is_object)
        .ok_or_else(|| Bad("the body must be a JSON object".into()))
}

/// The spec's `salesOrder.import` body: required `date`, `customer.id`, `project.id`,
/// `delivery`, `positions[]` (`product.id`, `quantity`, `price` optional).
fn validate_import(st: &SimState, body: &Value) -> Result<(), String> {
    let date = body["date"].as_str().unwrap_or("");
    if date.len() != 10 || date.as_bytes()[4] != b'-' || date.as_bytes()[7] != b'-' {
        return Err("date: This value is not a valid date.".into());
    }
    if body["customer"]["id"] != CUSTOMER_ID {
        return Err("customer.id: customer not found".into());
    }
    if body["project"]["id"] != PROJECT_ID {
        return Err("project.id: project not found".into());
    }
    // The spec's import schema requires financials (paymentMethod, currency) and
    // delivery.shippingMethod.
    if !body["financials"].is_object() {
        return Err("financials: This value should not be blank.".into());
    }
    if body["financials"]["paymentMethod"]["id"] != PAYMENT_METHOD_ID {
        return Err("financials.paymentMethod.id: payment method not found".into());
    }
    if !["EUR", "PLN", "CHF", "USD", "GBP"]
        .contains(&body["financials"]["currency"].as_str().unwrap_or(""))
    {
        return Err("financials.currency: This value is not a valid currency.".into());
    }
    if !body["delivery"].is_object() {
        return Err("delivery: This value should not be blank.".into());
    }
    if body["delivery"]["shippingMethod"]["id"] != SHIPPING_METHOD_ID {
        return Err("delivery.shippingMethod.id: shipping method not found".into());
    }
    let positions = body["positions"]
        .as_array()
        .filter(|p| !p.is_empty())
        .ok_or("positions: This value should not be blank.")?;
    for pos in positions {
        let known = pos["product"]["id"]
            .as_str()
            .and_then(|id| id.parse::<usize>().ok())
            .is_some_and(|id| st.products.iter().any(|p| p.id == id));
        if !known {
            return Err("positions.product.id: product not found".into());
        }
        if !pos["quantity"].is_number() {
            return Err("positions.quantity: This value should be a number.".into());
        }
        if let Some(price) = pos.get("price") {
            let amount_ok = price["amount"]
                .as_str()
                .is_some_and(|a| a.parse::<f64>().is_ok());
            if !amount_ok
                || !["EUR", "PLN", "CHF", "USD", "GBP"]
                    .contains(&price["currency"].as_str().unwrap_or(""))
            {
                return Err("positions.price: not a money object".into());
            }
        }
    }
    Ok(())
}

async fn import_sales_order(
    State(sim): State<Arc<XentralSim>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    sim.api(&headers, |st, _| {
        let body = match parse_json(&body) {
            Ok(b) => b,
            Err(r) => return r.into_response(),
        };
        if let Err(m) = validate_import(st, &body) {
            return problem(
                StatusCode::BAD_REQUEST,
                "request-validation",
                "Request payload validation failed.",
                vec![m],
            );
        }
        let id = (st.sales_orders.len() + 1).to_string();
        let total: f64 = body["positions"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| {
                p["quantity"].as_f64().unwrap_or(0.0)
                    * p["price"]["amount"]
                        .as_str()
                        .and_then(|a| a.parse::<f64>().ok())
                        .unwrap_or(0.0)
            })
            .sum();
        let mut order = body.clone();
        order["id"] = json!(id);
        order["documentNumber"] = json!(format!("AU-{}", 300000 + st.sales_orders.len() + 1));
        order["status"] = json!("created");
        order["total"] = json!((total * 100.0).round() / 100.0);
        st.sales_orders.push(order);
        (
            StatusCode::CREATED,
            [
                (
                    header::LOCATION,
                    format!("https://demo.xentral.biz/api/v1/salesOrders/{id}"),
                ),
                (header::CONTENT_TYPE, "text/html".to_string()),
            ],
            "",
        )
            .into_response()
    })
}

async fn get_warehouses(State(sim): State<Arc<XentralSim>>, headers: HeaderMap) -> Response {
    sim.api(&headers, |_, _| {
        ok(json!({
            "data": [
                {"id": "1", "designation": "Hauptlager", "project": null},
                {"id": "2", "designation": "Filiale", "project": null},
            ],
            "extra": {"totalCount": 2, "page": {"number": 1, "size": 10}},
        }))
    })
}

/// The storage location index of `(warehouse, location)`.
fn location_index(warehouse: &str, loc: &str) -> Option<usize> {
    (0..2).find(|i| location(*i).1 == warehouse && location(*i).0 == loc)
}

async fn get_storage_locations(
    State(sim): State<Arc<XentralSim>>,
    headers: HeaderMap,
    Path(warehouse): Path<String>,
) -> Response {
    sim.api(&headers, |_, _| {
        let data: Vec<Value> = (0..2)
            .filter(|i| location(*i).1 == warehouse)
            .map(|i| {
                let (loc, wh, name) = location(i);
                json!({"id": loc, "warehouse": {"id": wh}, "designation": name})
            })
            .collect();
        if data.is_empty() {
            return not_found();
        }
        ok(json!({"data": data, "extra": {"totalCount": 1, "page": {"number": 1, "size": 10}}}))
    })
}

async fn get_items(
    State(sim): State<Arc<XentralSim>>,
    headers: HeaderMap,
    Path((warehouse, loc)): Path<(String, String)>,
) -> Response {
    sim.api(&headers, |st, _| {
        let Some(i) = location_index(&warehouse, &loc) else {
            return not_found();
        };
        let data: Vec<Value> = st
            .products
            .iter()
            .filter(|p| p.stock[i] != 0.0)
            .map(|p| json!({"id": p.id.to_string(), "product": {"sku": p.number}, "quantity": p.stock[i]}))
            .collect();
        let n = data.len();
        ok(json!({"data": data, "extra": {"totalCount": n, "page": {"number": 1, "size": n}}}))
    })
}

/// `POST` (stock in) and `PATCH` (retrieve) of `…/items`: `{"product": {"sku"}, "quantity", "reason"?}`.
fn book_items(
    sim: &XentralSim,
    headers: &HeaderMap,
    warehouse: &str,
    loc: &str,
    body: &Bytes,
    retrieve: bool,
) -> Response {
    sim.api(headers, |st, _| {
        let Some(i) = location_index(warehouse, loc) else {
            return not_found();
        };
        let body = match parse_json(body) {
            Ok(b) => b,
            Err(r) => return r.into_response(),
        };
        let Some(sku) = body["product"]["sku"].as_str() else {
            return bad_request("product.sku: This value should not be blank.");
        };
        let Some(quantity) = body["quantity"].as_f64().filter(|q| *q > 0.0) else {
            return bad_request("quantity: This value should be positive.");
        };
        let Some(product) = st.products.iter_mut().find(|p| p.number == sku) else {
            return problem(
                StatusCode::NOT_FOUND,
                "not-found",
                "Resource was not found or not enough access privileges",
                vec![format!("no product with SKU {sku}")],
            );
        };
        if retrieve {
            if product.stock[i] < quantity {
                return problem(
                    StatusCode::CONFLICT,
                    "conflict",
                    "Conflict",
                    vec![format!(
                        "not enough stock of {sku} at storage location {loc}"
                    )],
                );
            }
            product.stock[i] -= quantity;
        } else {
            product.stock[i] += quantity;
        }
        st.movements.push(json!({
            "warehouseId": warehouse,
            "storageLocationId": loc,
            "sku": sku,
            "quantity": if retrieve { -quantity } else { quantity },
            "reason": body["reason"],
        }));
        if retrieve {
            StatusCode::NO_CONTENT.into_response()
        } else {
            (
                StatusCode::CREATED,
                [(header::CONTENT_TYPE, "text/html")],
                "",
            )
                .into_response()
        }
    })
}

async fn stock_in(
    State(sim): State<Arc<XentralSim>>,
    headers: HeaderMap,
    Path((warehouse, loc)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    book_items(&sim, &headers, &warehouse, &loc, &body, false)
}

async fn retrieve(
    State(sim): State<Arc<XentralSim>>,
    headers: HeaderMap,
    Path((warehouse, loc)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    book_items(&sim, &headers, &warehouse, &loc, &body, true)
}

// ---- hooks ----------------------------------------------------------------------------

async fn hook_pushed(State(sim): State<Arc<XentralSim>>) -> Response {
    let st = sim.lock();
    ok(json!({"salesOrders": st.sales_orders, "stockMovements": st.movements}))
}

async fn hook_fail(State(sim): State<Arc<XentralSim>>, body: Bytes) -> Response {
    crate::kit::fault::arm(&mut sim.lock().failure, &body)
}

async fn hook_stock(
    State(sim): State<Arc<XentralSim>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let body = match parse_json(&body) {
        Ok(b) => b,
        Err(r) => return r.into_response(),
    };
    let Some(quantity) = body["quantity"].as_f64() else {
        return bad_request("quantity: a number");
    };
    let mut st = sim.lock();
    let Some(p) = st.products.iter_mut().find(|p| p.id.to_string() == id) else {
        return not_found();
    };
    p.stock = [quantity, 0.0];
    p.updated_at = "2024-11-05T10:00:00+00:00".to_string();
    ok(json!({"id": id, "stockCount": quantity}))
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

//! Test Mode simulator of Lightspeed Retail X-Series (`https://{domain_prefix}.retail.lightspeed.app`).
//!
//! It answers the way `shared/vendor-specs/lightspeed-x.json` (API 2.0) and the Postman
//! collection beside it (API 0.9 `register_sales`) say the real service answers, for the
//! resources the Lightspeed POS connector uses:
//!
//! * `GET /api/2.0/products` and `GET /api/2.0/price_book_products`: version paging —
//!   `after` (only objects with a greater version), `before` (only smaller ones),
//!   `page_size`, `deleted` (products only) and `sku` (products only; every other
//!   parameter is then ignored, as the spec says). Answers are
//!   `{"data":[…],"version":{"min","max"}}`, objects in ascending version order.
//! * `GET /api/2.0/product_categories`: the spec's own shape,
//!   `{"data":{"categories":[…]},"page_info":{"has_next","last_seen"}}`, sorted by
//!   category path, paged by `after=<last_seen id>` and `page_size` (default 1000).
//! * `POST /api/register_sales` (API 0.9, beside /api/2.0): a register sale as in the
//!   Postman collection, answered `201 {"register_sale":{…}}`.
//! * `Authorization: Bearer <token>` on every API route; a bad token is
//!   `401 {"error":"Access token is not valid"}` (the spec's example).
//!
//! Where the spec is silent the choices are marked "Spec silent" below.
//!
//! Stores, chosen by token: [`TOKEN`] is the demo store (36 products, 4 categories, 8
//! price-book prices); `lsx_sandbox_gen-N` is a store of N generated products
//! (1 ≤ N ≤ 1,000,000), built on first use and cached.
//!
//! Test hooks (not Lightspeed; no auth), on the demo store: `POST /_sim/products/{id or sku}`
//! `{"name"?, "price"?}`, `POST /_sim/fail` `{"status","times"}`, `GET /_sim/sales`,
//! `GET /_sim/requests`.

use crate::kit::fault::{FaultSlot, Stage};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};

/// The demo store's personal access token.
pub const TOKEN: &str = "lsx_sandbox_demo";
/// Prefix of the generated stores' tokens: `lsx_sandbox_gen-2500`.
pub const GEN_TOKEN_PREFIX: &str = "lsx_sandbox_gen-";
pub const DOMAIN_PREFIX: &str = "beepdemo";
/// The register every store has; BEEP! sales are recorded on it.
pub const REGISTER_ID: &str = "00000008-0000-4000-8000-000000000001";
/// Payment types every store has (`retailer_payment_type_id`).
pub const PAYMENT_TYPE_CARD: &str = "00000009-0000-4000-8000-000000000001";
pub const PAYMENT_TYPE_CASH: &str = "00000009-0000-4000-8000-000000000002";
/// Spec silent: the default `page_size` of the versioned lists (the spec gives 1000 as
/// the default for categories; we use it everywhere).
pub const DEFAULT_PAGE_SIZE: usize = 1000;
/// Spec silent: the largest `page_size`; a larger one is clamped to it.
pub const MAX_PAGE_SIZE: usize = 10_000;
pub const MAX_GENERATED_PRODUCTS: usize = 1_000_000;

const CREATED_AT: &str = "2024-01-01T00:00:00+00:00";
/// Tax rates of the simulated stores (basis points): standard and reduced.
const TAXES: [(&str, u32); 2] = [("MwSt 19 %", 1900), ("MwSt 7 %", 700)];
const PRICE_BOOK_ID: &str = "0000000a-0000-4000-8000-000000000001";

/// Credentials that work against the demo store. The host adds `baseUrl`.
pub fn sandbox_credentials() -> Value {
    json!({
        "token": TOKEN,
        "domainPrefix": DOMAIN_PREFIX,
        "registerId": REGISTER_ID,
        "currency": "EUR",
        "paymentTypes": {"card": PAYMENT_TYPE_CARD, "cash": PAYMENT_TYPE_CASH, "wallet": PAYMENT_TYPE_CARD},
    })
}

fn uid(tag: u32, n: u64) -> String {
    format!("{tag:08x}-0000-4000-8000-{n:012x}")
}

fn tax_id(tax: usize) -> String {
    uid(0xb, tax as u64 + 1)
}

// ---- state ----------------------------------------------------------------------------

pub struct LightspeedSim {
    state: Mutex<SimState>,
}

struct SimState {
    demo: Shop,
    generated: HashMap<usize, Shop>,
    failure: FaultSlot,
    requests: u64,
}

struct Category {
    id: String,
    name: String,
    parent: Option<usize>,
}

struct Product {
    id: String,
    sku: String,
    name: String,
    category: usize,
    /// Tax-inclusive price in cents.
    price: i64,
    tax: usize,
    ean: String,
    version: u64,
}

struct PriceBookProduct {
    id: String,
    product: usize,
    /// Tax-inclusive price in cents.
    price: i64,
    version: u64,
}

#[derive(Default)]
struct Shop {
    version: u64,
    categories: Vec<Category>,
    products: Vec<Product>,
    /// (version, product index), ascending by version: `after=V` is a binary search.
    product_order: Vec<(u64, u32)>,
    price_book: Vec<PriceBookProduct>,
    sales: Vec<Value>,
}

const DEMO_CATEGORIES: [(&str, Option<usize>); 4] = [
    ("Bakery", None),
    ("Drinks", None),
    ("Soft Drinks", Some(1)),
    ("Snacks", None),
];

/// (name, category, price in cents, tax index)
const DEMO_PRODUCTS: [(&str, usize, i64, usize); 36] = [
    ("Club-Mate 0.5l", 2, 189, 0),
    ("Brezel", 0, 95, 1),
    ("Croissant", 0, 129, 1),
    ("Roggenbrot 500g", 0, 349, 1),
    ("Vollkornbrötchen", 0, 65, 1),
    ("Franzbrötchen", 0, 149, 1),
    ("Laugenstange", 0, 110, 1),
    ("Apfeltasche", 0, 179, 1),
    ("Baguette", 0, 199, 1),
    ("Zimtschnecke", 0, 229, 1),
    ("Mineralwasser 0.5l", 2, 99, 0),
    ("Apfelschorle 0.5l", 2, 159, 0),
    ("Cola 0.33l", 2, 149, 0),
    ("Eistee Pfirsich 0.5l", 2, 139, 0),
    ("Orangensaft 1l", 1, 249, 0),
    ("Kaffee Bohnen 1kg", 1, 1499, 1),
    ("Espresso Bohnen 250g", 1, 599, 1),
    ("Grüner Tee 20 Beutel", 1, 299, 1),
    ("Milch 1l", 1, 119, 1),
    ("Hafermilch 1l", 1, 199, 0),
    ("Bier Helles 0.5l", 1, 129, 0),
    ("Radler 0.5l", 1, 119, 0),
    ("Weißwein 0.75l", 1, 699, 0),
    ("Rotwein 0.75l", 1, 749, 0),
    ("Kartoffelchips 175g", 3, 199, 1),
    ("Salzstangen 250g", 3, 129, 1),
    ("Erdnüsse 200g", 3, 249, 1),
    ("Schokolade Vollmilch 100g", 3, 119, 1),
    ("Gummibärchen 200g", 3, 109, 1),
    ("Müsliriegel", 3, 79, 1),
    ("Studentenfutter 200g", 3, 279, 1),
    ("Popcorn 100g", 3, 149, 1),
    ("Energy Drink 0.25l", 2, 179, 0),
    ("Ingwerlimonade 0.33l", 2, 219, 0),
    ("Kokoswasser 0.33l", 2, 249, 0),
    ("Tonic Water 0.2l", 2, 119, 0),
];

/// (product index, price in cents): the "Happy Hour" price book.
const DEMO_PRICE_BOOK: [(usize, i64); 8] = [
    (0, 169),
    (1, 79),
    (2, 99),
    (10, 89),
    (12, 129),
    (20, 99),
    (24, 169),
    (27, 99),
];

fn ean13(first12: u64) -> String {
    let digits: Vec<u32> = format!("{first12:012}")
        .bytes()
        .map(|b| u32::from(b - b'0'))
        .collect();
    let sum: u32 = digits
        .iter()
        .enumerate()
        .map(|(i, d)| if i % 2 == 0 { *d } else { d * 3 })
        .sum();
    format!("{first12:012}{}", (10 - sum % 10) % 10)
}

impl Shop {
    fn next_version(&mut self) -> u64 {
        self.version += 1;
        self.version
    }

    fn base() -> Shop {
        let mut shop = Shop {
            version: 1000,
            ..Shop::default()
        };
        for (i, (name, parent)) in DEMO_CATEGORIES.iter().enumerate() {
            shop.categories.push(Category {
                id: uid(4, i as u64 + 1),
                name: name.to_string(),
                parent: *parent,
            });
        }
        shop
    }

    fn push_product(&mut self, name: String, category: usize, price: i64, tax: usize) {
        let n = self.products.len() as u64 + 1;
        let version = self.next_version();
        self.product_order
            .push((version, self.products.len() as u32));
        self.products.push(Product {
            id: uid(5, n),
            sku: (1000 + n).to_string(),
            name,
            category,
            price,
            tax,
            ean: ean13(400_000_000_000 + n),
            version,
        });
    }

    fn demo() -> Shop {
        let mut shop = Shop::base();
        for (name, category, price, tax) in DEMO_PRODUCTS {
            shop.push_product(name.to_string(), category, price, tax);
        }
        for (i, (product, price)) in DEMO_PRICE_BOOK.iter().enumerate() {
            let version = shop.next_version();
            shop.price_book.push(PriceBookProduct {
                id: uid(0xc, i as u64 + 1),
                product: *product,
                price: *price,
                version,
            });
        }
        shop
    }

    fn generated(n: usize) -> Shop {
        let mut shop = Shop::base();
        shop.products.reserve(n);
        shop.product_order.reserve(n);
        for i in 0..n {
            let category = [0, 1, 2, 3][i % 4];
            shop.push_product(
                format!("Generated product {}", i + 1),
                category,
                50 + (i as i64 * 37) % 2000,
                i % 2,
            );
        }
        shop
    }

    fn find_product(&self, key: &str) -> Option<usize> {
        self.products
            .iter()
            .position(|p| p.id == key || p.sku == key)
    }
}

impl LightspeedSim {
    pub fn new() -> Arc<LightspeedSim> {
        Arc::new(LightspeedSim {
            state: Mutex::new(SimState {
                demo: Shop::demo(),
                generated: HashMap::new(),
                failure: FaultSlot::default(),
                requests: 0,
            }),
        })
    }

    fn lock(&self) -> MutexGuard<'_, SimState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The prologue of every API request: count it, inject a requested failure, check the
    /// bearer token and pick the store it belongs to.
    fn api(&self, headers: &HeaderMap, f: impl FnOnce(&mut Shop) -> Response) -> Response {
        let mut state = self.lock();
        state.requests += 1;
        if let Some(resp) = take_failure(&mut state) {
            return resp;
        }
        let token = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim);
        match token {
            Some(TOKEN) => f(&mut state.demo),
            Some(t) => match t
                .strip_prefix(GEN_TOKEN_PREFIX)
                .and_then(|n| n.parse::<usize>().ok())
                .filter(|n| (1..=MAX_GENERATED_PRODUCTS).contains(n))
            {
                Some(n) => f(state
                    .generated
                    .entry(n)
                    .or_insert_with(|| Shop::generated(n))),
                None => unauthorized(),
            },
            None => unauthorized(),
        }
    }
}

fn take_failure(state: &mut SimState) -> Option<Response> {
    let status = state.failure.take_at(Stage::BeforeRequest)?.status;
    Some(if status == StatusCode::TOO_MANY_REQUESTS {
        let mut resp = error(status, "Too Many Requests", "rate limit exceeded");
        // Spec silent on the header's form: delta-seconds.
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        resp
    } else {
        error(status, "Internal Server Error", "simulated server error")
    })
}

// ---- answers ---------------------------------------------------------------------------

/// Spec silent on most error bodies (it shows only `{"error": …}` for 401); we answer
/// `{"error", "details"}` as API 0.9 did.
fn error(status: StatusCode, error: &str, details: &str) -> Response {
    (
        status,
        axum::Json(json!({"error": error, "details": details})),
    )
        .into_response()
}

fn unauthorized() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        axum::Json(json!({"error": "Access token is not valid"})),
    )
        .into_response()
}

fn bad_request(details: &str) -> Response {
    error(StatusCode::BAD_REQUEST, "Bad Request", details)
}

fn major(cents: i64) -> f64 {
    cents as f64 / 100.0
}

/// Net of a tax-inclusive price, in major units with five decimals (as the spec's examples).
fn net(cents: i64, bps: u32) -> f64 {
    let v = major(cents) * 10_000.0 / (10_000.0 + f64::from(bps));
    (v * 100_000.0).round() / 100_000.0
}

fn product_view(shop: &Shop, p: &Product) -> Value {
    let cat = &shop.categories[p.category];
    let bps = TAXES[p.tax].1;
    json!({
        "id": p.id,
        "name": p.name,
        "variant_name": p.name,
        "handle": p.sku,
        "sku": p.sku,
        "active": true,
        "is_active": true,
        "has_inventory": true,
        "is_composite": false,
        "has_variants": false,
        "variant_parent_id": null,
        "source": "USER",
        "price_including_tax": major(p.price),
        "price_excluding_tax": net(p.price, bps),
        "supply_price": 0,
        "product_type_id": cat.id,
        "type": {"id": cat.id, "name": cat.name},
        "categories": [{"id": cat.id, "name": cat.name}],
        "product_codes": [{"type": "EAN", "code": p.ean}],
        "tag_ids": [],
        "created_at": CREATED_AT,
        "updated_at": CREATED_AT,
        "deleted_at": null,
        "version": p.version,
    })
}

fn price_book_view(shop: &Shop, e: &PriceBookProduct) -> Value {
    let p = &shop.products[e.product];
    let bps = TAXES[p.tax].1;
    let price = net(e.price, bps);
    json!({
        "id": e.id,
        "product_id": p.id,
        "price_book_id": PRICE_BOOK_ID,
        "price": price,
        "retail_tax": ((major(e.price) - price) * 100_000.0).round() / 100_000.0,
        "default_display_price": major(e.price),
        "tax_id": tax_id(p.tax),
        "min_units": null,
        "max_units": null,
        "version": e.version,
        "created_at": CREATED_AT,
        "updated_at": CREATED_AT,
        "deleted_at": null,
    })
}

fn category_path(shop: &Shop, i: usize) -> Vec<usize> {
    let mut path = vec![i];
    while let Some(parent) = shop.categories[*path.last().unwrap()].parent {
        path.push(parent);
    }
    path.reverse();
    path
}

fn category_view(shop: &Shop, i: usize) -> Value {
    let c = &shop.categories[i];
    let path = category_path(shop, i);
    json!({
        "id": c.id,
        "name": c.name,
        "root_category_id": shop.categories[path[0]].id,
        "parent_category_id": c.parent.map(|p| shop.categories[p].id.clone()),
        "leaf_category": !shop.categories.iter().any(|o| o.parent == Some(i)),
        "category_path": path.iter().map(|&j| json!({"id": shop.categories[j].id, "name": shop.categories[j].name})).collect::<Vec<_>>(),
    })
}

// ---- lists ---------------------------------------------------------------------------

struct ListQuery {
    after: u64,
    before: Option<u64>,
    page_size: usize,
    deleted: bool,
}

fn parse_list_query(q: &HashMap<String, String>) -> Result<ListQuery, String> {
    let num = |name: &str| -> Result<Option<u64>, String> {
        match q.get(name) {
            None => Ok(None),
            Some(v) => v
                .parse::<u64>()
                .map(Some)
                .map_err(|_| format!("{name} must be a non-negative integer")),
        }
    };
    let page_size = match num("page_size")? {
        None => DEFAULT_PAGE_SIZE,
        Some(0) => return Err("page_size must be at least 1".into()),
        Some(n) => (n as usize).min(MAX_PAGE_SIZE),
    };
    Ok(ListQuery {
        after: num("after")?.unwrap_or(0),
        before: num("before")?,
        page_size,
        deleted: q.get("deleted").is_some_and(|v| v == "true" || v == "1"),
    })
}

/// `{"data": […], "version": {"min","max"}}`; spec silent on an empty page's version: null.
fn collection(data: Vec<Value>, versions: impl Iterator<Item = u64> + Clone) -> Response {
    let version = match (versions.clone().min(), versions.max()) {
        (Some(min), Some(max)) => json!({"min": min, "max": max}),
        _ => Value::Null,
    };
    (
        StatusCode::OK,
        axum::Json(json!({"data": data, "version": version})),
    )
        .into_response()
}

async fn list_products(
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

async fn list_price_book_products(
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

async fn list_categories(
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

// ---- register sales ------------------------------------------------------------------

const SALE_STATUSES: [&str; 7] = [
    "SAVED",
    "CLOSED",
    "ONACCOUNT",
    "ONACCOUNT_CLOSED",
    "LAYBY",
    "LAYBY_CLOSED",
    "VOIDED",
];

fn number(v: &Value, field: &str) -> Result<f64, String> {
    v.get(field)
        .and_then(Value::as_f64)
        .filter(|n| n.is_finite())
        .ok_or_else(|| format!("{field} must be a number"))
}

/// Checks a register sale and completes it as Lightspeed stores it (ids, totals).
fn validate_sale(shop: &Shop, body: &Value, id: String) -> Result<Value, String> {
    let register = body.get("register_id").and_then(Value::as_str);
    if register != Some(REGISTER_ID) {
        return Err(format!(
            "register_id {register:?} is not a register of this store"
        ));
    }
    let status = body
        .get("status")
        .and_then(Value::as_str)
        .unwrap_or("SAVED");
    if !SALE_STATUSES.contains(&status) {
        return Err(format!("status {status:?} is not a register sale status"));
    }
    let lines = body
        .get("register_sale_products")
        .and_then(Value::as_array)
        .filter(|l| !l.is_empty())
        .ok_or("register_sale_products must list at least one product")?;
    let (mut total_price, mut total_tax) = (0.0, 0.0);
    let mut stored_lines = Vec::with_capacity(lines.len());
    for (n, line) in lines.iter().enumerate() {
        let product = line.get("product_id").and_then(Value::as_str).unwrap_or("");
        if !shop.products.iter().any(|p| p.id == product) {
            return Err(format!("product_id {product:?} not found"));
        }
        let quantity = number(line, "quantity")?;
        let price = number(line, "price")?;
        let tax = line.get("tax").and_then(Value::as_f64).unwrap_or(0.0);
        total_price += quantity * price;
        total_tax += quantity * tax;
        let mut stored = line.clone();
        stored["id"] = json!(format!("{id}-p{}", n + 1));
        stored["status"] = json!(
            line.get("status")
                .and_then(Value::as_str)
                .unwrap_or("CONFIRMED")
        );
        stored_lines.push(stored);
    }
    let payments = body
        .get("register_sale_payments")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut total_payment = 0.0;
    for p in &payments {
        let kind = p.get("retailer_payment_type_id").and_then(Value::as_str);
        if kind != Some(PAYMENT_TYPE_CARD) && kind != Some(PAYMENT_TYPE_CASH) {
            return Err(format!("retailer_payment_type_id {kind:?} not found"));
        }
        total_payment += number(p, "amount")?;
    }
    let round = |v: f64| (v * 100_000.0).round() / 100_000.0;
    let mut sale = body.clone();
    sale["id"] = json!(id);
    sale["status"] = json!(status);
    sale["register_sale_products"] = json!(stored_lines);
    sale["register_sale_payments"] = json!(payments);
    sale["totals"] = json!({
        "total_price": round(total_price),
        "total_tax": round(total_tax),
        "total_payment": round(total_payment),
        "total_to_pay": round(total_price + total_tax - total_payment),
    });
    Ok(sale)
}

/// `POST /api/register_sales` (API 0.9). Spec silent on resends: a sale whose `source_id`
/// the store already holds is not created again; the answer is `200` with the stored
/// sale (the endpoint is "create or update"; nothing changes), where a new sale is `201`.
async fn post_register_sale(
    State(sim): State<Arc<LightspeedSim>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    sim.api(&headers, |shop| {
        let body: Value = match serde_json::from_slice(&body) {
            Ok(v @ Value::Object(_)) => v,
            Ok(_) => return bad_request("the body must be a register sale object"),
            Err(e) => return bad_request(&format!("malformed JSON: {e}")),
        };
        let source_id = body
            .get("source_id")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty());
        if let Some(source_id) = source_id
            && let Some(existing) = shop
                .sales
                .iter()
                .find(|s| s["source_id"].as_str() == Some(source_id))
        {
            return (
                StatusCode::OK,
                axum::Json(json!({"register_sale": existing})),
            )
                .into_response();
        }
        let id = uid(0xd, shop.sales.len() as u64 + 1);
        match validate_sale(shop, &body, id) {
            Ok(sale) => {
                shop.sales.push(sale.clone());
                (
                    StatusCode::CREATED,
                    axum::Json(json!({"register_sale": sale})),
                )
                    .into_response()
            }
            Err(details) => bad_request(&details),
        }
    })
}

// ---- hooks ---------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProductChange {
    name: Option<String>,
    price: Option<f64>,
}

/// `POST /_sim/products/{id or sku}`: renames and/or reprices (tax-inclusive, major units)
/// a demo product, which gets a new version.
async fn hook_change_product(
    State(sim): State<Arc<LightspeedSim>>,
    Path(key): Path<String>,
    body: Bytes,
) -> Response {
    let change: ProductChange = match serde_json::from_slice(&body) {
        Ok(c) => c,
        Err(e) => return bad_request(&e.to_string()),
    };
    let mut state = sim.lock();
    let shop = &mut state.demo;
    let Some(idx) = shop.find_product(&key) else {
        return error(StatusCode::NOT_FOUND, "Not Found", "product not found");
    };
    if let Some(price) = change.price {
        if !price.is_finite() || price < 0.0 {
            return bad_request("price must be a non-negative number");
        }
        shop.products[idx].price = (price * 100.0).round() as i64;
    }
    if let Some(name) = change.name {
        shop.products[idx].name = name;
    }
    let old = shop.products[idx].version;
    let new = shop.next_version();
    shop.products[idx].version = new;
    if let Ok(pos) = shop.product_order.binary_search_by_key(&old, |(v, _)| *v) {
        shop.product_order.remove(pos);
        shop.product_order.push((new, idx as u32));
    }
    (
        StatusCode::OK,
        axum::Json(product_view(shop, &shop.products[idx])),
    )
        .into_response()
}

/// `POST /_sim/fail`: the next `times` API requests answer `status` (429 with
/// `Retry-After: 1`, 500 or 503).
async fn hook_fail(State(sim): State<Arc<LightspeedSim>>, body: Bytes) -> Response {
    crate::kit::fault::arm(&mut sim.lock().failure, &body)
}

/// `GET /_sim/sales`: every register sale the demo store holds, in arrival order.
async fn hook_sales(State(sim): State<Arc<LightspeedSim>>) -> Response {
    (StatusCode::OK, axum::Json(sim.lock().demo.sales.clone())).into_response()
}

/// `GET /_sim/requests`: API requests served (failures and bad tokens included).
async fn hook_requests(State(sim): State<Arc<LightspeedSim>>) -> Response {
    (StatusCode::OK, axum::Json(sim.lock().requests)).into_response()
}

async fn fallback() -> Response {
    error(StatusCode::NOT_FOUND, "Not Found", "no such resource")
}

/// The simulator's routes, relative to the vendor origin (`/api/2.0/…`, `/api/register_sales`)
/// plus `/_sim/…`.
pub fn router(sim: Arc<LightspeedSim>) -> Router {
    Router::new()
        .route("/api/2.0/products", get(list_products))
        .route("/api/2.0/product_categories", get(list_categories))
        .route(
            "/api/2.0/price_book_products",
            get(list_price_book_products),
        )
        .route("/api/register_sales", post(post_register_sale))
        .route("/_sim/products/{id}", post(hook_change_product))
        .route("/_sim/fail", post(hook_fail))
        .route("/_sim/sales", get(hook_sales))
        .route("/_sim/requests", get(hook_requests))
        .fallback(fallback)
        .with_state(sim)
}

#[cfg(test)]
mod tests;

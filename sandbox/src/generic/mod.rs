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

use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde::Deserialize;
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

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        axum::Json(json!({"error": {"code": code, "message": message}})),
    )
        .into_response()
}

fn failure_response(status: StatusCode) -> Response {
    let mut resp = error(status, "simulated", "simulated failure");
    if status == StatusCode::TOO_MANY_REQUESTS {
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    }
    resp
}

fn query(raw: Option<&str>) -> Vec<(String, String)> {
    form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

fn param<'a>(q: &'a [(String, String)], name: &str) -> Option<&'a str> {
    q.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

fn authorized(headers: &HeaderMap) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == format!("Bearer {DEMO_TOKEN}"))
}

fn unauthorized() -> Response {
    let mut resp = error(
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "missing or invalid bearer token",
    );
    resp.headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    resp
}

#[derive(Clone, Copy)]
enum Collection {
    Categories,
    Products,
    Prices,
    Inventory,
    Orders,
    Suppliers,
}

impl Collection {
    fn of(self, s: &mut SimState) -> &mut Vec<Record> {
        match self {
            Collection::Categories => &mut s.categories,
            Collection::Products => &mut s.products,
            Collection::Prices => &mut s.prices,
            Collection::Inventory => &mut s.inventory,
            Collection::Orders => &mut s.orders,
            Collection::Suppliers => &mut s.suppliers,
        }
    }
}

/// `GET /{collection}`: the protocol's list.
async fn list(
    sim: Arc<GenericSim>,
    which: Collection,
    headers: HeaderMap,
    raw: Option<String>,
) -> Response {
    if !authorized(&headers) {
        return unauthorized();
    }
    let q = query(raw.as_deref());
    let limit = match param(&q, "limit").map(str::parse::<usize>) {
        None => DEFAULT_LIMIT,
        Some(Ok(n)) if (1..=MAX_LIMIT).contains(&n) => n,
        _ => {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_parameter",
                "limit must be an integer from 1 to 1000",
            );
        }
    };
    let since = match param(&q, "updatedSince") {
        None => None,
        Some(s) => match beep_sdk::generic::rfc3339_nanos(s) {
            Some(n) => Some(n),
            None => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "invalid_parameter",
                    "updatedSince must be an RFC 3339 date-time",
                );
            }
        },
    };
    // The cursor is opaque to clients: here, the tick and id of the last item sent.
    let after: Option<(u64, String)> = match param(&q, "cursor") {
        None => None,
        Some(c) => match c
            .strip_prefix("t")
            .and_then(|r| r.split_once('.'))
            .and_then(|(t, id)| Some((t.parse().ok()?, id.to_string())))
        {
            Some(a) => Some(a),
            None => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "invalid_cursor",
                    "cursor is not one this server issued",
                );
            }
        },
    };
    let mut s = sim.lock();
    if let Some(r) = s.fail_before() {
        return r;
    }
    let records = which.of(&mut s);
    let mut items: Vec<&Record> = records
        .iter()
        .filter(|r| {
            since.is_none_or(|since| {
                beep_sdk::generic::rfc3339_nanos(&updated_at(r.tick)).unwrap_or(0) > since
            })
        })
        .filter(|r| {
            after
                .as_ref()
                .is_none_or(|(t, id)| (r.tick, &r.id) > (*t, id))
        })
        .collect();
    items.sort_by(|a, b| (a.tick, &a.id).cmp(&(b.tick, &b.id)));
    let more = items.len() > limit;
    items.truncate(limit);
    let next = more
        .then(|| items.last().map(|r| format!("t{}.{}", r.tick, r.id)))
        .flatten();
    let data: Vec<Value> = items
        .iter()
        .map(|r| {
            let mut v = r.data.clone();
            v["id"] = json!(r.id);
            v["updatedAt"] = json!(updated_at(r.tick));
            v
        })
        .collect();
    axum::Json(json!({"data": data, "next": next})).into_response()
}

#[derive(Clone, Copy, PartialEq)]
enum Push {
    Sale,
    Transaction,
    StockChange,
}

fn money_ok(v: &Value) -> bool {
    v["amount"].is_i64()
        && v["currency"]
            .as_str()
            .is_some_and(|c| c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase()))
}

/// What is wrong with a pushed body, if anything.
fn invalid(kind: Push, id: &str, body: &Value) -> Option<String> {
    if body["id"].as_str() != Some(id) {
        return Some("id must equal the path's id".into());
    }
    let ts = |k: &str| {
        body[k]
            .as_str()
            .and_then(beep_sdk::generic::rfc3339_nanos)
            .is_some()
    };
    match kind {
        Push::Sale => {
            if !body["receiptNumber"].is_string() {
                return Some("receiptNumber is required".into());
            }
            if !money_ok(&body["total"]) {
                return Some("total must be a money object".into());
            }
            let Some(lines) = body["lines"].as_array() else {
                return Some("lines is required".into());
            };
            if lines.iter().any(|l| {
                !l["quantity"].is_number() || !money_ok(&l["unitPrice"]) || !l["name"].is_string()
            }) {
                return Some("every line needs name, quantity and unitPrice".into());
            }
            (!ts("createdAt")).then(|| "createdAt must be RFC 3339".into())
        }
        Push::Transaction => {
            if !matches!(body["kind"].as_str(), Some("sale" | "payment" | "refund")) {
                return Some("kind must be sale, payment or refund".into());
            }
            if !money_ok(&body["amount"]) {
                return Some("amount must be a money object".into());
            }
            (!ts("occurredAt")).then(|| "occurredAt must be RFC 3339".into())
        }
        Push::StockChange => {
            if !body["quantityDelta"].is_number() || !body["reason"].is_string() {
                return Some("quantityDelta and reason are required".into());
            }
            (!ts("occurredAt")).then(|| "occurredAt must be RFC 3339".into())
        }
    }
}

/// `PUT /sales|transactions|stock-changes/{id}`: created once, recognised when resent.
async fn put_item(
    sim: Arc<GenericSim>,
    kind: Push,
    id: String,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !authorized(&headers) {
        return unauthorized();
    }
    let body: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return error(StatusCode::BAD_REQUEST, "invalid_json", &e.to_string()),
    };
    if let Some(why) = invalid(kind, &id, &body) {
        return error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_request", &why);
    }
    let mut s = sim.lock();
    if let Some(r) = s.fail_before() {
        return r;
    }
    let prefix = match kind {
        Push::Sale => "sale",
        Push::Transaction => "txn",
        Push::StockChange => "stk",
    };
    let list = match kind {
        Push::Sale => &s.sales,
        Push::Transaction => &s.transactions,
        Push::StockChange => &s.stock_changes,
    };
    if let Some(pos) = list.iter().position(|v| v["id"] == id.as_str()) {
        let external = format!("{prefix}-{}", pos + 1);
        return (
            StatusCode::OK,
            axum::Json(json!({"id": id, "externalId": external})),
        )
            .into_response();
    }
    let external = format!("{prefix}-{}", list.len() + 1);
    match kind {
        Push::Sale => s.sales.push(body),
        Push::Transaction => s.transactions.push(body),
        Push::StockChange => {
            let delta = body["quantityDelta"].as_f64().unwrap_or(0.0);
            s.tick += 1;
            let tick = s.tick;
            if let Some(r) = s.inventory.iter_mut().find(|r| {
                body["productId"].as_str() == Some(r.id.as_str())
                    || (body["sku"].is_string() && body["sku"] == r.data["sku"])
            }) {
                let q = r.data["quantity"].as_f64().unwrap_or(0.0) + delta;
                r.data["quantity"] = json!(q);
                r.tick = tick;
            }
            s.stock_changes.push(body);
        }
    }
    if let Some(r) = s.lost() {
        return r;
    }
    (
        StatusCode::CREATED,
        axum::Json(json!({"id": id, "externalId": external})),
    )
        .into_response()
}

// ---- the legacy shop -------------------------------------------------------------------

fn legacy_authorized(headers: &HeaderMap) -> bool {
    headers
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == LEGACY_KEY)
}

fn legacy_denied() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        axum::Json(json!({"status": "error", "message": "invalid api key"})),
    )
        .into_response()
}

fn number(q: &[(String, String)], name: &str, default: usize) -> Option<usize> {
    match param(q, name) {
        None => Some(default),
        Some(v) => v.parse().ok(),
    }
}

/// `GET /legacy/api/items?page=&limit=`: 1-based pages, `meta.total`, a `Link` header.
async fn legacy_items(
    State(sim): State<Arc<GenericSim>>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    if !legacy_authorized(&headers) {
        return legacy_denied();
    }
    let q = query(raw.as_deref());
    let (page, limit) = match (number(&q, "page", 1), number(&q, "limit", 5)) {
        (Some(p), Some(l)) if p >= 1 && (1..=50).contains(&l) => (p, l),
        _ => return legacy_bad("page >= 1, limit 1..=50"),
    };
    let mut s = sim.lock();
    if let Some(r) = s.fail_before() {
        return r;
    }
    let total = s.legacy_items.len();
    let data: Vec<Value> = s
        .legacy_items
        .iter()
        .skip((page - 1) * limit)
        .take(limit)
        .cloned()
        .collect();
    let mut resp =
        axum::Json(json!({"data": data, "meta": {"total": total, "page": page, "limit": limit}}))
            .into_response();
    if page * limit < total {
        let link = format!(
            "<{}?page={}&limit={limit}>; rel=\"next\"",
            uri.path(),
            page + 1
        );
        if let Ok(v) = HeaderValue::from_str(&link) {
            resp.headers_mut().insert(header::LINK, v);
        }
    }
    resp
}

fn legacy_bad(message: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        axum::Json(json!({"status": "error", "message": message})),
    )
        .into_response()
}

/// `GET /legacy/api/groups`: everything at once, under `groups`.
async fn legacy_groups(State(sim): State<Arc<GenericSim>>, headers: HeaderMap) -> Response {
    if !legacy_authorized(&headers) {
        return legacy_denied();
    }
    let s = sim.lock();
    axum::Json(json!({"groups": s.legacy_groups})).into_response()
}

/// `GET /legacy/api/stock?offset=&limit=`: `{"rows", "total"}`.
async fn legacy_stock(
    State(sim): State<Arc<GenericSim>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    if !legacy_authorized(&headers) {
        return legacy_denied();
    }
    let q = query(raw.as_deref());
    let (offset, limit) = match (number(&q, "offset", 0), number(&q, "limit", 3)) {
        (Some(o), Some(l)) if (1..=50).contains(&l) => (o, l),
        _ => return legacy_bad("limit 1..=50"),
    };
    let s = sim.lock();
    let rows: Vec<Value> = s
        .legacy_stock
        .iter()
        .skip(offset)
        .take(limit)
        .cloned()
        .collect();
    axum::Json(json!({"rows": rows, "total": s.legacy_stock.len()})).into_response()
}

// ---- hooks -----------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FailRequest {
    status: u16,
    times: u32,
    #[serde(default)]
    after_write: bool,
    /// Requests to answer normally first: an outage in the middle of a run.
    #[serde(default)]
    after: u32,
}

async fn hook_fail(State(sim): State<Arc<GenericSim>>, body: Bytes) -> Response {
    let req: FailRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return legacy_bad(&e.to_string()),
    };
    let Ok(status) = StatusCode::from_u16(req.status) else {
        return legacy_bad("bad status");
    };
    sim.lock().failure = (req.times > 0).then_some(Failure {
        status,
        skip: req.after,
        remaining: req.times,
        after_write: req.after_write,
    });
    axum::Json(json!({"armed": req.times})).into_response()
}

#[derive(Deserialize)]
struct ProductChange {
    name: Option<String>,
    /// Minor units, EUR.
    price: Option<i64>,
}

async fn hook_product(
    State(sim): State<Arc<GenericSim>>,
    Path(id): Path<String>,
    axum::Json(change): axum::Json<ProductChange>,
) -> Response {
    let mut s = sim.lock();
    s.tick += 1;
    let tick = s.tick;
    let Some(r) = s.products.iter_mut().find(|r| r.id == id) else {
        return error(StatusCode::NOT_FOUND, "not_found", "no such product");
    };
    if let Some(n) = change.name {
        r.data["name"] = json!(n);
    }
    if let Some(p) = change.price {
        r.data["price"] = eur(p);
    }
    r.tick = tick;
    axum::Json(json!({"id": id, "updatedAt": updated_at(tick)})).into_response()
}

/// Removes a product outright (not a delisting): only a full run can notice.
async fn hook_remove_product(
    State(sim): State<Arc<GenericSim>>,
    Path(id): Path<String>,
) -> Response {
    let mut s = sim.lock();
    let before = s.products.len();
    s.products.retain(|r| r.id != id);
    axum::Json(json!({"removed": before - s.products.len()})).into_response()
}

#[derive(Deserialize)]
struct StockSet {
    quantity: f64,
}

async fn hook_inventory(
    State(sim): State<Arc<GenericSim>>,
    Path(id): Path<String>,
    axum::Json(set): axum::Json<StockSet>,
) -> Response {
    let mut s = sim.lock();
    s.tick += 1;
    let tick = s.tick;
    let Some(r) = s.inventory.iter_mut().find(|r| r.id == id) else {
        return error(StatusCode::NOT_FOUND, "not_found", "no such stock level");
    };
    r.data["quantity"] = json!(set.quantity);
    r.tick = tick;
    axum::Json(json!({"id": id})).into_response()
}

async fn hook_inventory_get(
    State(sim): State<Arc<GenericSim>>,
    Path(id): Path<String>,
) -> Response {
    let s = sim.lock();
    match s.inventory.iter().find(|r| r.id == id) {
        Some(r) => axum::Json(r.data.clone()).into_response(),
        None => error(StatusCode::NOT_FOUND, "not_found", "no such stock level"),
    }
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

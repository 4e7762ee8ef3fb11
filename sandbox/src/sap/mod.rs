//! Test Mode simulator of the SAP Business One Service Layer (`https://{host}:50000/b1s/v1`).
//! SAP publishes no OpenAPI file (the Service Layer serves `$metadata` at run time); this
//! follows SAP's documented behaviour for what the SAP ERP connector uses:
//!
//! * `POST /b1s/v1/Login` `{"CompanyDB", "UserName", "Password"}` answers
//!   `{"odata.metadata", "SessionId", "Version", "SessionTimeout"}` and sets the cookies
//!   `B1SESSION` and `ROUTEID`; `POST /b1s/v1/Logout` (204) ends the session. Every other
//!   request needs `Cookie: B1SESSION=…`; without a live session: 401
//!   `{"error":{"code":301,"message":{"lang":"en-us","value":"Invalid session."}}}`.
//!   A failed login: 401 `{"error":{"code":100000027,"message":{…,"value":"Login failed"}}}`.
//! * `GET /b1s/v1/{Items|BusinessPartners|PurchaseOrders|Invoices|Orders|InventoryGenExits|
//!   InventoryGenEntries|IncomingPayments|VendorPayments}` with `$select`, `$filter` (clauses `Field op
//!   'value'` or `Field op number` joined by `and`; ops eq ne ge gt le lt), `$top`,
//!   `$skip`; pages of `Prefer: odata.maxpagesize=N` (default 20, as SAP), answered as
//!   `{"odata.metadata", "value": [...], "@odata.nextLink": "Items?…&$skip=40"}` (the
//!   link relative to the service root, the query options kept).
//! * `POST` of the same documents (201 with the document, `DocEntry` and `DocNum` set).
//!   Sales documents need an existing customer and known items; goods issues and receipts
//!   move the stock of their lines' warehouse (`WarehouseCode`, else the item's default
//!   `01`), as SAP does, without touching the item's `UpdateDate`. Payments
//!   (`IncomingPayments`: money in; `VendorPayments`: outgoing payments, which B1 also
//!   makes to customers, e.g. a refund) need `DocType` `rCustomer` with a customer's
//!   `CardCode` (`rSupplier`: a supplier's), a positive `TransferSum` with an existing
//!   G/L `TransferAccount` (or a positive `CashSum`). Like SAP, nothing rejects a second
//!   document with the same `NumAtCard`, `Remarks` or `Comments`: a resend is booked
//!   again (visible in `/_sim/documents`), so only the connector's search prevents it.
//!
//! Company databases: [`COMPANY_DB`] (30 inventory items with stock in warehouses 01 and
//! 02, `UpdateDate` 2024-10-01 … 2024-10-30; the non-inventory item `BEEP-SALE`; 3
//! suppliers, 2 customers and a lead; 2 purchase orders with lines) and `gen-N` (1 ≤ N ≤
//! 1,000,000: the same with N generated inventory items instead, computed from their
//! index: a page costs O(page size)). User [`USER`], password [`PASSWORD`] for both.
//!
//! Test hooks (not SAP; no auth), under the simulator's root (beside `/b1s`):
//! `GET /_sim/documents` (`{"Invoices": [...], …, "sessions": n}`: everything booked,
//! duplicates included), `GET /_sim/sessions` (`{"active": n, "logins": n}`),
//! `POST /_sim/fail` `{"status", "times", "afterWrite"}` (the next API requests other
//! than `Logout` answer it; 429 with `Retry-After: 1`; with `afterWrite` only the next
//! `POST` of a document does, after booking it: an answer lost on the way back), `POST /_sim/items/{code}/stock` `{"quantity"}`
//! (sets the item's stock in warehouse 01 and its `UpdateDate` to today),
//! `POST /_sim/expire-sessions` (every session answers 401 from now on).

use crate::kit::fault::{FaultSlot, Stage};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Map, Value, json};

pub const COMPANY_DB: &str = "SBODEMODE";
pub const USER: &str = "manager";
pub const PASSWORD: &str = "B1Demo!2024";
/// The customer BEEP! sales are booked to.
pub const CUSTOMER: &str = "C-BEEP";
/// The non-inventory item a BEEP! sale is booked as.
pub const SALE_ITEM: &str = "BEEP-SALE";
pub const MAX_GENERATED: usize = 1_000_000;
/// SAP's default page size.
pub const DEFAULT_PAGE_SIZE: usize = 20;
/// Larger pages are cut to this (keeps a page O(page)).
pub const MAX_PAGE_SIZE: usize = 5_000;
const ITEMS: usize = 30;
const GENERATED_DATE: &str = "2024-10-01";
const ENTITIES: &[&str] = &[
    "Items",
    "BusinessPartners",
    "PurchaseOrders",
    "Invoices",
    "Orders",
    "InventoryGenExits",
    "InventoryGenEntries",
    "IncomingPayments",
    "VendorPayments",
];
const BOOKED: &[&str] = &[
    "Invoices",
    "Orders",
    "InventoryGenExits",
    "InventoryGenEntries",
    "IncomingPayments",
    "VendorPayments",
];
/// The demo company's G/L accounts a payment may transfer through (SKR03: bank, money
/// in transit).
pub const PAYMENT_ACCOUNTS: &[&str] = &["1200", "1360"];
/// The account BEEP! payments are booked through in the demo company.
pub const PAYMENT_ACCOUNT: &str = "1360";

/// Credentials that work against the demo company. The host adds `baseUrl`.
pub fn sandbox_credentials() -> Value {
    json!({
        "companyDb": COMPANY_DB,
        "userName": USER,
        "password": PASSWORD,
        "cardCode": CUSTOMER,
        "saleItemCode": SALE_ITEM,
        "paymentAccount": PAYMENT_ACCOUNT,
    })
}

// ---- state ----------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Debug)]
enum Company {
    Demo,
    Generated(usize),
}

struct SimState {
    /// Demo items (inventory items first, then `BEEP-SALE`).
    items: Vec<Value>,
    partners: Vec<Value>,
    purchase_orders: Vec<Value>,
    /// Booked documents by entity.
    booked: HashMap<&'static str, Vec<Value>>,
    sessions: HashMap<String, Company>,
    logins: u64,
    next_session: u64,
    next_entry: u64,
    failure: FaultSlot,
}

pub struct SapSim {
    state: Mutex<SimState>,
}

const NAMES: &[(&str, &str)] = &[
    ("Mineralwasser still 0,5 l", "Stk"),
    ("Apfelschorle 0,5 l", "Stk"),
    ("Kaffee Bohnen 1 kg", "kg"),
    ("Vollmilch 1 l", "Stk"),
    ("Laugenbrezel", "Stk"),
];

fn item(code: String, name: String, uom: &str, stock: [f64; 2], date: &str) -> Value {
    json!({
        "ItemCode": code,
        "ItemName": name,
        "InventoryItem": "tYES",
        "SalesItem": "tYES",
        "PurchaseItem": "tYES",
        "InventoryUOM": uom,
        "DefaultWarehouse": "01",
        "QuantityOnStock": stock[0] + stock[1],
        "UpdateDate": date,
        "ItemWarehouseInfoCollection": [
            {"ItemCode": null, "WarehouseCode": "01", "InStock": stock[0], "Committed": 0.0, "Ordered": 0.0},
            {"ItemCode": null, "WarehouseCode": "02", "InStock": stock[1], "Committed": 0.0, "Ordered": 0.0},
        ],
    })
}

fn demo_items() -> Vec<Value> {
    let mut items: Vec<Value> = (1..=ITEMS)
        .map(|i| {
            let (name, uom) = NAMES[(i - 1) % NAMES.len()];
            let stock = [(i * 10) as f64, if i % 2 == 0 { 5.0 } else { 0.0 }];
            let mut v = item(
                format!("A{i:04}"),
                format!("{name} #{i}"),
                uom,
                stock,
                &format!("2024-10-{i:02}"),
            );
            fill_item_codes(&mut v);
            v
        })
        .collect();
    items.push(json!({
        "ItemCode": SALE_ITEM,
        "ItemName": "BEEP! Scan & Go Verkauf",
        "InventoryItem": "tNO",
        "SalesItem": "tYES",
        "PurchaseItem": "tNO",
        "InventoryUOM": null,
        "DefaultWarehouse": null,
        "QuantityOnStock": 0.0,
        "UpdateDate": "2024-09-01",
        "ItemWarehouseInfoCollection": [],
    }));
    items
}

fn fill_item_codes(v: &mut Value) {
    let code = v["ItemCode"].clone();
    if let Some(list) = v["ItemWarehouseInfoCollection"].as_array_mut() {
        for w in list {
            w["ItemCode"] = code.clone();
        }
    }
}

/// Item `i` (1-based) of a `gen-N` company.
fn generated_item(i: usize) -> Value {
    let mut v = item(
        format!("G{i:07}"),
        format!("Generated item {i}"),
        "Stk",
        [(i % 500) as f64, 1.0],
        GENERATED_DATE,
    );
    fill_item_codes(&mut v);
    v
}

fn demo_partners() -> Vec<Value> {
    let bp =
        |code: &str, name: &str, kind: &str, email: Option<&str>, vat: Option<&str>, date: &str| {
            json!({
                "CardCode": code, "CardName": name, "CardType": kind,
                "EmailAddress": email, "FederalTaxID": vat, "Currency": "EUR",
                "UpdateDate": date,
            })
        };
    vec![
        bp(
            "C-BEEP",
            "BEEP! Scan & Go Laufkundschaft",
            "cCustomer",
            None,
            None,
            "2024-09-01",
        ),
        bp(
            "C20000",
            "Café Morgenrot",
            "cCustomer",
            Some("info@morgenrot.example"),
            None,
            "2024-09-02",
        ),
        bp(
            "L30000",
            "Interessent Süd",
            "cLid",
            None,
            None,
            "2024-09-03",
        ),
        bp(
            "V10000",
            "Getränke Großhandel Nord GmbH",
            "cSupplier",
            Some("bestellung@getraenke-nord.example"),
            Some("DE811907980"),
            "2024-09-10",
        ),
        bp(
            "V10001",
            "Bäckerei Sonnenschein",
            "cSupplier",
            None,
            Some("DE129273398"),
            "2024-09-11",
        ),
        bp(
            "V10002",
            "Kaffeerösterei Hafen KG",
            "cSupplier",
            Some("order@roesterei.example"),
            None,
            "2024-09-12",
        ),
    ]
}

fn demo_purchase_orders() -> Vec<Value> {
    let line = |n: usize, code: &str, name: &str, qty: f64, price: f64| {
        json!({
            "LineNum": n, "ItemCode": code, "ItemDescription": name, "Quantity": qty,
            "Price": price, "Currency": "EUR", "LineTotal": qty * price, "WarehouseCode": "01",
        })
    };
    vec![
        json!({
            "DocEntry": 1, "DocNum": 1001, "CardCode": "V10000", "CardName": "Getränke Großhandel Nord GmbH",
            "DocDate": "2024-10-15", "DocDueDate": "2024-10-22", "DocTotal": 195.6,
            "DocTotalFc": 0.0, "DocCurrency": "EUR", "DocumentStatus": "bost_Open", "Cancelled": "tNO",
            "UpdateDate": "2024-10-15",
            "DocumentLines": [
                line(0, "A0001", "Mineralwasser still 0,5 l #1", 240.0, 0.45),
                line(1, "A0002", "Apfelschorle 0,5 l #2", 120.0, 0.58),
                line(2, "A0006", "Mineralwasser still 0,5 l #6", 48.0, 0.395),
            ],
        }),
        json!({
            "DocEntry": 2, "DocNum": 1002, "CardCode": "V10002", "CardName": "Kaffeerösterei Hafen KG",
            "DocDate": "2024-10-20", "DocDueDate": "2024-10-27", "DocTotal": 149.5,
            "DocTotalFc": 0.0, "DocCurrency": "EUR", "DocumentStatus": "bost_Close", "Cancelled": "tNO",
            "UpdateDate": "2024-10-20",
            "DocumentLines": [line(0, "A0003", "Kaffee Bohnen 1 kg #3", 10.0, 14.95)],
        }),
    ]
}

impl SapSim {
    pub fn new() -> Arc<SapSim> {
        Arc::new(SapSim {
            state: Mutex::new(SimState {
                items: demo_items(),
                partners: demo_partners(),
                purchase_orders: demo_purchase_orders(),
                booked: BOOKED.iter().map(|e| (*e, Vec::new())).collect(),
                sessions: HashMap::new(),
                logins: 0,
                next_session: 1,
                next_entry: 1,
                failure: FaultSlot::default(),
            }),
        })
    }

    fn lock(&self) -> MutexGuard<'_, SimState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Live sessions (logged in, not logged out or expired).
    pub fn active_sessions(&self) -> usize {
        self.lock().sessions.len()
    }
}

// ---- answers --------------------------------------------------------------------------

fn sap_error(status: StatusCode, code: i64, message: &str) -> Response {
    let body = json!({"error": {"code": code, "message": {"lang": "en-us", "value": message}}});
    (status, axum::Json(body)).into_response()
}

fn invalid_session() -> Response {
    sap_error(StatusCode::UNAUTHORIZED, 301, "Invalid session.")
}

fn bad(message: &str) -> Response {
    sap_error(StatusCode::BAD_REQUEST, -1000, message)
}

fn failure_response(status: StatusCode) -> Response {
    let text = match status {
        StatusCode::TOO_MANY_REQUESTS => "Too many requests",
        StatusCode::SERVICE_UNAVAILABLE => "Service Unavailable",
        _ => "Internal Server Error",
    };
    let mut resp = sap_error(status, -1, text);
    if status == StatusCode::TOO_MANY_REQUESTS {
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    }
    resp
}

/// A simulated failure, if one is armed for this point: before a request is handled,
/// or (`after_write`) after a document was booked.
fn take_failure_at(st: &mut SimState, after_write: bool) -> Option<Response> {
    let stage = if after_write {
        Stage::AfterWrite
    } else {
        Stage::BeforeRequest
    };
    Some(failure_response(st.failure.take_at(stage)?.status))
}

fn take_failure(st: &mut SimState) -> Option<Response> {
    take_failure_at(st, false)
}

fn session_of(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix("B1SESSION=").map(String::from))
}

/// The company of the request's live session.
fn company(st: &SimState, headers: &HeaderMap) -> Option<Company> {
    session_of(headers).and_then(|s| st.sessions.get(&s).copied())
}

fn company_db(name: &str) -> Option<Company> {
    if name == COMPANY_DB {
        return Some(Company::Demo);
    }
    let n: usize = name.strip_prefix("gen-")?.parse().ok()?;
    (1..=MAX_GENERATED)
        .contains(&n)
        .then_some(Company::Generated(n))
}

async fn login(State(sim): State<Arc<SapSim>>, body: Bytes) -> Response {
    let mut st = sim.lock();
    if let Some(resp) = take_failure(&mut st) {
        return resp;
    }
    let Ok(v) = serde_json::from_slice::<Value>(&body) else {
        return bad("Invalid JSON body");
    };
    let field = |k: &str| v[k].as_str().unwrap_or("");
    let company = company_db(field("CompanyDB"));
    let (Some(company), USER, PASSWORD) = (company, field("UserName"), field("Password")) else {
        return sap_error(StatusCode::UNAUTHORIZED, 100000027, "Login failed");
    };
    let n = st.next_session;
    st.next_session += 1;
    st.logins += 1;
    let id = format!(
        "{:08x}-{:04x}-11ef-8000-0050569b{:04x}",
        n * 2654435761 % 0xffff_ffff,
        n % 0xffff,
        n % 0xffff
    );
    st.sessions.insert(id.clone(), company);
    let mut resp = (
        StatusCode::OK,
        axum::Json(json!({
            "odata.metadata": "$metadata#B1Sessions/@Element",
            "SessionId": id,
            "Version": "1000190",
            "SessionTimeout": 30,
        })),
    )
        .into_response();
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&format!("B1SESSION={id}; path=/b1s; HttpOnly")) {
        h.append(header::SET_COOKIE, v);
    }
    h.append(
        header::SET_COOKIE,
        HeaderValue::from_static("ROUTEID=.node1; path=/b1s"),
    );
    resp
}

async fn logout(State(sim): State<Arc<SapSim>>, headers: HeaderMap) -> Response {
    let mut st = sim.lock();
    match session_of(&headers) {
        Some(s) if st.sessions.remove(&s).is_some() => StatusCode::NO_CONTENT.into_response(),
        _ => invalid_session(),
    }
}

// ---- OData queries --------------------------------------------------------------------

#[derive(Debug, PartialEq)]
struct Clause {
    field: String,
    op: String,
    value: Value,
}

/// `A eq 'x' and B ge 3`: clauses joined by `and`, a string value in single quotes
/// (`''` is a quote).
fn parse_filter(text: &str) -> Result<Vec<Clause>, String> {
    let mut clauses = Vec::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        let (field, after) = rest
            .split_once(' ')
            .ok_or_else(|| format!("Invalid filter near '{rest}'"))?;
        let (op, after) = after
            .trim_start()
            .split_once(' ')
            .ok_or_else(|| format!("Invalid filter near '{rest}'"))?;
        if !["eq", "ne", "ge", "gt", "le", "lt"].contains(&op) {
            return Err(format!("Unsupported operator '{op}'"));
        }
        let after = after.trim_start();
        let (value, after) = if let Some(q) = after.strip_prefix('\'') {
            let mut s = String::new();
            let mut chars = q.char_indices().peekable();
            let mut end = None;
            while let Some((i, c)) = chars.next() {
                if c == '\'' {
                    if chars.peek().map(|(_, c)| *c) == Some('\'') {
                        chars.next();
                        s.push('\'');
                    } else {
                        end = Some(i + 1);
                        break;
                    }
                } else {
                    s.push(c);
                }
            }
            let end = end.ok_or("Unterminated string in filter")?;
            (Value::String(s), &q[end..])
        } else {
            let (v, after) = after.split_once(' ').unwrap_or((after, ""));
            let n: f64 = v.parse().map_err(|_| format!("Invalid literal '{v}'"))?;
            (json!(n), after)
        };
        clauses.push(Clause {
            field: field.to_string(),
            op: op.to_string(),
            value,
        });
        let after = after.trim_start();
        rest = match after.strip_prefix("and ") {
            Some(r) => r.trim_start(),
            None if after.is_empty() => "",
            None => return Err(format!("Invalid filter near '{after}'")),
        };
    }
    Ok(clauses)
}

fn matches(v: &Value, clauses: &[Clause]) -> bool {
    clauses.iter().all(|c| {
        let field = &v[&c.field];
        let ord = match (&c.value, field) {
            (Value::String(want), Value::String(have)) => {
                // Dates compare by their date part.
                let have = if c.field.ends_with("Date") {
                    have.get(..10).unwrap_or(have)
                } else {
                    have
                };
                have.cmp(want.as_str())
            }
            (Value::Number(want), Value::Number(have)) => have
                .as_f64()
                .unwrap_or(0.0)
                .total_cmp(&want.as_f64().unwrap_or(0.0)),
            _ => return c.op == "ne",
        };
        use std::cmp::Ordering::*;
        match c.op.as_str() {
            "eq" => ord == Equal,
            "ne" => ord != Equal,
            "ge" => ord != Less,
            "gt" => ord == Greater,
            "le" => ord != Greater,
            _ => ord == Less,
        }
    })
}

fn select(v: &Value, fields: Option<&[String]>) -> Value {
    match (fields, v) {
        (Some(fields), Value::Object(map)) => {
            let mut out = Map::new();
            for f in fields {
                if let Some(x) = map.get(f) {
                    out.insert(f.clone(), x.clone());
                }
            }
            Value::Object(out)
        }
        _ => v.clone(),
    }
}

fn page_size(headers: &HeaderMap) -> usize {
    headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find_map(|p| {
            p.trim()
                .strip_prefix("odata.maxpagesize=")?
                .trim()
                .parse::<usize>()
                .ok()
        })
        .map(|n| {
            if n == 0 {
                MAX_PAGE_SIZE
            } else {
                n.min(MAX_PAGE_SIZE)
            }
        })
        .unwrap_or(DEFAULT_PAGE_SIZE)
}

/// Percent-encodes a query value the way the Service Layer writes its links.
fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~$,'()".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

struct Query {
    select: Option<Vec<String>>,
    filter: Vec<Clause>,
    top: Option<usize>,
    skip: usize,
    /// The query options to keep in a next link (all but `$skip` and `$top`).
    keep: Vec<(String, String)>,
}

fn parse_query(raw: Option<&str>) -> Result<Query, String> {
    let mut q = Query {
        select: None,
        filter: vec![],
        top: None,
        skip: 0,
        keep: vec![],
    };
    for (k, v) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()).into_owned() {
        match k.as_str() {
            "$select" => {
                q.select = Some(v.split(',').map(|s| s.trim().to_string()).collect());
                q.keep.push((k, v));
            }
            "$filter" => {
                q.filter = parse_filter(&v)?;
                q.keep.push((k, v));
            }
            "$top" => q.top = Some(v.parse().map_err(|_| format!("Invalid $top '{v}'"))?),
            "$skip" => q.skip = v.parse().map_err(|_| format!("Invalid $skip '{v}'"))?,
            "$orderby" | "$inlinecount" => q.keep.push((k, v)),
            other if other.starts_with('$') => {
                return Err(format!("Query option '{other}' is not supported"));
            }
            _ => {}
        }
    }
    Ok(q)
}

/// One page of `total` matching rows, `row(i)` giving the i-th (0-based).
fn page(
    entity: &str,
    q: &Query,
    size: usize,
    total: usize,
    row: impl Fn(usize) -> Value,
) -> Response {
    let limit = q.top.unwrap_or(usize::MAX);
    let take = size.min(limit);
    let start = q.skip.min(total);
    let end = start.saturating_add(take).min(total);
    let value: Vec<Value> = (start..end)
        .map(|i| select(&row(i), q.select.as_deref()))
        .collect();
    let mut body = json!({
        "odata.metadata": format!("$metadata#{entity}"),
        "value": value,
    });
    let returned = end - start;
    if end < total && limit > returned {
        let mut parts: Vec<String> = q
            .keep
            .iter()
            .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
            .collect();
        if q.top.is_some() {
            parts.push(format!("$top={}", limit - returned));
        }
        parts.push(format!("$skip={end}"));
        body["@odata.nextLink"] = json!(format!("{entity}?{}", parts.join("&")));
    }
    (StatusCode::OK, axum::Json(body)).into_response()
}

fn rows<'a>(st: &'a SimState, entity: &str) -> &'a [Value] {
    match entity {
        "Items" => &st.items,
        "BusinessPartners" => &st.partners,
        "PurchaseOrders" => &st.purchase_orders,
        other => st.booked.get(other).map(Vec::as_slice).unwrap_or(&[]),
    }
}

async fn list(
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

// ---- documents ------------------------------------------------------------------------

fn today() -> String {
    crate::kit::time::utc(crate::kit::time::now_secs(), crate::kit::time::DATE)
}

/// Moves the stock of a demo item in a warehouse.
fn move_stock(item: &mut Value, warehouse: &str, delta: f64) -> bool {
    let Some(list) = item["ItemWarehouseInfoCollection"].as_array_mut() else {
        return false;
    };
    let Some(w) = list.iter_mut().find(|w| w["WarehouseCode"] == warehouse) else {
        return false;
    };
    w["InStock"] = json!(w["InStock"].as_f64().unwrap_or(0.0) + delta);
    let total: f64 = list
        .iter()
        .map(|w| w["InStock"].as_f64().unwrap_or(0.0))
        .sum();
    item["QuantityOnStock"] = json!(total);
    true
}

async fn create(
    State(sim): State<Arc<SapSim>>,
    Path(entity): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut st = sim.lock();
    if let Some(resp) = take_failure(&mut st) {
        return resp;
    }
    let Some(company) = company(&st, &headers) else {
        return invalid_session();
    };
    let Some(&entity) = BOOKED.iter().find(|e| **e == entity) else {
        return sap_error(
            StatusCode::METHOD_NOT_ALLOWED,
            -1,
            &format!("Creating '{entity}' is not supported by the simulator"),
        );
    };
    let Ok(Value::Object(mut doc)) = serde_json::from_slice::<Value>(&body) else {
        return bad("Invalid JSON body");
    };
    let lines = doc
        .get("DocumentLines")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let payment = matches!(entity, "IncomingPayments" | "VendorPayments");
    if !payment && lines.is_empty() {
        return bad("Document must contain at least one row");
    }
    let known = |st: &SimState, code: &str| match company {
        Company::Demo => st.items.iter().any(|i| i["ItemCode"] == code),
        Company::Generated(n) => {
            code == SALE_ITEM
                || code
                    .strip_prefix('G')
                    .and_then(|d| d.parse::<usize>().ok())
                    .is_some_and(|i| (1..=n).contains(&i))
        }
    };
    for l in &lines {
        let code = l["ItemCode"].as_str().unwrap_or("");
        if !known(&st, code) {
            return sap_error(
                StatusCode::BAD_REQUEST,
                -10,
                &format!("Item '{code}' does not exist"),
            );
        }
        if !l["Quantity"].as_f64().is_some_and(|q| q > 0.0) {
            return bad("Quantity must be greater than zero");
        }
    }
    if matches!(entity, "Invoices" | "Orders") {
        let card = doc.get("CardCode").and_then(Value::as_str).unwrap_or("");
        if !st
            .partners
            .iter()
            .any(|p| p["CardCode"] == card && p["CardType"] == "cCustomer")
        {
            return sap_error(
                StatusCode::BAD_REQUEST,
                -10,
                &format!("Invalid BP code '{card}'"),
            );
        }
    }
    if payment && let Err(message) = check_payment(&st, &doc) {
        return sap_error(StatusCode::BAD_REQUEST, -10, &message);
    }
    let sign = match entity {
        "InventoryGenExits" => -1.0,
        "InventoryGenEntries" => 1.0,
        _ => 0.0,
    };
    if sign != 0.0 && company == Company::Demo {
        for l in &lines {
            let code = l["ItemCode"].as_str().unwrap_or("");
            if let Some(item) = st.items.iter_mut().find(|i| i["ItemCode"] == code) {
                let w = l["WarehouseCode"]
                    .as_str()
                    .or(item["DefaultWarehouse"].as_str())
                    .unwrap_or("01")
                    .to_string();
                if !move_stock(item, &w, sign * l["Quantity"].as_f64().unwrap_or(0.0)) {
                    return sap_error(
                        StatusCode::BAD_REQUEST,
                        -10,
                        &format!("Warehouse '{w}' is not defined for item '{code}'"),
                    );
                }
            }
        }
    }
    let entry = st.next_entry;
    st.next_entry += 1;
    doc.insert("DocEntry".into(), json!(entry));
    doc.insert("DocNum".into(), json!(entry + 5000));
    doc.entry("DocDate").or_insert_with(|| json!(today()));
    doc.insert("UpdateDate".into(), json!(today()));
    let doc = Value::Object(doc);
    st.booked.entry(entity).or_default().push(doc.clone());
    if let Some(resp) = take_failure_at(&mut st, true) {
        return resp;
    }
    (StatusCode::CREATED, axum::Json(doc)).into_response()
}

/// What B1 checks of a payment the simulator models: the business partner matches the
/// `DocType`, the sum is positive, a transfer names an existing G/L account.
fn check_payment(st: &SimState, doc: &Map<String, Value>) -> Result<(), String> {
    let error = |message: &str| Err(message.to_string());
    let card = doc.get("CardCode").and_then(Value::as_str).unwrap_or("");
    let card_type = match doc
        .get("DocType")
        .and_then(Value::as_str)
        .unwrap_or("rCustomer")
    {
        "rCustomer" => "cCustomer",
        "rSupplier" => "cSupplier",
        other => {
            return error(&format!(
                "DocType '{other}' is not supported by the simulator"
            ));
        }
    };
    if !st
        .partners
        .iter()
        .any(|p| p["CardCode"] == card && p["CardType"] == card_type)
    {
        return error(&format!("Invalid BP code '{card}'"));
    }
    let sum = |k: &str| doc.get(k).and_then(Value::as_f64).unwrap_or(0.0);
    if sum("TransferSum") < 0.0 || sum("CashSum") < 0.0 {
        return error("Payment amounts must not be negative");
    }
    if sum("TransferSum") + sum("CashSum") <= 0.0 {
        return error("Total payment amount must be greater than zero");
    }
    if sum("TransferSum") > 0.0 {
        let account = doc
            .get("TransferAccount")
            .and_then(Value::as_str)
            .unwrap_or("");
        if account.is_empty() {
            return error("Enter a G/L account for the bank transfer");
        }
        if !PAYMENT_ACCOUNTS.contains(&account) {
            return error(&format!("Invalid account code '{account}'"));
        }
    }
    Ok(())
}

// ---- hooks ----------------------------------------------------------------------------

async fn sim_documents(State(sim): State<Arc<SapSim>>) -> Response {
    let st = sim.lock();
    let mut out = Map::new();
    for e in BOOKED {
        out.insert(
            (*e).into(),
            json!(st.booked.get(e).cloned().unwrap_or_default()),
        );
    }
    out.insert("sessions".into(), json!(st.sessions.len()));
    (StatusCode::OK, axum::Json(Value::Object(out))).into_response()
}

async fn sim_sessions(State(sim): State<Arc<SapSim>>) -> Response {
    let st = sim.lock();
    axum::Json(json!({"active": st.sessions.len(), "logins": st.logins})).into_response()
}

async fn sim_fail(State(sim): State<Arc<SapSim>>, body: Bytes) -> Response {
    crate::kit::fault::arm(&mut sim.lock().failure, &body)
}

async fn sim_stock(
    State(sim): State<Arc<SapSim>>,
    Path(code): Path<String>,
    body: Bytes,
) -> Response {
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let Some(quantity) = v["quantity"].as_f64() else {
        return (StatusCode::BAD_REQUEST, "quantity: a number").into_response();
    };
    let mut st = sim.lock();
    let Some(item) = st.items.iter_mut().find(|i| i["ItemCode"] == code.as_str()) else {
        return (StatusCode::NOT_FOUND, "no such item").into_response();
    };
    let current = item["ItemWarehouseInfoCollection"][0]["InStock"]
        .as_f64()
        .unwrap_or(0.0);
    move_stock(item, "01", quantity - current);
    item["UpdateDate"] = json!(today());
    axum::Json(item.clone()).into_response()
}

async fn sim_expire(State(sim): State<Arc<SapSim>>) -> Response {
    let mut st = sim.lock();
    let n = st.sessions.len();
    st.sessions.clear();
    axum::Json(json!({"expired": n})).into_response()
}

pub fn router(sim: Arc<SapSim>) -> Router {
    Router::new()
        .route("/b1s/v1/Login", post(login))
        .route("/b1s/v1/Logout", post(logout))
        .route("/b1s/v1/{entity}", get(list).post(create))
        .route("/_sim/documents", get(sim_documents))
        .route("/_sim/sessions", get(sim_sessions))
        .route("/_sim/fail", post(sim_fail))
        .route("/_sim/items/{code}/stock", post(sim_stock))
        .route("/_sim/expire-sessions", post(sim_expire))
        .with_state(sim)
}

#[cfg(test)]
mod tests;

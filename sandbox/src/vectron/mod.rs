//! Test Mode simulator of the Vectron cloud business-data API
//! (`https://demo-backend.vectron.cloud/business-data-api`).
//!
//! It answers the way `shared/vendor-specs/vectron.swagger.json` (Swagger 2.0) says the
//! real service answers, for what the Vectron POS connector reads:
//!
//! * `POST /business-data-api/v1/login` with the spec's `PartnerCredentials`
//!   (`{"login","password"}`) answers a `Token` (`{"token"}`); wrong credentials are 401.
//! * Every other route needs that token in the `X-API-Token` header (the spec's
//!   `api_token_sec_key`), else 401.
//! * `GET …/v1/partner/{partnerId}/operators`, `GET …/v3/operator/{operatorId}/sites`:
//!   plain JSON arrays of `Operator` / `Site`.
//! * `GET …/v3/site/{siteId}/transactions[?id=<invoiceId>]`: `DetailedInvoice`s in
//!   invoice order, [`PAGE_SIZE`] at a time. The spec's only paging is `id` ("pass
//!   invoice id as offset to receive the last n invoices"): the answer holds the
//!   invoices after that one; an empty array means there are no more.
//! * `GET …/v3/site/{siteId}/data-entries`: every `DataEntry` of the site (the spec has no
//!   paging or filter here).
//! * Path ids are UUIDs (400 otherwise); an operator or site of another partner is 403,
//!   an unknown one 404. Error bodies are the spec's `VndErrors`
//!   (`{"code","status","message","logref","service","request","timestamp"}`).
//!
//! Spec silent, chosen here: the page size (n = [`PAGE_SIZE`]); tokens do not expire;
//! rate limiting (the spec lists no 429: the `fail` hook answers 429 with `Retry-After`,
//! as an API gateway in front of the service would). The spec also marks `/v1/login`
//! itself as secured by `X-API-Token`, a Springfox default that cannot be meant (the
//! token is what login returns): login needs no token here.
//!
//! Seed (deterministic): one partner, one operator, one site; 40 PLUs in 6 product groups
//! under 3 main groups; [`SEED_INVOICES`] invoices (every PLU sold, PLU
//! [`DISCONTINUED_PLU`] only in invoices 1–3); 3 data entries with 5 managed articles.
//!
//! Test hooks (not Vectron; no auth), under `/_sim/`:
//! `POST sites/{siteId}/products/{number}` `{"name"?, "price"?}` (changes the PLU and
//! records one new invoice selling it, which is how a change becomes visible through this
//! API), `POST sites/{siteId}/retention` `{"keepFrom": invoiceNumber}` (older invoices
//! age out), `POST sites/{siteId}/data-entries` `{"managedArticleNo","name","price"}`,
//! `POST fail` `{"status": 429|500|503, "times", "retryAfter"?}`, `GET requests`.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};

/// The spec's `basePath`; the simulator serves it under its `/vectron` mount.
pub const BASE_PATH: &str = "/business-data-api";
pub const PARTNER_LOGIN: &str = "beep-partner";
pub const PARTNER_PASSWORD: &str = "sandbox";
pub const PARTNER_ID: &str = "0000000a-0000-4000-8000-000000000001";
pub const OPERATOR_ID: &str = "0000000b-0000-4000-8000-000000000001";
pub const SITE_ID: &str = "0000000c-0000-4000-8000-000000000001";
/// Invoices per `transactions` answer (spec silent on n).
pub const PAGE_SIZE: usize = 100;
pub const SEED_INVOICES: usize = 250;
/// The PLU sold only in the first three invoices: aged out by the retention hook.
pub const DISCONTINUED_PLU: u32 = 140;

/// Credentials that work against the simulator. The host adds `baseUrl`.
pub fn sandbox_credentials() -> Value {
    json!({
        "login": PARTNER_LOGIN,
        "password": PARTNER_PASSWORD,
        "operatorId": OPERATOR_ID,
        "siteId": SITE_ID,
    })
}

// ---- seed --------------------------------------------------------------------------------

const MAIN_GROUPS: [&str; 3] = ["Speisen", "Getränke", "Shop"];
/// Product group name, main group, tax rate (%), base price (cents).
const PRODUCT_GROUPS: [(&str, usize, f64, i64); 6] = [
    ("Backwaren", 0, 7.0, 95),
    ("Snacks", 0, 7.0, 250),
    ("Heißgetränke", 1, 19.0, 180),
    ("Kaltgetränke", 1, 19.0, 150),
    ("Zeitschriften", 2, 7.0, 300),
    ("Kiosk", 2, 19.0, 350),
];
/// PLU names by product group; PLU numbers are 101.. in this order.
const PLU_NAMES: [&[&str]; 6] = [
    &[
        "Brezel",
        "Laugenstange",
        "Croissant",
        "Schokocroissant",
        "Mohnbrötchen",
        "Vollkornbrötchen",
        "Apfeltasche",
    ],
    &[
        "Käsebrötchen",
        "Schinkenbrötchen",
        "Bockwurst",
        "Frikadelle",
        "Salat Bowl",
        "Obstbecher",
        "Müsliriegel",
    ],
    &[
        "Kaffee",
        "Cappuccino",
        "Latte Macchiato",
        "Espresso",
        "Tee",
        "Heiße Schokolade",
    ],
    &[
        "Mineralwasser 0,5l",
        "Apfelschorle 0,5l",
        "Cola 0,33l",
        "Club-Mate 0,5l",
        "Orangensaft 0,25l",
        "Eistee 0,5l",
        "Radler 0,5l",
    ],
    &[
        "Tageszeitung",
        "Wochenzeitung",
        "Rätselheft",
        "Kinderzeitschrift",
        "Fernsehzeitschrift",
        "Comic",
    ],
    &[
        "Feuerzeug",
        "Streichhölzer",
        "Kaugummi",
        "Pfefferminz",
        "Taschentücher",
        "Batterien AA",
        "Einweggrill",
    ],
];

/// Unix seconds of the first seed invoice: 2026-01-05T07:00:00Z.
const FIRST_INVOICE_AT: i64 = 1_767_596_400;
/// Minutes between two invoices.
const INVOICE_GAP_MIN: i64 = 9;

fn uuid(kind: u32, n: u64) -> String {
    format!("{kind:08x}-0000-4000-8000-{n:012x}")
}

struct Plu {
    id: String,
    number: u32,
    name: String,
    group: usize,
    price: i64,
}

struct Line {
    plu: usize,
    /// The PLU's name and price when it was sold (an invoice is a record of the sale).
    name: String,
    price: i64,
    quantity: u32,
}

struct Invoice {
    id: String,
    number: i64,
    at: i64,
    lines: Vec<Line>,
}

struct Failure {
    status: StatusCode,
    /// Requests still answered normally before the failures start.
    skip: u32,
    remaining: u32,
    retry_after: u32,
}

struct SimState {
    tokens: HashSet<String>,
    issued: u64,
    plus: Vec<Plu>,
    invoices: Vec<Invoice>,
    next_invoice: i64,
    data_entries: Vec<Value>,
    failure: Option<Failure>,
    requests: u64,
}

pub struct VectronSim {
    state: Mutex<SimState>,
}

/// A small deterministic generator (the seed must not change between runs).
fn mix(n: u64) -> u64 {
    let mut x = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
    x ^= x >> 29;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^ (x >> 32)
}

fn managed_article(no: u32, name: &str, price: f64) -> Value {
    json!({
        "managedArticleNo": no,
        "managedArticleName": name,
        "price": price,
        "values": [1.0, 0.0],
        "writeableByInputMask": [true, false],
    })
}

fn data_entry(n: u64, input_at: &str, articles: Vec<Value>) -> Value {
    json!({
        "dataEntryId": uuid(0x0e, n),
        "inputAt": input_at,
        "posUserName": "Filialleitung",
        "posUserNo": 1,
        "serialNumber": "4711001",
        "dataInputMask": {
            "inputMaskNo": 2,
            "inputMaskName": "Bestellung",
            "inputMaskColumns": [
                {"columnNo": 1, "columnName": "Menge", "columnLevel": 1},
                {"columnNo": 2, "columnName": "Mind EH", "columnLevel": 2}
            ]
        },
        "managedArticles": articles,
    })
}

impl VectronSim {
    pub fn new() -> Arc<VectronSim> {
        let mut plus = Vec::new();
        for (group, names) in PLU_NAMES.iter().enumerate() {
            for name in names.iter() {
                let i = plus.len() as u32;
                plus.push(Plu {
                    id: uuid(0x0d, u64::from(101 + i)),
                    number: 101 + i,
                    name: name.to_string(),
                    group,
                    price: PRODUCT_GROUPS[group].3 + i64::from(i % 5) * 20,
                });
            }
        }
        let discontinued = plus
            .iter()
            .position(|p| p.number == DISCONTINUED_PLU)
            .expect("the discontinued PLU is seeded");
        let regular = plus.len() - 1;
        let mut state = SimState {
            tokens: HashSet::new(),
            issued: 0,
            plus,
            invoices: Vec::new(),
            next_invoice: 1,
            data_entries: vec![
                data_entry(
                    1,
                    "2026-01-02T06:30:00",
                    vec![
                        managed_article(1, "Kaffeebohnen 1kg", 18.9),
                        managed_article(2, "Milch 1l", 1.15),
                        managed_article(3, "Zucker 1kg", 1.49),
                    ],
                ),
                data_entry(
                    2,
                    "2026-01-09T06:30:00",
                    vec![
                        managed_article(2, "Milch 1l", 1.19),
                        managed_article(4, "Becher 0,3l (50 Stk)", 6.5),
                    ],
                ),
                data_entry(
                    3,
                    "2026-01-16T06:30:00",
                    vec![managed_article(5, "Servietten (250 Stk)", 3.2)],
                ),
            ],
            failure: None,
            requests: 0,
        };
        for n in 1..=SEED_INVOICES as u64 {
            // Every regular PLU leads an invoice in turn, so each page sells all of them.
            let mut sold = vec![((n - 1) as usize) % regular];
            for k in 0..mix(n) % 3 {
                sold.push((mix(n * 7 + k) as usize) % regular);
            }
            if n <= 3 {
                sold.push(discontinued);
            }
            let lines = sold
                .into_iter()
                .enumerate()
                .map(|(k, plu)| (plu, 1 + (mix(n + k as u64) % 2) as u32))
                .collect();
            state.sell(lines);
        }
        Arc::new(VectronSim {
            state: Mutex::new(state),
        })
    }

    fn lock(&self) -> MutexGuard<'_, SimState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl SimState {
    /// Records an invoice selling `(plu, quantity)` at the PLUs' current names and prices.
    fn sell(&mut self, lines: Vec<(usize, u32)>) -> &Invoice {
        let number = self.next_invoice;
        self.next_invoice += 1;
        let lines = lines
            .into_iter()
            .map(|(plu, quantity)| Line {
                plu,
                name: self.plus[plu].name.clone(),
                price: self.plus[plu].price,
                quantity,
            })
            .collect();
        self.invoices.push(Invoice {
            id: uuid(0x1a, number as u64),
            number,
            at: FIRST_INVOICE_AT + (number - 1) * INVOICE_GAP_MIN * 60,
            lines,
        });
        self.invoices.last().expect("just pushed")
    }

    fn invoice_json(&self, inv: &Invoice) -> Value {
        let mut products: Vec<Value> = Vec::new();
        let mut groups: Vec<usize> = Vec::new();
        let mut items = Vec::new();
        let (mut total, mut net) = (0f64, 0f64);
        for (k, line) in inv.lines.iter().enumerate() {
            let plu = &self.plus[line.plu];
            let (_, main, tax, _) = PRODUCT_GROUPS[plu.group];
            let price = line.price as f64 / 100.0;
            total += price * f64::from(line.quantity);
            net += price * f64::from(line.quantity) / (1.0 + tax / 100.0);
            items.push(json!({
                "invoiceItemId": uuid(0x1b, (inv.number as u64) * 100 + k as u64),
                "productId": plu.id,
                "price": price,
                "quantity": f64::from(line.quantity),
                "taxRate": tax,
            }));
            if !products.iter().any(|p| p["productId"] == plu.id.as_str()) {
                products.push(json!({
                    "productId": plu.id,
                    "number": plu.number.to_string(),
                    "name": line.name,
                    "productGroupId": uuid(0x0c, plu.group as u64 + 1),
                    "mainGroupId": uuid(0x0b, main as u64 + 1),
                }));
            }
            if !groups.contains(&plu.group) {
                groups.push(plu.group);
            }
        }
        let mut mains: Vec<usize> = groups.iter().map(|g| PRODUCT_GROUPS[*g].1).collect();
        mains.sort_unstable();
        mains.dedup();
        json!({
            "invoiceId": inv.id,
            "invoiceNumber": inv.number,
            "siteId": SITE_ID,
            "cashRegisterId": uuid(0x0f, 1),
            "currency": "EUR",
            "transactionType": "INVOICE",
            "transactionAt": format_rfc3339(inv.at),
            "tableNumber": 0,
            "waiterNumber": 1,
            "total": (total * 100.0).round() / 100.0,
            "netTotal": (net * 100.0).round() / 100.0,
            "items": items,
            "products": products,
            "productGroups": groups.iter().map(|g| json!({
                "productGroupId": uuid(0x0c, *g as u64 + 1),
                "number": (g + 1).to_string(),
                "name": PRODUCT_GROUPS[*g].0,
            })).collect::<Vec<_>>(),
            "mainGroups": mains.iter().map(|m| json!({
                "mainGroupId": uuid(0x0b, *m as u64 + 1),
                "number": (m + 1).to_string(),
                "name": MAIN_GROUPS[*m],
            })).collect::<Vec<_>>(),
            "discounts": [], "surcharges": [], "itemDiscounts": [], "itemSurcharges": [],
            "canceledItems": [], "cancelReasons": [],
        })
    }
}

// ---- errors --------------------------------------------------------------------------------

/// The spec's `VndErrors`.
fn error(status: StatusCode, request: &str, message: &str) -> Response {
    let body = json!({
        "code": status.as_u16(),
        "status": status.as_u16(),
        "message": message,
        "logref": format!("sim-{}", status.as_u16()),
        "service": "business-data-api",
        "request": request,
        "timestamp": "2026-01-05T07:00:00",
    });
    (status, axum::Json(body)).into_response()
}

fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// Counts the request and plays an injected failure, if one is pending.
fn injected(state: &mut SimState, request: &str) -> Option<Response> {
    state.requests += 1;
    let f = state.failure.as_mut()?;
    if f.skip > 0 {
        f.skip -= 1;
        return None;
    }
    f.remaining -= 1;
    let (status, retry_after) = (f.status, f.retry_after);
    if f.remaining == 0 {
        state.failure = None;
    }
    if status == StatusCode::TOO_MANY_REQUESTS {
        let mut resp = error(status, request, "Too many requests");
        resp.headers_mut()
            .insert(header::RETRY_AFTER, retry_after.into());
        return Some(resp);
    }
    Some(error(status, request, "Service temporarily unavailable"))
}

/// Counts the request, plays an injected failure, then checks the `X-API-Token`: the
/// answer to give instead, if any.
fn guard(state: &mut SimState, headers: &HeaderMap, request: &str) -> Option<Response> {
    if let Some(resp) = injected(state, request) {
        return Some(resp);
    }
    let token = headers.get("x-api-token").and_then(|v| v.to_str().ok());
    match token {
        Some(t) if state.tokens.contains(t) => None,
        Some(_) => Some(error(
            StatusCode::UNAUTHORIZED,
            request,
            "Invalid or expired API token",
        )),
        None => Some(error(
            StatusCode::UNAUTHORIZED,
            request,
            "Full authentication is required to access this resource",
        )),
    }
}

// ---- API -----------------------------------------------------------------------------------

#[derive(Deserialize)]
struct PartnerCredentials {
    login: String,
    password: String,
}

async fn login(State(sim): State<Arc<VectronSim>>, uri: OriginalUri, body: Bytes) -> Response {
    let mut st = sim.lock();
    let request = uri.path();
    if let Some(resp) = injected(&mut st, request) {
        return resp;
    }
    let creds: PartnerCredentials = match serde_json::from_slice(&body) {
        Ok(c) => c,
        Err(e) => return error(StatusCode::BAD_REQUEST, request, &e.to_string()),
    };
    if creds.login != PARTNER_LOGIN || creds.password != PARTNER_PASSWORD {
        return error(StatusCode::UNAUTHORIZED, request, "Bad credentials");
    }
    st.issued += 1;
    let token = format!("vsim-{:016x}", mix(st.issued));
    st.tokens.insert(token.clone());
    (StatusCode::OK, axum::Json(json!({ "token": token }))).into_response()
}

async fn operators(
    State(sim): State<Arc<VectronSim>>,
    uri: OriginalUri,
    headers: HeaderMap,
    Path(partner_id): Path<String>,
) -> Response {
    let mut st = sim.lock();
    if let Some(resp) = guard(&mut st, &headers, uri.path()) {
        return resp;
    }
    if !is_uuid(&partner_id) {
        return error(
            StatusCode::BAD_REQUEST,
            uri.path(),
            "partnerId is not a UUID",
        );
    }
    if partner_id != PARTNER_ID {
        return error(StatusCode::FORBIDDEN, uri.path(), "Access denied");
    }
    axum::Json(json!([{"operatorId": OPERATOR_ID, "name": "BEEP! Demo Betreiber"}])).into_response()
}

async fn sites(
    State(sim): State<Arc<VectronSim>>,
    uri: OriginalUri,
    headers: HeaderMap,
    Path(operator_id): Path<String>,
) -> Response {
    let mut st = sim.lock();
    if let Some(resp) = guard(&mut st, &headers, uri.path()) {
        return resp;
    }
    if !is_uuid(&operator_id) {
        return error(
            StatusCode::BAD_REQUEST,
            uri.path(),
            "operatorId is not a UUID",
        );
    }
    if operator_id != OPERATOR_ID {
        return error(
            StatusCode::FORBIDDEN,
            uri.path(),
            "Operator is not assigned to this partner",
        );
    }
    axum::Json(json!([{"siteId": SITE_ID, "name": "Filiale Mitte"}])).into_response()
}

/// Checks a `{siteId}` path parameter: 400 not a UUID, 404 unknown.
fn check_site(site_id: &str, request: &str) -> Option<Response> {
    if !is_uuid(site_id) {
        return Some(error(
            StatusCode::BAD_REQUEST,
            request,
            "siteId is not a UUID",
        ));
    }
    if site_id != SITE_ID {
        return Some(error(StatusCode::NOT_FOUND, request, "Site not found"));
    }
    None
}

#[derive(Deserialize)]
struct TransactionsQuery {
    id: Option<String>,
}

async fn transactions(
    State(sim): State<Arc<VectronSim>>,
    uri: OriginalUri,
    headers: HeaderMap,
    Path(site_id): Path<String>,
    Query(q): Query<TransactionsQuery>,
) -> Response {
    let mut st = sim.lock();
    let request = uri.path();
    if let Some(resp) = guard(&mut st, &headers, request) {
        return resp;
    }
    if let Some(resp) = check_site(&site_id, request) {
        return resp;
    }
    let start = match q.id.as_deref().filter(|id| !id.is_empty()) {
        None => 0,
        Some(id) if !is_uuid(id) => {
            return error(StatusCode::BAD_REQUEST, request, "id is not a UUID");
        }
        Some(id) => match st.invoices.iter().position(|i| i.id == id) {
            Some(i) => i + 1,
            None => return error(StatusCode::NOT_FOUND, request, "Invoice not found"),
        },
    };
    let page: Vec<Value> = st
        .invoices
        .iter()
        .skip(start)
        .take(PAGE_SIZE)
        .map(|inv| st.invoice_json(inv))
        .collect();
    axum::Json(page).into_response()
}

async fn data_entries(
    State(sim): State<Arc<VectronSim>>,
    uri: OriginalUri,
    headers: HeaderMap,
    Path(site_id): Path<String>,
) -> Response {
    let mut st = sim.lock();
    let request = uri.path();
    if let Some(resp) = guard(&mut st, &headers, request) {
        return resp;
    }
    if let Some(resp) = check_site(&site_id, request) {
        return resp;
    }
    axum::Json(st.data_entries.clone()).into_response()
}

// ---- hooks ---------------------------------------------------------------------------------

fn hook_site(site_id: &str) -> Option<Response> {
    (site_id != SITE_ID).then(|| error(StatusCode::NOT_FOUND, "/_sim", "Site not found"))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProductChange {
    name: Option<String>,
    price: Option<f64>,
}

/// `POST /_sim/sites/{siteId}/products/{number}`: renames and/or reprices a PLU and sells
/// it once, so that the change reaches the API (PLU master data travels with invoices).
async fn hook_change_product(
    State(sim): State<Arc<VectronSim>>,
    Path((site_id, number)): Path<(String, u32)>,
    body: Bytes,
) -> Response {
    if let Some(resp) = hook_site(&site_id) {
        return resp;
    }
    let change: ProductChange = match serde_json::from_slice(&body) {
        Ok(c) => c,
        Err(e) => return error(StatusCode::BAD_REQUEST, "/_sim", &e.to_string()),
    };
    let mut st = sim.lock();
    let Some(idx) = st.plus.iter().position(|p| p.number == number) else {
        return error(StatusCode::NOT_FOUND, "/_sim", "PLU not found");
    };
    if let Some(name) = change.name {
        st.plus[idx].name = name;
    }
    if let Some(price) = change.price {
        if !price.is_finite() || price < 0.0 {
            return error(StatusCode::BAD_REQUEST, "/_sim", "price must be >= 0");
        }
        st.plus[idx].price = (price * 100.0).round() as i64;
    }
    let inv = st.sell(vec![(idx, 1)]);
    let (id, invoice_number) = (inv.id.clone(), inv.number);
    axum::Json(json!({"invoiceId": id, "invoiceNumber": invoice_number})).into_response()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Retention {
    keep_from: i64,
}

/// `POST /_sim/sites/{siteId}/retention`: invoices numbered below `keepFrom` age out of
/// the cloud, as a retention period would drop them.
async fn hook_retention(
    State(sim): State<Arc<VectronSim>>,
    Path(site_id): Path<String>,
    body: Bytes,
) -> Response {
    if let Some(resp) = hook_site(&site_id) {
        return resp;
    }
    let r: Retention = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return error(StatusCode::BAD_REQUEST, "/_sim", &e.to_string()),
    };
    let mut st = sim.lock();
    let before = st.invoices.len();
    st.invoices.retain(|i| i.number >= r.keep_from);
    let dropped = before - st.invoices.len();
    axum::Json(json!({"dropped": dropped, "remaining": st.invoices.len()})).into_response()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct NewEntry {
    managed_article_no: u32,
    name: String,
    price: f64,
}

/// `POST /_sim/sites/{siteId}/data-entries`: a new data entry (one managed article),
/// input a week after the previous one.
async fn hook_data_entry(
    State(sim): State<Arc<VectronSim>>,
    Path(site_id): Path<String>,
    body: Bytes,
) -> Response {
    if let Some(resp) = hook_site(&site_id) {
        return resp;
    }
    let e: NewEntry = match serde_json::from_slice(&body) {
        Ok(e) => e,
        Err(err) => return error(StatusCode::BAD_REQUEST, "/_sim", &err.to_string()),
    };
    let mut st = sim.lock();
    let n = st.data_entries.len() as i64 + 1;
    // Seed entries are a week apart from 2026-01-02T06:30:00.
    let at = format_rfc3339(1_767_335_400 + (n - 1) * 7 * 86_400);
    let input_at = at.trim_end_matches('Z').to_string();
    let entry = data_entry(
        n as u64,
        &input_at,
        vec![managed_article(e.managed_article_no, &e.name, e.price)],
    );
    st.data_entries.push(entry.clone());
    axum::Json(entry).into_response()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FailRequest {
    status: u16,
    times: u32,
    retry_after: Option<u32>,
    /// Requests to answer normally first: an outage in the middle of a run.
    #[serde(default)]
    after: u32,
}

/// `POST /_sim/fail`: after `after` requests, the next `times` API requests (login
/// included) answer `status`.
async fn hook_fail(State(sim): State<Arc<VectronSim>>, body: Bytes) -> Response {
    let req: FailRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return error(StatusCode::BAD_REQUEST, "/_sim/fail", &e.to_string()),
    };
    let status = match req.status {
        429 => StatusCode::TOO_MANY_REQUESTS,
        500 => StatusCode::INTERNAL_SERVER_ERROR,
        503 => StatusCode::SERVICE_UNAVAILABLE,
        _ => {
            return error(
                StatusCode::BAD_REQUEST,
                "/_sim/fail",
                "status must be 429, 500 or 503",
            );
        }
    };
    sim.lock().failure = (req.times > 0).then(|| Failure {
        status,
        skip: req.after,
        remaining: req.times,
        retry_after: req.retry_after.unwrap_or(1),
    });
    axum::Json(json!({"status": req.status, "times": req.times})).into_response()
}

/// `GET /_sim/requests`: API requests served so far (failures included).
async fn hook_requests(State(sim): State<Arc<VectronSim>>) -> Response {
    axum::Json(sim.lock().requests).into_response()
}

async fn fallback(uri: OriginalUri) -> Response {
    error(StatusCode::NOT_FOUND, uri.path(), "Not Found")
}

/// The simulator's routes: the API under [`BASE_PATH`], hooks under `/_sim/`.
pub fn router(sim: Arc<VectronSim>) -> Router {
    Router::new()
        .route(&format!("{BASE_PATH}/v1/login"), post(login))
        .route(
            &format!("{BASE_PATH}/v1/partner/{{partnerId}}/operators"),
            get(operators),
        )
        .route(
            &format!("{BASE_PATH}/v3/operator/{{operatorId}}/sites"),
            get(sites),
        )
        .route(
            &format!("{BASE_PATH}/v3/site/{{siteId}}/transactions"),
            get(transactions),
        )
        .route(
            &format!("{BASE_PATH}/v3/site/{{siteId}}/data-entries"),
            get(data_entries),
        )
        .route(
            "/_sim/sites/{siteId}/products/{number}",
            post(hook_change_product),
        )
        .route("/_sim/sites/{siteId}/retention", post(hook_retention))
        .route("/_sim/sites/{siteId}/data-entries", post(hook_data_entry))
        .route("/_sim/fail", post(hook_fail))
        .route("/_sim/requests", get(hook_requests))
        .fallback(fallback)
        .with_state(sim)
}

/// `yyyy-MM-ddTHH:mm:ssZ` (UTC).
fn format_rfc3339(secs: i64) -> String {
    crate::kit::time::utc(secs, crate::kit::time::RFC3339_Z)
}

#[cfg(test)]
mod tests;

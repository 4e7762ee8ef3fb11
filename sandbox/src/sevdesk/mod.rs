//! Test Mode simulator of the sevdesk API (`https://my.sevdesk.de/api/v1`).
//!
//! It answers the way `shared/vendor-specs/sevdesk.yaml` says the real service answers,
//! for the resources the sevdesk ERP connector uses:
//!
//! * `GET /api/v1/Part` (filters `partNumber`, `name`), `GET|PUT /api/v1/Part/{partId}`,
//!   `GET /api/v1/Part/{partId}/getStock` (`{"objects": <stock>}`).
//! * `GET /api/v1/Contact` (`depth`, `category[id]`, `customerNumber`, `name`,
//!   `updateAfter`/`updateBefore`, `createAfter`/`createBefore`), `GET /api/v1/Contact/{id}`,
//!   `GET /api/v1/CommunicationWay` (`contact[id]`, `type`, `main`).
//! * `GET /api/v1/Order` (`orderType`, `status`, `orderNumber`, `contact[id]`,
//!   `updateAfter`/`updateBefore`, …), `GET /api/v1/Order/{id}`,
//!   `GET /api/v1/Order/{id}/getPositions`, `GET /api/v1/OrderPos` (`order[id]`).
//! * `GET /api/v1/Voucher` (`descriptionLike`, `creditDebit`, `status`),
//!   `GET /api/v1/Voucher/{id}`, `POST /api/v1/Voucher/Factory/saveVoucher`.
//! * `GET|POST /api/v1/CheckAccountTransaction` (`paymtPurpose`, `checkAccount[id]`),
//!   `GET /api/v1/CheckAccountTransaction/{id}`, `GET /api/v1/CheckAccount`.
//!
//! Common to every list: `limit` (1 to 1000, as the spec's pagination section says),
//! `offset`, `countAll=true` (adds `"total"`), `embed` (comma-separated names of nested
//! objects to expand: `contact`, `part`, `unity`, `category`, `order`, `checkAccount`).
//! Lists are `{"objects": [...]}`, ordered by id. Objects of the spec's `…Response` models
//! carry ids and numbers as strings, `Model_Part` as integers/numbers, as the spec types them.
//! Auth: `Authorization: <token>` (a bare token, as the spec's `api_key` scheme says).
//! Errors: the spec's `validationError` body, `{"error": {"message", "exceptionUUID"}}`;
//! 401 says "Authentication required".
//!
//! Where the spec is silent the choices are marked "Spec silent" below.
//!
//! Accounts are selected by the token: [`DEMO_TOKEN`] (30 stock-tracked parts plus 2
//! service parts without stock, 8 contacts of which 4 suppliers, 5 orders of which 3 to
//! suppliers) and `gen-N` (the demo account with N generated parts instead, 1 ≤ N ≤
//! 1,000,000, built on first use and cached). Any other token is 401.
//!
//! Test hooks (not sevdesk; no auth; `?token=` picks the account, default the demo one):
//! `GET /_sim/vouchers`, `GET /_sim/transactions` (what was booked through the API),
//! `POST /_sim/fail` `{"status","times","afterWrite"?}`, `POST /_sim/parts/{id}/stock`
//! `{"quantity"}`, `POST /_sim/contacts/{id}` `{"name"?,"email"?}`, `POST /_sim/orders/{id}`
//! `{"status"?}`, `GET /_sim/requests`.

use crate::kit::time::now_secs as now;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The demo account's API token: 32 hex characters, like a real one.
pub const DEMO_TOKEN: &str = "b5e3d7f1a2c94e0b8d6f4a1c3e5b7d90";
/// The demo account's revenue booking account (`AccountDatev`) for BEEP! sales.
pub const REVENUE_ACCOUNT_DATEV_ID: u64 = 26;
/// A second revenue account (reduced VAT), accepted as well.
pub const REDUCED_REVENUE_ACCOUNT_DATEV_ID: u64 = 27;
/// The demo account's clearing check account that BEEP! payments are booked to.
pub const CHECK_ACCOUNT_ID: u64 = 9001;
/// The spec's pagination section: "The limit must be between 1 and 1000".
pub const MAX_LIMIT: usize = 1000;
/// Spec silent: the default `limit`. sevdesk's docs show pages of 100.
pub const DEFAULT_LIMIT: usize = 100;
/// Largest `gen-N` account served (keeps a typo from allocating gigabytes).
pub const MAX_GENERATED_PARTS: usize = 1_000_000;
/// The contact category sevdesk documents as "Supplier (ID: 2)".
pub const SUPPLIER_CATEGORY: u32 = 2;

const PART_ID_BASE: u64 = 1000;
const CONTACT_ID_BASE: u64 = 2000;
const ORDER_ID_BASE: u64 = 3000;
const ORDER_POS_ID_BASE: u64 = 4000;
const VOUCHER_ID_BASE: u64 = 5000;
const VOUCHER_POS_ID_BASE: u64 = 6000;
const TRANSACTION_ID_BASE: u64 = 7000;
const COMM_WAY_ID_BASE: u64 = 8000;
const SEV_CLIENT_ID: u64 = 424242;

/// 2024-01-02T09:00:00Z: when the demo master data was entered.
const DEMO_CREATED: i64 = 1_704_186_000;

/// Credentials that work against the simulator's demo account. The host adds `baseUrl`.
pub fn sandbox_credentials() -> Value {
    json!({
        "apiToken": DEMO_TOKEN,
        "accountDatevId": REVENUE_ACCOUNT_DATEV_ID.to_string(),
        "checkAccountId": CHECK_ACCOUNT_ID.to_string(),
    })
}

// ---- state ----------------------------------------------------------------------------

pub struct SevdeskSim {
    state: Mutex<SimState>,
}

#[derive(Default)]
struct SimState {
    /// By token.
    accounts: HashMap<String, Account>,
}

struct Part {
    part_number: String,
    name: String,
    stock: f64,
    stock_enabled: bool,
    unity: u32,
    /// Net price in cents.
    price_net: i64,
    price_purchase: i64,
    tax_rate: f64,
    /// 50 inactive, 100 active.
    status: u32,
    create: i64,
    update: i64,
}

struct Contact {
    /// Organisations have a name; persons a first and last name.
    name: Option<String>,
    surename: Option<String>,
    familyname: Option<String>,
    category: u32,
    customer_number: String,
    vat_number: Option<String>,
    create: i64,
    update: i64,
}

struct CommWay {
    contact: usize,
    kind: &'static str,
    value: String,
    main: bool,
}

struct Order {
    order_number: String,
    contact: usize,
    order_type: &'static str,
    status: u32,
    order_date: i64,
    header: String,
    create: i64,
    update: i64,
    positions: Vec<usize>,
}

struct OrderPos {
    order: usize,
    part: Option<usize>,
    name: String,
    quantity: f64,
    /// Net unit price in cents.
    price_net: i64,
    tax_rate: f64,
    position_number: u32,
}

struct Voucher {
    id: u64,
    voucher_date: i64,
    supplier_name: Option<String>,
    description: Option<String>,
    status: u32,
    credit_debit: String,
    voucher_type: String,
    currency: String,
    sum_net: f64,
    sum_tax: f64,
    sum_gross: f64,
    tax_rule: Option<String>,
    create: i64,
    positions: Vec<VoucherPos>,
}

struct VoucherPos {
    id: u64,
    account_datev: Option<u64>,
    accounting_type: Option<u64>,
    tax_rate: f64,
    net: bool,
    sum_net: f64,
    sum_tax: f64,
    sum_gross: f64,
    comment: Option<String>,
}

struct Transaction {
    id: u64,
    value_date: i64,
    entry_date: i64,
    paymt_purpose: Option<String>,
    amount: f64,
    payee_payer_name: String,
    check_account: u64,
    status: u32,
    create: i64,
}

struct Failure {
    status: StatusCode,
    remaining: u32,
    /// Apply the next write first, then answer the failure (an answer lost in transit).
    after_write: bool,
}

struct Account {
    parts: Vec<Part>,
    contacts: Vec<Contact>,
    comm_ways: Vec<CommWay>,
    orders: Vec<Order>,
    order_pos: Vec<OrderPos>,
    vouchers: Vec<Voucher>,
    next_voucher_pos: u64,
    transactions: Vec<Transaction>,
    failure: Option<Failure>,
    requests: u64,
}

/// The demo inventory: (name, units in stock, unity, net price in cents, VAT %).
const DEMO_PARTS: [(&str, f64, u32, i64, f64); 30] = [
    ("Mineralwasser still 0,5 l", 240.0, 1, 108, 19.0),
    ("Mineralwasser spritzig 0,5 l", 216.0, 1, 108, 19.0),
    ("Apfelschorle 0,5 l", 120.0, 1, 142, 19.0),
    ("Orangensaft 1 l", 48.0, 1, 234, 19.0),
    ("Cola 0,33 l", 144.0, 1, 159, 19.0),
    ("Mate 0,5 l", 96.0, 1, 192, 19.0),
    ("Eistee Pfirsich 0,5 l", 72.0, 1, 150, 19.0),
    ("Bio-Vollmilch 1 l", 36.0, 1, 111, 7.0),
    ("Hafer Drink 1 l", 30.0, 1, 167, 19.0),
    ("Joghurt natur 500 g", 24.0, 1, 121, 7.0),
    ("Butter 250 g", 40.0, 1, 223, 7.0),
    ("Gouda jung 150 g", 28.0, 1, 186, 7.0),
    ("Laugenbrezel", 60.0, 1, 83, 7.0),
    ("Croissant", 45.0, 1, 111, 7.0),
    ("Roggenbrot 750 g", 12.0, 1, 327, 7.0),
    ("Baguette", 25.0, 1, 149, 7.0),
    ("Kaffeebohnen 1 kg", 8.5, 2, 1393, 7.0),
    ("Tee Earl Grey 100 g", 15.0, 1, 373, 7.0),
    ("Zartbitterschokolade 100 g", 50.0, 1, 149, 7.0),
    ("Gummibärchen 200 g", 65.0, 1, 111, 7.0),
    ("Chips gesalzen 175 g", 40.0, 1, 186, 7.0),
    ("Erdnüsse geröstet 200 g", 33.0, 1, 167, 7.0),
    ("Müsliriegel", 90.0, 1, 64, 7.0),
    ("Äpfel Elstar lose", 42.5, 2, 279, 7.0),
    ("Bananen lose", 31.2, 2, 185, 7.0),
    ("Tomaten Rispe", 12.75, 2, 372, 7.0),
    ("Olivenöl extra vergine 0,5 l", 18.0, 1, 652, 7.0),
    ("Spülmittel 500 ml", 22.0, 1, 125, 19.0),
    ("Papiertragetasche", 500.0, 1, 17, 19.0),
    ("Mehrweg-Becher", 0.0, 1, 252, 19.0),
];

/// Demo contacts: (organisation name | (first, last name), category, VAT id, email).
#[allow(clippy::type_complexity)]
const DEMO_CONTACTS: [(
    Option<&str>,
    Option<(&str, &str)>,
    u32,
    Option<&str>,
    Option<&str>,
); 8] = [
    (
        Some("Getränke Großhandel Nord GmbH"),
        None,
        2,
        Some("DE811907980"),
        Some("bestellung@getraenke-nord.example"),
    ),
    (
        Some("Bäckerei Sonnenschein KG"),
        None,
        2,
        Some("DE275148163"),
        Some("info@baeckerei-sonnenschein.example"),
    ),
    (
        Some("Molkerei Alpenblick eG"),
        None,
        2,
        Some("DE129273398"),
        None,
    ),
    (
        None,
        Some(("Jonas", "Weber")),
        2,
        None,
        Some("hof.weber@example.org"),
    ),
    (
        Some("Kita Regenbogen e.V."),
        None,
        3,
        None,
        Some("verwaltung@kita-regenbogen.example"),
    ),
    (
        None,
        Some(("Anna", "Schmidt")),
        3,
        None,
        Some("anna.schmidt@example.com"),
    ),
    (Some("Stadtmarketing Mitte"), None, 4, None, None),
    (Some("Café Eckstein"), None, 28, None, None),
];

/// Demo orders: (number, contact, type, status, order date, positions as (part, quantity)).
#[allow(clippy::type_complexity)]
const DEMO_ORDERS: [(&str, usize, &str, u32, i64, &[(usize, f64)]); 5] = [
    // To suppliers: the purchase orders.
    (
        "AB-1001",
        0,
        "AB",
        200,
        1_748_764_800,
        &[(0, 240.0), (2, 120.0), (4, 144.0)],
    ),
    (
        "AB-1002",
        1,
        "AB",
        500,
        1_749_024_000,
        &[(12, 60.0), (13, 45.0)],
    ),
    (
        "AB-1003",
        3,
        "AB",
        100,
        1_749_110_400,
        &[(23, 20.0), (24, 15.5)],
    ),
    // To customers: not purchase orders.
    ("AN-1004", 4, "AN", 200, 1_749_196_800, &[(3, 12.0)]),
    ("LI-1005", 5, "LI", 200, 1_749_283_200, &[(29, 2.0)]),
];

impl Account {
    fn demo_master_data() -> Account {
        let mut a = Account {
            parts: vec![],
            contacts: vec![],
            comm_ways: vec![],
            orders: vec![],
            order_pos: vec![],
            vouchers: vec![],
            next_voucher_pos: VOUCHER_POS_ID_BASE,
            transactions: vec![],
            failure: None,
            requests: 0,
        };
        for (i, (name, person, category, vat, email)) in DEMO_CONTACTS.into_iter().enumerate() {
            let t = DEMO_CREATED + 3600 + i as i64 * 60;
            a.contacts.push(Contact {
                name: name.map(String::from),
                surename: person.map(|p| p.0.to_string()),
                familyname: person.map(|p| p.1.to_string()),
                category,
                customer_number: format!("{}", 10_001 + i),
                vat_number: vat.map(String::from),
                create: t,
                update: t,
            });
            if let Some(email) = email {
                a.comm_ways.push(CommWay {
                    contact: i,
                    kind: "EMAIL",
                    value: email.to_string(),
                    main: true,
                });
            }
            a.comm_ways.push(CommWay {
                contact: i,
                kind: "PHONE",
                value: format!("+49 30 555 01{i:02}"),
                main: true,
            });
        }
        a
    }

    fn demo_parts(&mut self) {
        for (i, (name, stock, unity, net, tax)) in DEMO_PARTS.into_iter().enumerate() {
            let t = DEMO_CREATED + i as i64 * 60;
            self.parts.push(Part {
                part_number: format!("ART-{}", 1001 + i),
                name: name.to_string(),
                stock,
                stock_enabled: true,
                unity,
                price_net: net,
                price_purchase: net * 6 / 10,
                tax_rate: tax,
                // One discontinued article: still in stock, inactive.
                status: if i == 29 { 50 } else { 100 },
                create: t,
                update: t,
            });
        }
        // Services: parts without stock tracking.
        for (j, (name, net)) in [("Geschenkverpackung", 168), ("Lieferpauschale", 420)]
            .into_iter()
            .enumerate()
        {
            let t = DEMO_CREATED + 7200 + j as i64 * 60;
            self.parts.push(Part {
                part_number: format!("SRV-{}", 1 + j),
                name: name.to_string(),
                stock: 0.0,
                stock_enabled: false,
                unity: 3,
                price_net: net,
                price_purchase: 0,
                tax_rate: 19.0,
                status: 100,
                create: t,
                update: t,
            });
        }
    }

    fn demo_orders(&mut self) {
        for (i, (number, contact, kind, status, date, lines)) in DEMO_ORDERS.into_iter().enumerate()
        {
            let order = self.orders.len();
            let mut positions = vec![];
            for (n, (part, quantity)) in lines.iter().enumerate() {
                let p = self.parts.get(*part);
                positions.push(self.order_pos.len());
                self.order_pos.push(OrderPos {
                    order,
                    part: p.map(|_| *part),
                    name: p.map_or_else(|| format!("Position {}", n + 1), |p| p.name.clone()),
                    quantity: *quantity,
                    price_net: p.map_or(100, |p| p.price_purchase),
                    tax_rate: p.map_or(19.0, |p| p.tax_rate),
                    position_number: n as u32,
                });
            }
            let t = date + 3600;
            self.orders.push(Order {
                order_number: number.to_string(),
                contact,
                order_type: kind,
                status,
                order_date: date,
                header: format!("Auftrag {number}"),
                create: t + i as i64,
                update: t + i as i64,
                positions,
            });
        }
    }

    fn demo() -> Account {
        let mut a = Account::demo_master_data();
        a.demo_parts();
        a.demo_orders();
        a
    }

    /// The demo contacts and orders, with `n` generated parts (all stock-tracked).
    fn generated(n: usize) -> Account {
        let mut a = Account::demo_master_data();
        a.parts.reserve_exact(n);
        for i in 0..n {
            let t = DEMO_CREATED + i as i64;
            a.parts.push(Part {
                part_number: format!("GEN-{}", i + 1),
                name: format!("Generated part {}", i + 1),
                stock: ((i * 37) % 500) as f64,
                stock_enabled: true,
                unity: 1,
                price_net: 49 + (i as i64 * 37) % 2000,
                price_purchase: 30 + (i as i64 * 23) % 1200,
                tax_rate: if i % 3 == 0 { 7.0 } else { 19.0 },
                status: 100,
                create: t,
                update: t,
            });
        }
        a.demo_orders();
        a
    }

    /// Builds the account a token stands for, if it stands for one.
    fn create(token: &str) -> Option<Account> {
        if token == DEMO_TOKEN {
            return Some(Account::demo());
        }
        let n: usize = token.strip_prefix("gen-")?.parse().ok()?;
        (1..=MAX_GENERATED_PARTS)
            .contains(&n)
            .then(|| Account::generated(n))
    }

    fn part_index(&self, id: &str) -> Option<usize> {
        let idx = id
            .trim()
            .parse::<u64>()
            .ok()?
            .checked_sub(PART_ID_BASE + 1)?;
        let idx = usize::try_from(idx).ok()?;
        (idx < self.parts.len()).then_some(idx)
    }

    fn index(id: &str, base: u64, len: usize) -> Option<usize> {
        let idx = id.trim().parse::<u64>().ok()?.checked_sub(base + 1)?;
        let idx = usize::try_from(idx).ok()?;
        (idx < len).then_some(idx)
    }
}

impl SevdeskSim {
    pub fn new() -> Arc<SevdeskSim> {
        let mut state = SimState::default();
        state
            .accounts
            .insert(DEMO_TOKEN.to_string(), Account::demo());
        Arc::new(SevdeskSim {
            state: Mutex::new(state),
        })
    }

    fn lock(&self) -> MutexGuard<'_, SimState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The common prologue of every API request: resolve the account from the token
    /// (creating a `gen-N` one on first use; anything else is 401), count the request,
    /// inject a requested failure.
    fn api(
        &self,
        headers: &HeaderMap,
        write: bool,
        f: impl FnOnce(&mut Account) -> Response,
    ) -> Response {
        let Some(token) = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|t| !t.is_empty())
        else {
            return unauthorized();
        };
        let mut state = self.lock();
        if !state.accounts.contains_key(token) {
            let Some(account) = Account::create(token) else {
                return unauthorized();
            };
            state.accounts.insert(token.to_string(), account);
        }
        let account = state.accounts.get_mut(token).expect("account present");
        account.requests += 1;
        let mut fail_after = None;
        if let Some(failure) = account.failure.as_mut()
            && (!failure.after_write || write)
        {
            failure.remaining -= 1;
            let status = failure.status;
            let after = failure.after_write;
            if failure.remaining == 0 {
                account.failure = None;
            }
            if !after {
                return failure_response(status);
            }
            fail_after = Some(status);
        }
        let resp = f(account);
        match fail_after {
            Some(status) => failure_response(status),
            None => resp,
        }
    }

    /// Test hooks: resolve (or create) the account of `?token=` (default demo), no auth,
    /// not counted.
    fn hook(&self, raw: Option<&str>, f: impl FnOnce(&mut Account) -> Response) -> Response {
        let q = Query::parse(raw);
        let token = q.get("token").unwrap_or(DEMO_TOKEN).to_string();
        let mut state = self.lock();
        if !state.accounts.contains_key(&token) {
            let Some(account) = Account::create(&token) else {
                return error(
                    StatusCode::NOT_FOUND,
                    &format!("no account for token {token}"),
                );
            };
            state.accounts.insert(token.clone(), account);
        }
        f(state.accounts.get_mut(&token).expect("account present"))
    }
}

fn failure_response(status: StatusCode) -> Response {
    match status {
        StatusCode::TOO_MANY_REQUESTS => {
            // Spec silent on rate limits: 429 with `Retry-After` in seconds.
            let mut resp = error(status, "Too Many Requests");
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            resp
        }
        StatusCode::SERVICE_UNAVAILABLE => error(status, "Service Unavailable"),
        _ => error(status, "Server Error"),
    }
}

// ---- answers ---------------------------------------------------------------------------

/// The spec's `validationError`: `{"error": {"message", "exceptionUUID"}}`. Spec silent
/// on the bodies of other errors: we use the same shape for all of them.
fn error(status: StatusCode, message: &str) -> Response {
    let body = json!({
        "error": {
            "message": message,
            "exceptionUUID": uuid::Uuid::new_v4().to_string(),
        }
    });
    (status, axum::Json(body)).into_response()
}

/// 401: the spec's description of it is "Authentication required".
fn unauthorized() -> Response {
    error(StatusCode::UNAUTHORIZED, "Authentication required")
}

/// An error answer small enough to travel in a `Result`.
struct ApiError {
    status: StatusCode,
    message: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        error(self.status, &self.message)
    }
}

/// A 400 as an [`ApiError`].
fn invalid(message: &str) -> ApiError {
    ApiError {
        status: StatusCode::BAD_REQUEST,
        message: message.to_string(),
    }
}

fn bad_request(message: &str) -> Response {
    error(StatusCode::BAD_REQUEST, message)
}

fn unprocessable(message: &str) -> Response {
    error(StatusCode::UNPROCESSABLE_ENTITY, message)
}

fn json_bytes(status: StatusCode, body: Vec<u8>) -> Response {
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}

fn ok(value: Value) -> Response {
    (StatusCode::OK, axum::Json(value)).into_response()
}

fn created(value: Value) -> Response {
    (StatusCode::CREATED, axum::Json(value)).into_response()
}

/// `{"objects": [...]}` around already serialised objects (plus `"total"` with `countAll`).
fn objects(items: Vec<u8>, total: Option<usize>) -> Response {
    let mut body = Vec::with_capacity(items.len() + 32);
    body.extend_from_slice(b"{");
    if let Some(total) = total {
        // The spec's example shows the total as a string.
        body.extend_from_slice(format!("\"total\":\"{total}\",").as_bytes());
    }
    body.extend_from_slice(b"\"objects\":");
    body.extend_from_slice(&items);
    body.push(b'}');
    json_bytes(StatusCode::OK, body)
}

fn reference(id: u64, object_name: &str) -> Value {
    json!({"id": id.to_string(), "objectName": object_name})
}

fn sev_client() -> Value {
    reference(SEV_CLIENT_ID, "SevClient")
}

/// Decimal strings as the `…Response` models carry them ("119.00" is shown as "119").
fn dec(v: f64) -> String {
    let rounded = (v * 100.0).round() / 100.0;
    if rounded.fract() == 0.0 {
        format!("{rounded:.0}")
    } else {
        format!("{rounded}")
    }
}

fn cents(v: i64) -> f64 {
    v as f64 / 100.0
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

// ---- query parameters ------------------------------------------------------------------

struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    fn parse(raw: Option<&str>) -> Query {
        Query {
            pairs: form_urlencoded::parse(raw.unwrap_or("").as_bytes())
                .into_owned()
                .collect(),
        }
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn embeds(&self, name: &str) -> bool {
        self.pairs
            .iter()
            .filter(|(k, _)| k == "embed" || k == "embed[]")
            .flat_map(|(_, v)| v.split(','))
            .any(|e| e.trim() == name)
    }

    /// A Unix timestamp filter (`updateAfter={timestamp}`); spec silent on the format
    /// beyond "timestamp": we take Unix seconds.
    fn timestamp(&self, name: &str) -> Result<Option<i64>, ApiError> {
        match self.get(name) {
            None | Some("") => Ok(None),
            Some(v) => v
                .trim()
                .parse::<i64>()
                .map(Some)
                .map_err(|_| invalid(&format!("{name} must be a timestamp"))),
        }
    }

    fn id(&self, name: &str) -> Result<Option<u64>, ApiError> {
        match self.get(name) {
            None | Some("") => Ok(None),
            Some(v) => v
                .trim()
                .parse::<u64>()
                .map(Some)
                .map_err(|_| invalid(&format!("{name} must be an id"))),
        }
    }
}

struct Paging {
    limit: usize,
    offset: usize,
    count_all: bool,
}

fn paging(q: &Query) -> Result<Paging, ApiError> {
    let limit = match q.get("limit") {
        None => DEFAULT_LIMIT,
        Some(v) => v
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|l| (1..=MAX_LIMIT).contains(l))
            .ok_or_else(|| invalid(&format!("limit must be between 1 and {MAX_LIMIT}")))?,
    };
    let offset = match q.get("offset") {
        None => 0,
        Some(v) => v
            .trim()
            .parse::<usize>()
            .map_err(|_| invalid("offset must be a non-negative integer"))?,
    };
    let count_all = matches!(q.get("countAll"), Some("true" | "1"));
    Ok(Paging {
        limit,
        offset,
        count_all,
    })
}

/// A page of `rows` (indices into some table, in id order) as `{"objects": [...]}`.
fn page<T: Serialize>(rows: &[usize], p: &Paging, view: impl Fn(usize) -> T) -> Response {
    let items: Vec<T> = rows
        .iter()
        .skip(p.offset)
        .take(p.limit)
        .map(|&i| view(i))
        .collect();
    objects(
        serde_json::to_vec(&items).expect("serialisable"),
        p.count_all.then_some(rows.len()),
    )
}

/// A page over all rows of a table of `len` rows, without materialising the index list:
/// O(limit) for any offset.
fn page_all<T: Serialize>(len: usize, p: &Paging, view: impl Fn(usize) -> T) -> Response {
    let start = p.offset.min(len);
    let end = start.saturating_add(p.limit).min(len);
    let items: Vec<T> = (start..end).map(view).collect();
    objects(
        serde_json::to_vec(&items).expect("serialisable"),
        p.count_all.then_some(len),
    )
}

// ---- views -------------------------------------------------------------------------------

/// `Model_Part`: integer id, numeric stock and prices.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PartView<'a> {
    id: u64,
    object_name: &'static str,
    create: String,
    update: String,
    name: &'a str,
    part_number: &'a str,
    text: Option<&'a str>,
    category: Option<Value>,
    stock: f64,
    stock_enabled: bool,
    unity: Value,
    price: f64,
    price_net: f64,
    price_gross: f64,
    sev_client: Value,
    price_purchase: f64,
    tax_rate: f64,
    status: u32,
    internal_comment: Option<&'a str>,
}

/// Spec silent on the `Unity` object: id, objectName, name and a translation code.
fn unity(id: u32, embed: bool) -> Value {
    if !embed {
        return json!({"id": id, "objectName": "Unity"});
    }
    let (name, code) = match id {
        1 => ("Stk", "UNITY_PIECE"),
        2 => ("kg", "UNITY_KILOGRAM"),
        3 => ("pauschal", "UNITY_LUMP_SUM"),
        _ => ("Einheit", "UNITY_UNIT"),
    };
    json!({"id": id, "objectName": "Unity", "name": name, "translationCode": code})
}

impl Account {
    fn part_view(&self, i: usize, embed_unity: bool) -> PartView<'_> {
        let p = &self.parts[i];
        let net = cents(p.price_net);
        PartView {
            id: PART_ID_BASE + 1 + i as u64,
            object_name: "Part",
            create: format_time(p.create),
            update: format_time(p.update),
            name: &p.name,
            part_number: &p.part_number,
            text: None,
            category: None,
            stock: p.stock,
            stock_enabled: p.stock_enabled,
            unity: unity(p.unity, embed_unity),
            price: net,
            price_net: net,
            price_gross: round2(net * (1.0 + p.tax_rate / 100.0)),
            sev_client: json!({"id": SEV_CLIENT_ID, "objectName": "SevClient"}),
            price_purchase: cents(p.price_purchase),
            tax_rate: p.tax_rate,
            status: p.status,
            internal_comment: None,
        }
    }

    /// `Model_ContactResponse`.
    fn contact_view(&self, i: usize) -> Value {
        let c = &self.contacts[i];
        let mut v = json!({
            "id": (CONTACT_ID_BASE + 1 + i as u64).to_string(),
            "objectName": "Contact",
            "create": format_time(c.create),
            "update": format_time(c.update),
            "status": "1000",
            "customerNumber": c.customer_number,
            "category": reference(u64::from(c.category), "Category"),
            "sevClient": sev_client(),
            "exemptVat": "0",
            "defaultTimeToPay": "14",
            "defaultDiscountAmount": "0",
            "defaultDiscountPercentage": "0",
            "governmentAgency": "0",
        });
        let obj = v.as_object_mut().expect("object");
        let mut put = |k: &str, val: &Option<String>| {
            if let Some(val) = val {
                obj.insert(k.into(), Value::String(val.clone()));
            }
        };
        put("name", &c.name);
        put("surename", &c.surename);
        put("familyname", &c.familyname);
        put("vatNumber", &c.vat_number);
        v
    }

    fn comm_way_view(&self, i: usize) -> Value {
        let w = &self.comm_ways[i];
        let c = &self.contacts[w.contact];
        json!({
            "id": (COMM_WAY_ID_BASE + 1 + i as u64).to_string(),
            "objectName": "CommunicationWay",
            "create": format_time(c.create),
            "update": format_time(c.update),
            "contact": reference(CONTACT_ID_BASE + 1 + w.contact as u64, "Contact"),
            "type": w.kind,
            "value": w.value,
            "key": reference(if w.kind == "EMAIL" { 2 } else { 1 }, "CommunicationWayKey"),
            "main": if w.main { "1" } else { "0" },
            "sevClient": sev_client(),
        })
    }

    fn order_sums(&self, i: usize) -> (f64, f64) {
        let mut net = 0.0;
        let mut tax = 0.0;
        for &p in &self.orders[i].positions {
            let pos = &self.order_pos[p];
            let line = cents(pos.price_net) * pos.quantity;
            net += line;
            tax += line * pos.tax_rate / 100.0;
        }
        (round2(net), round2(tax))
    }

    /// `Model_OrderResponse`.
    fn order_view(&self, i: usize, embed_contact: bool) -> Value {
        let o = &self.orders[i];
        let (net, tax) = self.order_sums(i);
        let contact = if embed_contact {
            self.contact_view(o.contact)
        } else {
            reference(CONTACT_ID_BASE + 1 + o.contact as u64, "Contact")
        };
        json!({
            "id": (ORDER_ID_BASE + 1 + i as u64).to_string(),
            "objectName": "Order",
            "create": format_time(o.create),
            "update": format_time(o.update),
            "orderNumber": o.order_number,
            "contact": contact,
            "orderDate": format_time(o.order_date),
            "status": o.status.to_string(),
            "header": o.header,
            "headText": "",
            "footText": "",
            "addressCountry": reference(1, "StaticCountry"),
            "createUser": reference(1, "SevUser"),
            "sevClient": sev_client(),
            "deliveryTerms": "",
            "paymentTerms": "",
            "version": "0",
            "smallSettlement": false,
            "contactPerson": reference(1, "SevUser"),
            "taxRate": "0",
            "taxRule": reference(1, "TaxRule"),
            "taxText": "Umsatzsteuer",
            "taxType": "default",
            "orderType": o.order_type,
            "address": "",
            "currency": "EUR",
            "sumNet": dec(net),
            "sumTax": dec(tax),
            "sumGross": dec(net + tax),
            "sumDiscounts": "0",
            "customerInternalNote": Value::Null,
            "showNet": true,
        })
    }

    /// `Model_OrderPosResponse`.
    fn order_pos_view(&self, i: usize, embed_part: bool, embed_order: bool) -> Value {
        let pos = &self.order_pos[i];
        let net = cents(pos.price_net);
        let tax = net * pos.tax_rate / 100.0;
        let part = pos.part.map(|p| {
            if embed_part {
                serde_json::to_value(self.part_view(p, false)).expect("serialisable")
            } else {
                reference(PART_ID_BASE + 1 + p as u64, "Part")
            }
        });
        let order = if embed_order {
            self.order_view(pos.order, false)
        } else {
            reference(ORDER_ID_BASE + 1 + pos.order as u64, "Order")
        };
        let o = &self.orders[pos.order];
        json!({
            "id": (ORDER_POS_ID_BASE + 1 + i as u64).to_string(),
            "objectName": "OrderPos",
            "create": format_time(o.create),
            "update": format_time(o.update),
            "order": order,
            "part": part,
            "quantity": dec(pos.quantity),
            "price": dec(net),
            "priceNet": dec(net),
            "priceTax": dec(tax),
            "priceGross": dec(net + tax),
            "name": pos.name,
            "unity": json!({"id": "1", "objectName": "Unity"}),
            "sevClient": sev_client(),
            "positionNumber": pos.position_number.to_string(),
            "text": Value::Null,
            "discount": Value::Null,
            "optional": false,
            "taxRate": dec(pos.tax_rate),
            "sumDiscount": Value::Null,
        })
    }
}

/// `Model_VoucherResponse`.
fn voucher_view(v: &Voucher) -> Value {
    json!({
        "id": v.id.to_string(),
        "objectName": "Voucher",
        "mapAll": true,
        "create": format_time(v.create),
        "update": format_time(v.create),
        "sevClient": sev_client(),
        "createUser": reference(1, "SevUser"),
        "voucherDate": format_time(v.voucher_date),
        "supplier": Value::Null,
        "supplierName": v.supplier_name,
        "description": v.description,
        "document": Value::Null,
        "payDate": Value::Null,
        "status": v.status.to_string(),
        "sumNet": dec(v.sum_net),
        "sumTax": dec(v.sum_tax),
        "sumGross": dec(v.sum_gross),
        "sumNetAccounting": dec(v.sum_net),
        "sumTaxAccounting": dec(v.sum_tax),
        "sumGrossAccounting": dec(v.sum_gross),
        "sumDiscounts": "0",
        "sumDiscountsForeignCurrency": "0",
        "paidAmount": 0,
        "taxRule": v.tax_rule.as_deref().map(|r| json!({"id": r, "objectName": "TaxRule"})),
        "taxType": Value::Null,
        "creditDebit": v.credit_debit,
        "voucherType": v.voucher_type,
        "currency": v.currency,
    })
}

/// `Model_VoucherPosResponse`.
fn voucher_pos_view(voucher: &Voucher, p: &VoucherPos) -> Value {
    json!({
        "id": p.id.to_string(),
        "objectName": "VoucherPos",
        "create": format_time(voucher.create),
        "update": format_time(voucher.create),
        "sevClient": sev_client(),
        "voucher": reference(voucher.id, "Voucher"),
        "accountDatev": p.account_datev.map(|id| reference(id, "AccountDatev")),
        "accountingType": p.accounting_type.map(|id| reference(id, "AccountingType")),
        "taxRate": dec(p.tax_rate),
        "net": p.net,
        "isAsset": false,
        "sumNet": dec(p.sum_net),
        "sumTax": dec(p.sum_tax),
        "sumGross": dec(p.sum_gross),
        "sumNetAccounting": dec(p.sum_net),
        "sumTaxAccounting": dec(p.sum_tax),
        "sumGrossAccounting": dec(p.sum_gross),
        "comment": p.comment,
    })
}

/// `Model_CheckAccountTransactionResponse`.
fn transaction_view(t: &Transaction, embed_account: bool) -> Value {
    let account = if embed_account {
        check_account_view()
    } else {
        reference(t.check_account, "CheckAccount")
    };
    json!({
        "id": t.id.to_string(),
        "objectName": "CheckAccountTransaction",
        "create": format_time(t.create),
        "update": format_time(t.create),
        "sevClient": sev_client(),
        "valueDate": format_time(t.value_date),
        "entryDate": format_time(t.entry_date),
        "paymtPurpose": t.paymt_purpose,
        "amount": dec(t.amount),
        "payeePayerName": t.payee_payer_name,
        "payeePayerAcctNo": Value::Null,
        "payeePayerBankCode": Value::Null,
        "checkAccount": account,
        "status": t.status.to_string(),
        "sourceTransaction": Value::Null,
        "targetTransaction": Value::Null,
        "enshrined": Value::Null,
    })
}

/// `Model_CheckAccountResponse`: the demo account's one clearing account.
fn check_account_view() -> Value {
    json!({
        "id": CHECK_ACCOUNT_ID.to_string(),
        "objectName": "CheckAccount",
        "create": format_time(DEMO_CREATED),
        "update": format_time(DEMO_CREATED),
        "sevClient": sev_client(),
        "name": "BEEP! Zahlungen (Verrechnungskonto)",
        "iban": Value::Null,
        "type": "online",
        "importType": "CSV",
        "currency": "EUR",
        "defaultAccount": "0",
        "baseAccount": "0",
        "priority": "1",
        "status": "100",
        "accountingNumber": "1360",
    })
}

// ---- parts ---------------------------------------------------------------------------------

async fn get_parts(
    State(sim): State<Arc<SevdeskSim>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    sim.api(&headers, false, |a| {
        let q = Query::parse(raw.as_deref());
        let p = match paging(&q) {
            Ok(p) => p,
            Err(e) => return e.into_response(),
        };
        let embed_unity = q.embeds("unity");
        let number = q.get("partNumber");
        let name = q.get("name");
        if number.is_none() && name.is_none() {
            return page_all(a.parts.len(), &p, |i| a.part_view(i, embed_unity));
        }
        let rows: Vec<usize> = (0..a.parts.len())
            .filter(|&i| {
                number.is_none_or(|n| a.parts[i].part_number == n)
                    && name.is_none_or(|n| a.parts[i].name == n)
            })
            .collect();
        page(&rows, &p, |i| a.part_view(i, embed_unity))
    })
}

/// Spec: "400 Bad request. Part was not found".
fn part_not_found(id: &str) -> Response {
    bad_request(&format!("Part with id {id} not found"))
}

async fn get_part(
    State(sim): State<Arc<SevdeskSim>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    sim.api(&headers, false, |a| {
        let q = Query::parse(raw.as_deref());
        match a.part_index(&id) {
            Some(i) => ok(json!({"objects": [a.part_view(i, q.embeds("unity"))]})),
            None => part_not_found(&id),
        }
    })
}

async fn get_stock(
    State(sim): State<Arc<SevdeskSim>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    sim.api(&headers, false, |a| match a.part_index(&id) {
        Some(i) => ok(json!({"objects": a.parts[i].stock})),
        None => part_not_found(&id),
    })
}

/// A number sent as a JSON number or a numeric string (sevdesk takes both).
fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|f: &f64| f.is_finite())
}

/// An `{"id": …}` reference's id.
fn ref_id(v: &Value) -> Option<u64> {
    match v.get("id")? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// `PUT /Part/{partId}` with `Model_PartUpdate`: every field optional; read-only ones
/// (id, create, update, sevClient, objectName) are ignored.
async fn put_part(
    State(sim): State<Arc<SevdeskSim>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    sim.api(&headers, true, |a| {
        let Some(i) = a.part_index(&id) else {
            return part_not_found(&id);
        };
        let Ok(Value::Object(update)) = serde_json::from_slice::<Value>(&body) else {
            return bad_request("the body must be a JSON object (Model_PartUpdate)");
        };
        let num = |k: &str| -> Result<Option<f64>, ApiError> {
            match update.get(k) {
                None | Some(Value::Null) => Ok(None),
                Some(v) => number(v)
                    .map(Some)
                    .ok_or_else(|| invalid(&format!("{k} must be a number"))),
            }
        };
        let text = |k: &str| -> Result<Option<String>, ApiError> {
            match update.get(k) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(invalid(&format!("{k} must be a string"))),
            }
        };
        let stock = match num("stock") {
            Ok(v) => v,
            Err(e) => return e.into_response(),
        };
        let price_net = match num("priceNet").and_then(|n| Ok(n.or(num("price")?))) {
            Ok(v) => v,
            Err(e) => return e.into_response(),
        };
        let tax_rate = match num("taxRate") {
            Ok(v) => v,
            Err(e) => return e.into_response(),
        };
        let (name, part_number) = match (text("name"), text("partNumber")) {
            (Ok(n), Ok(p)) => (n, p),
            (Err(e), _) | (_, Err(e)) => return e.into_response(),
        };
        let p = &mut a.parts[i];
        if let Some(stock) = stock {
            p.stock = stock;
        }
        if let Some(net) = price_net {
            p.price_net = (net * 100.0).round() as i64;
        }
        if let Some(rate) = tax_rate {
            p.tax_rate = rate;
        }
        if let Some(name) = name {
            p.name = name;
        }
        if let Some(number) = part_number {
            p.part_number = number;
        }
        if let Some(enabled) = update.get("stockEnabled") {
            p.stock_enabled =
                matches!(enabled, Value::Bool(true)) || number(enabled).is_some_and(|n| n != 0.0);
        }
        if let Some(status) = update.get("status").and_then(number) {
            p.status = status as u32;
        }
        p.update = now().max(p.update);
        // Spec: 200 "Returns changed part resource" (`Model_Part`, not wrapped).
        ok(serde_json::to_value(a.part_view(i, false)).expect("serialisable"))
    })
}

// ---- contacts ------------------------------------------------------------------------------

async fn get_contacts(
    State(sim): State<Arc<SevdeskSim>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    sim.api(&headers, false, |a| {
        let q = Query::parse(raw.as_deref());
        let p = match paging(&q) {
            Ok(p) => p,
            Err(e) => return e.into_response(),
        };
        let (category, after, before, c_after, c_before) = match (
            q.id("category[id]"),
            q.timestamp("updateAfter"),
            q.timestamp("updateBefore"),
            q.timestamp("createAfter"),
            q.timestamp("createBefore"),
        ) {
            (Ok(a), Ok(b), Ok(c), Ok(d), Ok(e)) => (a, b, c, d, e),
            (Err(e), ..)
            | (_, Err(e), ..)
            | (_, _, Err(e), ..)
            | (.., Err(e), _)
            | (.., Err(e)) => {
                return e.into_response();
            }
        };
        // `depth=1`: organisations and persons; default only organisations.
        let persons = matches!(q.get("depth"), Some("1" | "true"));
        let number = q.get("customerNumber");
        let name = q.get("name").map(str::to_lowercase);
        let rows: Vec<usize> = (0..a.contacts.len())
            .filter(|&i| {
                let c = &a.contacts[i];
                (persons || c.name.is_some())
                    && category.is_none_or(|id| u64::from(c.category) == id)
                    && after.is_none_or(|t| c.update > t)
                    && before.is_none_or(|t| c.update < t)
                    && c_after.is_none_or(|t| c.create > t)
                    && c_before.is_none_or(|t| c.create < t)
                    && number.is_none_or(|n| c.customer_number == n)
                    && name.as_deref().is_none_or(|n| {
                        [&c.name, &c.surename, &c.familyname]
                            .iter()
                            .any(|f| f.as_deref().is_some_and(|f| f.to_lowercase().contains(n)))
                    })
            })
            .collect();
        page(&rows, &p, |i| a.contact_view(i))
    })
}

async fn get_contact(
    State(sim): State<Arc<SevdeskSim>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    sim.api(&headers, false, |a| {
        match Account::index(&id, CONTACT_ID_BASE, a.contacts.len()) {
            Some(i) => ok(json!({"objects": [a.contact_view(i)]})),
            None => error(
                StatusCode::NOT_FOUND,
                &format!("Contact with id {id} not found"),
            ),
        }
    })
}

async fn get_comm_ways(
    State(sim): State<Arc<SevdeskSim>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    sim.api(&headers, false, |a| {
        let q = Query::parse(raw.as_deref());
        let p = match paging(&q) {
            Ok(p) => p,
            Err(e) => return e.into_response(),
        };
        let contact = match q.id("contact[id]") {
            Ok(c) => c,
            Err(e) => return e.into_response(),
        };
        let kind = q.get("type");
        let main = q.get("main");
        let rows: Vec<usize> = (0..a.comm_ways.len())
            .filter(|&i| {
                let w = &a.comm_ways[i];
                contact.is_none_or(|c| CONTACT_ID_BASE + 1 + w.contact as u64 == c)
                    && kind.is_none_or(|k| w.kind == k)
                    && main.is_none_or(|m| (m == "1") == w.main)
            })
            .collect();
        page(&rows, &p, |i| a.comm_way_view(i))
    })
}

// ---- orders --------------------------------------------------------------------------------

async fn get_orders(
    State(sim): State<Arc<SevdeskSim>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    sim.api(&headers, false, |a| {
        let q = Query::parse(raw.as_deref());
        let p = match paging(&q) {
            Ok(p) => p,
            Err(e) => return e.into_response(),
        };
        let (contact, after, before, start, end) = match (
            q.id("contact[id]"),
            q.timestamp("updateAfter"),
            q.timestamp("updateBefore"),
            q.timestamp("startDate"),
            q.timestamp("endDate"),
        ) {
            (Ok(a), Ok(b), Ok(c), Ok(d), Ok(e)) => (a, b, c, d, e),
            (Err(e), ..)
            | (_, Err(e), ..)
            | (_, _, Err(e), ..)
            | (.., Err(e), _)
            | (.., Err(e)) => {
                return e.into_response();
            }
        };
        let kind = q.get("orderType");
        if kind.is_some_and(|k| !["AN", "AB", "LI"].contains(&k)) {
            return bad_request("orderType must be AN, AB or LI");
        }
        let status = q.get("status");
        let number = q.get("orderNumber");
        let embed_contact = q.embeds("contact");
        let rows: Vec<usize> = (0..a.orders.len())
            .filter(|&i| {
                let o = &a.orders[i];
                kind.is_none_or(|k| o.order_type == k)
                    && status.is_none_or(|s| o.status.to_string() == s)
                    && number.is_none_or(|n| o.order_number == n)
                    && contact.is_none_or(|c| CONTACT_ID_BASE + 1 + o.contact as u64 == c)
                    && after.is_none_or(|t| o.update > t)
                    && before.is_none_or(|t| o.update < t)
                    && start.is_none_or(|t| o.order_date >= t)
                    && end.is_none_or(|t| o.order_date <= t)
            })
            .collect();
        page(&rows, &p, |i| a.order_view(i, embed_contact))
    })
}

async fn get_order(
    State(sim): State<Arc<SevdeskSim>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    sim.api(&headers, false, |a| {
        let q = Query::parse(raw.as_deref());
        match Account::index(&id, ORDER_ID_BASE, a.orders.len()) {
            Some(i) => ok(json!({"objects": [a.order_view(i, q.embeds("contact"))]})),
            None => error(
                StatusCode::NOT_FOUND,
                &format!("Order with id {id} not found"),
            ),
        }
    })
}

async fn get_order_positions(
    State(sim): State<Arc<SevdeskSim>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    sim.api(&headers, false, |a| {
        let q = Query::parse(raw.as_deref());
        let p = match paging(&q) {
            Ok(p) => p,
            Err(e) => return e.into_response(),
        };
        let Some(i) = Account::index(&id, ORDER_ID_BASE, a.orders.len()) else {
            return error(
                StatusCode::NOT_FOUND,
                &format!("Order with id {id} not found"),
            );
        };
        let (embed_part, embed_order) = (q.embeds("part"), q.embeds("order"));
        page(&a.orders[i].positions, &p, |i| {
            a.order_pos_view(i, embed_part, embed_order)
        })
    })
}

async fn get_order_pos(
    State(sim): State<Arc<SevdeskSim>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    sim.api(&headers, false, |a| {
        let q = Query::parse(raw.as_deref());
        let p = match paging(&q) {
            Ok(p) => p,
            Err(e) => return e.into_response(),
        };
        let order = match q.id("order[id]") {
            Ok(o) => o,
            Err(e) => return e.into_response(),
        };
        let rows: Vec<usize> = (0..a.order_pos.len())
            .filter(|&i| order.is_none_or(|o| ORDER_ID_BASE + 1 + a.order_pos[i].order as u64 == o))
            .collect();
        let (embed_part, embed_order) = (q.embeds("part"), q.embeds("order"));
        page(&rows, &p, |i| a.order_pos_view(i, embed_part, embed_order))
    })
}

// ---- vouchers ------------------------------------------------------------------------------

async fn get_vouchers(
    State(sim): State<Arc<SevdeskSim>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    sim.api(&headers, false, |a| {
        let q = Query::parse(raw.as_deref());
        let p = match paging(&q) {
            Ok(p) => p,
            Err(e) => return e.into_response(),
        };
        // `descriptionLike`: SQL LIKE semantics, a case-insensitive substring match.
        let like = q.get("descriptionLike").map(str::to_lowercase);
        let credit_debit = q.get("creditDebit");
        let status = q.get("status");
        let rows: Vec<usize> = (0..a.vouchers.len())
            .filter(|&i| {
                let v = &a.vouchers[i];
                like.as_deref().is_none_or(|l| {
                    v.description
                        .as_deref()
                        .is_some_and(|d| d.to_lowercase().contains(l))
                }) && credit_debit.is_none_or(|c| v.credit_debit == c)
                    && status.is_none_or(|s| v.status.to_string() == s)
            })
            .collect();
        page(&rows, &p, |i| voucher_view(&a.vouchers[i]))
    })
}

async fn get_voucher(
    State(sim): State<Arc<SevdeskSim>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    sim.api(&headers, false, |a| {
        match Account::index(&id, VOUCHER_ID_BASE, a.vouchers.len()) {
            Some(i) => ok(json!({"objects": [voucher_view(&a.vouchers[i])]})),
            None => error(
                StatusCode::NOT_FOUND,
                &format!("Voucher with id {id} not found"),
            ),
        }
    })
}

/// A date given "as timestamp or dd.mm.yyyy" (also accepted: `yyyy-mm-dd[Thh:mm:ss…]`).
fn parse_date(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => {
            let s = s.trim();
            if let Ok(t) = s.parse::<i64>() {
                return Some(t);
            }
            let parts: Vec<&str> = s.split('.').collect();
            if let [d, m, y] = parts.as_slice() {
                return unix_date(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
            }
            let date = s.get(..10)?;
            let mut it = date.split('-');
            let (y, m, d) = (it.next()?, it.next()?, it.next()?);
            unix_date(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
        }
        _ => None,
    }
}

struct NewPosition {
    account_datev: Option<u64>,
    accounting_type: Option<u64>,
    tax_rate: f64,
    net: bool,
    sum: f64,
    comment: Option<String>,
}

/// Validates one `voucherPosSave` entry.
fn new_position(v: &Value) -> Result<NewPosition, String> {
    if !v.is_object() {
        return Err("voucherPosSave entries must be objects".into());
    }
    let account_datev = v.get("accountDatev").filter(|a| !a.is_null());
    let accounting_type = v.get("accountingType").filter(|a| !a.is_null());
    let account_datev = match account_datev {
        None => None,
        Some(a) => Some(ref_id(a).ok_or("accountDatev needs an id")?),
    };
    let accounting_type = match accounting_type {
        None => None,
        Some(a) => Some(ref_id(a).ok_or("accountingType needs an id")?),
    };
    match (account_datev, accounting_type) {
        (None, None) => return Err("voucher position needs an accountDatev".into()),
        (Some(id), _)
            if id != REVENUE_ACCOUNT_DATEV_ID && id != REDUCED_REVENUE_ACCOUNT_DATEV_ID =>
        {
            return Err(format!("AccountDatev with id {id} not found"));
        }
        _ => {}
    }
    let tax_rate = v
        .get("taxRate")
        .and_then(number)
        .ok_or("voucher position needs a taxRate")?;
    // Tax rule 1 ("Umsatzsteuerpflichtige Umsätze") allows 0, 7 and 19 %.
    if ![0.0, 7.0, 19.0].contains(&tax_rate) {
        return Err(format!(
            "taxRate {tax_rate} is not allowed for this tax rule"
        ));
    }
    let net = match v.get("net") {
        Some(Value::Bool(b)) => *b,
        Some(other) => number(other).is_some_and(|n| n != 0.0),
        None => return Err("voucher position needs net".into()),
    };
    let key = if net { "sumNet" } else { "sumGross" };
    let sum = v
        .get(key)
        .and_then(number)
        .ok_or_else(|| format!("voucher position needs {key}"))?;
    Ok(NewPosition {
        account_datev,
        accounting_type,
        tax_rate,
        net,
        sum,
        comment: v.get("comment").and_then(Value::as_str).map(String::from),
    })
}

/// `POST /Voucher/Factory/saveVoucher`: validates like sevdesk's 422 "Validation error"
/// and stores the voucher with its positions. Like the real service it does not
/// deduplicate: a voucher sent twice is booked twice.
async fn save_voucher(
    State(sim): State<Arc<SevdeskSim>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    sim.api(&headers, true, |a| {
        let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(&body) else {
            return bad_request("the body must be a JSON object (saveVoucher)");
        };
        let Some(Value::Object(v)) = body.get("voucher") else {
            return unprocessable("voucher is required");
        };
        if v.get("id").is_some_and(|id| !id.is_null()) {
            return unprocessable("updating vouchers is not supported by the simulator");
        }
        if v.get("objectName").and_then(Value::as_str) != Some("Voucher") {
            return unprocessable("voucher.objectName must be Voucher");
        }
        let credit_debit = match v.get("creditDebit").and_then(Value::as_str) {
            Some(c @ ("C" | "D")) => c.to_string(),
            _ => return unprocessable("creditDebit must be C or D"),
        };
        let voucher_type = match v.get("voucherType").and_then(Value::as_str) {
            Some(t @ "VOU") => t.to_string(),
            Some("RV") => return unprocessable("recurring vouchers are not simulated"),
            _ => return unprocessable("voucherType must be VOU or RV"),
        };
        let status = match v.get("status").and_then(number) {
            Some(s) if [50.0, 100.0, 1000.0].contains(&s) => s as u32,
            _ => return unprocessable("status must be 50, 100 or 1000"),
        };
        let tax_rule = v.get("taxRule").filter(|r| !r.is_null());
        let tax_type = v.get("taxType").and_then(Value::as_str);
        let tax_rule = match (tax_rule, tax_type) {
            (Some(r), _) => match ref_id(r) {
                Some(1) => Some("1".to_string()),
                Some(id) => return unprocessable(&format!("TaxRule {id} not available")),
                None => return unprocessable("taxRule needs an id"),
            },
            (None, Some("default")) => None,
            (None, Some(other)) => return unprocessable(&format!("taxType {other} not available")),
            (None, None) => return unprocessable("taxRule is required"),
        };
        let Some(voucher_date) = v.get("voucherDate").and_then(parse_date) else {
            return unprocessable("voucherDate must be a timestamp or dd.mm.yyyy");
        };
        let supplier = v.get("supplier").filter(|s| !s.is_null());
        let supplier_name = v
            .get("supplierName")
            .and_then(Value::as_str)
            .map(String::from);
        if let Some(s) = supplier {
            let known = ref_id(s)
                .and_then(|id| Account::index(&id.to_string(), CONTACT_ID_BASE, a.contacts.len()));
            if known.is_none() {
                return unprocessable("supplier not found");
            }
        } else if supplier_name.as_deref().is_none_or(str::is_empty) {
            return unprocessable("either supplier or supplierName is required");
        }
        let currency = v
            .get("currency")
            .and_then(Value::as_str)
            .unwrap_or("EUR")
            .to_string();
        if currency != "EUR"
            && v.get("propertyExchangeRate").is_none_or(Value::is_null)
            && v.get("propertyForeignCurrencyDeadline")
                .is_none_or(Value::is_null)
        {
            return unprocessable(
                "a foreign currency needs propertyExchangeRate or propertyForeignCurrencyDeadline",
            );
        }
        let positions = match body.get("voucherPosSave") {
            Some(Value::Array(items)) => items,
            _ => return unprocessable("voucherPosSave must list the voucher positions"),
        };
        if positions.is_empty() && status >= 100 {
            return unprocessable("a voucher that is not a draft needs positions");
        }
        let mut new = Vec::with_capacity(positions.len());
        for p in positions {
            match new_position(p) {
                Ok(p) => new.push(p),
                Err(m) => return unprocessable(&m),
            }
        }
        let id = VOUCHER_ID_BASE + 1 + a.vouchers.len() as u64;
        let mut voucher = Voucher {
            id,
            voucher_date,
            supplier_name,
            description: v
                .get("description")
                .and_then(Value::as_str)
                .map(String::from),
            status,
            credit_debit,
            voucher_type,
            currency,
            sum_net: 0.0,
            sum_tax: 0.0,
            sum_gross: 0.0,
            tax_rule,
            create: now(),
            positions: vec![],
        };
        for p in new {
            let factor = 1.0 + p.tax_rate / 100.0;
            let (net, gross) = if p.net {
                (round2(p.sum), round2(p.sum * factor))
            } else {
                (round2(p.sum / factor), round2(p.sum))
            };
            a.next_voucher_pos += 1;
            voucher.sum_net += net;
            voucher.sum_gross += gross;
            voucher.sum_tax += gross - net;
            voucher.positions.push(VoucherPos {
                id: a.next_voucher_pos,
                account_datev: p.account_datev,
                accounting_type: p.accounting_type,
                tax_rate: p.tax_rate,
                net: p.net,
                sum_net: net,
                sum_tax: round2(gross - net),
                sum_gross: gross,
                comment: p.comment,
            });
        }
        let positions: Vec<Value> = voucher
            .positions
            .iter()
            .map(|p| voucher_pos_view(&voucher, p))
            .collect();
        let answer = json!({
            "voucher": voucher_view(&voucher),
            "voucherPos": positions,
            "filename": Value::Null,
        });
        a.vouchers.push(voucher);
        // Spec: 201 with `saveVoucherResponse` (not wrapped in `objects`).
        created(answer)
    })
}

// ---- check account transactions ------------------------------------------------------------

async fn get_transactions(
    State(sim): State<Arc<SevdeskSim>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    sim.api(&headers, false, |a| {
        let q = Query::parse(raw.as_deref());
        let p = match paging(&q) {
            Ok(p) => p,
            Err(e) => return e.into_response(),
        };
        let account = match q.id("checkAccount[id]") {
            Ok(c) => c,
            Err(e) => return e.into_response(),
        };
        // "Only retrieve transactions with this payment purpose": an exact match.
        let purpose = q.get("paymtPurpose");
        let payee = q.get("payeePayerName");
        let rows: Vec<usize> = (0..a.transactions.len())
            .filter(|&i| {
                let t = &a.transactions[i];
                account.is_none_or(|c| t.check_account == c)
                    && purpose.is_none_or(|p| t.paymt_purpose.as_deref() == Some(p))
                    && payee.is_none_or(|p| t.payee_payer_name == p)
                    && match q.get("onlyCredit") {
                        Some("true" | "1") => t.amount > 0.0,
                        _ => true,
                    }
                    && match q.get("onlyDebit") {
                        Some("true" | "1") => t.amount < 0.0,
                        _ => true,
                    }
            })
            .collect();
        let embed = q.embeds("checkAccount");
        page(&rows, &p, |i| transaction_view(&a.transactions[i], embed))
    })
}

async fn get_transaction(
    State(sim): State<Arc<SevdeskSim>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    sim.api(&headers, false, |a| {
        match Account::index(&id, TRANSACTION_ID_BASE, a.transactions.len()) {
            Some(i) => ok(json!({"objects": [transaction_view(&a.transactions[i], false)]})),
            None => error(
                StatusCode::NOT_FOUND,
                &format!("CheckAccountTransaction with id {id} not found"),
            ),
        }
    })
}

/// `POST /CheckAccountTransaction` with `Model_CheckAccountTransaction`: required
/// `valueDate`, `checkAccount`, `amount`, `status`, `payeePayerName`. Spec: "only status
/// 100 makes sense when creating transactions". Not deduplicated, like the real service.
async fn post_transaction(
    State(sim): State<Arc<SevdeskSim>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    sim.api(&headers, true, |a| {
        let Ok(Value::Object(t)) = serde_json::from_slice::<Value>(&body) else {
            return bad_request("the body must be a JSON object (Model_CheckAccountTransaction)");
        };
        let Some(value_date) = t.get("valueDate").and_then(parse_date) else {
            return bad_request("valueDate is required");
        };
        let entry_date = t
            .get("entryDate")
            .and_then(parse_date)
            .unwrap_or(value_date);
        let Some(account) = t.get("checkAccount").and_then(ref_id) else {
            return bad_request("checkAccount is required");
        };
        if account != CHECK_ACCOUNT_ID {
            return bad_request(&format!("CheckAccount with id {account} not found"));
        }
        let Some(amount) = t.get("amount").and_then(number) else {
            return bad_request("amount must be a number");
        };
        if t.get("status").and_then(number) != Some(100.0) {
            return bad_request("status must be 100");
        }
        let Some(payee) = t
            .get("payeePayerName")
            .and_then(Value::as_str)
            .filter(|p| !p.is_empty())
        else {
            return bad_request("payeePayerName is required");
        };
        let tx = Transaction {
            id: TRANSACTION_ID_BASE + 1 + a.transactions.len() as u64,
            value_date,
            entry_date,
            paymt_purpose: t
                .get("paymtPurpose")
                .and_then(Value::as_str)
                .map(String::from),
            amount: round2(amount),
            payee_payer_name: payee.to_string(),
            check_account: account,
            status: 100,
            create: now(),
        };
        let answer = transaction_view(&tx, false);
        a.transactions.push(tx);
        created(answer)
    })
}

async fn get_check_accounts(State(sim): State<Arc<SevdeskSim>>, headers: HeaderMap) -> Response {
    sim.api(&headers, false, |_| {
        ok(json!({"objects": [check_account_view()]}))
    })
}

// ---- test hooks ----------------------------------------------------------------------------

/// `GET /_sim/vouchers`: every voucher booked through the API, with its positions.
async fn hook_vouchers(State(sim): State<Arc<SevdeskSim>>, RawQuery(raw): RawQuery) -> Response {
    sim.hook(raw.as_deref(), |a| {
        let all: Vec<Value> = a
            .vouchers
            .iter()
            .map(|v| {
                let mut view = voucher_view(v);
                view["positions"] = v.positions.iter().map(|p| voucher_pos_view(v, p)).collect();
                view
            })
            .collect();
        ok(Value::Array(all))
    })
}

/// `GET /_sim/transactions`: every check account transaction booked through the API.
async fn hook_transactions(
    State(sim): State<Arc<SevdeskSim>>,
    RawQuery(raw): RawQuery,
) -> Response {
    sim.hook(raw.as_deref(), |a| {
        ok(Value::Array(
            a.transactions
                .iter()
                .map(|t| transaction_view(t, false))
                .collect(),
        ))
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FailRequest {
    status: u16,
    times: u32,
    #[serde(default)]
    after_write: bool,
}

/// `POST /_sim/fail`: the next `times` API requests answer `status` (429 with
/// `Retry-After: 1`, 500 or 503). With `afterWrite`, only writes fail, and only after
/// they took effect: the answer is lost, not the booking.
async fn hook_fail(
    State(sim): State<Arc<SevdeskSim>>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Response {
    let req: FailRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return bad_request(&e.to_string()),
    };
    let status = match req.status {
        429 => StatusCode::TOO_MANY_REQUESTS,
        500 => StatusCode::INTERNAL_SERVER_ERROR,
        503 => StatusCode::SERVICE_UNAVAILABLE,
        _ => return bad_request("status must be 429, 500 or 503"),
    };
    sim.hook(raw.as_deref(), |a| {
        a.failure = (req.times > 0).then_some(Failure {
            status,
            remaining: req.times,
            after_write: req.after_write,
        });
        ok(json!({"status": req.status, "times": req.times, "afterWrite": req.after_write}))
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StockChange {
    quantity: f64,
}

/// `POST /_sim/parts/{id}/stock` `{"quantity": n}`: sets a part's stock upstream, as a
/// booking in sevdesk would; the part's `update` moves to now.
async fn hook_part_stock(
    State(sim): State<Arc<SevdeskSim>>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Response {
    let change: StockChange = match serde_json::from_slice(&body) {
        Ok(c) => c,
        Err(e) => return bad_request(&e.to_string()),
    };
    if !change.quantity.is_finite() {
        return bad_request("quantity must be a number");
    }
    sim.hook(raw.as_deref(), |a| {
        let Some(i) = a.part_index(&id) else {
            return part_not_found(&id);
        };
        let p = &mut a.parts[i];
        p.stock = change.quantity;
        p.update = now().max(p.update + 1);
        ok(serde_json::to_value(a.part_view(i, false)).expect("serialisable"))
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ContactChange {
    name: Option<String>,
    email: Option<String>,
}

/// `POST /_sim/contacts/{id}` `{"name"?, "email"?}`: edits a contact upstream (its main
/// email communication way for `email`); the contact's `update` moves to now.
async fn hook_contact(
    State(sim): State<Arc<SevdeskSim>>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Response {
    let change: ContactChange = match serde_json::from_slice(&body) {
        Ok(c) => c,
        Err(e) => return bad_request(&e.to_string()),
    };
    sim.hook(raw.as_deref(), |a| {
        let Some(i) = Account::index(&id, CONTACT_ID_BASE, a.contacts.len()) else {
            return error(
                StatusCode::NOT_FOUND,
                &format!("Contact with id {id} not found"),
            );
        };
        if let Some(email) = change.email {
            match a
                .comm_ways
                .iter_mut()
                .find(|w| w.contact == i && w.kind == "EMAIL" && w.main)
            {
                Some(w) => w.value = email,
                None => a.comm_ways.push(CommWay {
                    contact: i,
                    kind: "EMAIL",
                    value: email,
                    main: true,
                }),
            }
        }
        let c = &mut a.contacts[i];
        if let Some(name) = change.name {
            if c.name.is_some() {
                c.name = Some(name);
            } else {
                c.familyname = Some(name);
            }
        }
        c.update = now().max(c.update + 1);
        ok(a.contact_view(i))
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OrderChange {
    status: Option<u32>,
}

/// `POST /_sim/orders/{id}` `{"status"?}`: changes an order upstream; its `update` moves
/// to now.
async fn hook_order(
    State(sim): State<Arc<SevdeskSim>>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Response {
    let change: OrderChange = match serde_json::from_slice(&body) {
        Ok(c) => c,
        Err(e) => return bad_request(&e.to_string()),
    };
    if change
        .status
        .is_some_and(|s| ![100, 200, 300, 500, 750, 1000].contains(&s))
    {
        return bad_request("status must be 100, 200, 300, 500, 750 or 1000");
    }
    sim.hook(raw.as_deref(), |a| {
        let Some(i) = Account::index(&id, ORDER_ID_BASE, a.orders.len()) else {
            return error(
                StatusCode::NOT_FOUND,
                &format!("Order with id {id} not found"),
            );
        };
        let o = &mut a.orders[i];
        if let Some(status) = change.status {
            o.status = status;
        }
        o.update = now().max(o.update + 1);
        ok(a.order_view(i, false))
    })
}

/// `GET /_sim/requests`: the number of API requests served (a bare JSON number),
/// injected failures included.
async fn hook_requests(State(sim): State<Arc<SevdeskSim>>, RawQuery(raw): RawQuery) -> Response {
    sim.hook(raw.as_deref(), |a| ok(json!(a.requests)))
}

async fn fallback(method: Method) -> Response {
    error(
        StatusCode::NOT_FOUND,
        &format!("{method}: no such resource in the sevdesk simulator"),
    )
}

/// The simulator's routes, relative to the vendor origin (`/api/v1/...`) plus `/_sim/...`.
pub fn router(sim: Arc<SevdeskSim>) -> Router {
    const API: &str = "/api/v1";
    Router::new()
        .route(&format!("{API}/Part"), get(get_parts))
        .route(
            &format!("{API}/Part/{{partId}}"),
            get(get_part).put(put_part),
        )
        .route(&format!("{API}/Part/{{partId}}/getStock"), get(get_stock))
        .route(&format!("{API}/Contact"), get(get_contacts))
        .route(&format!("{API}/Contact/{{contactId}}"), get(get_contact))
        .route(&format!("{API}/CommunicationWay"), get(get_comm_ways))
        .route(&format!("{API}/Order"), get(get_orders))
        .route(&format!("{API}/Order/{{orderId}}"), get(get_order))
        .route(
            &format!("{API}/Order/{{orderId}}/getPositions"),
            get(get_order_positions),
        )
        .route(&format!("{API}/OrderPos"), get(get_order_pos))
        .route(&format!("{API}/Voucher"), get(get_vouchers))
        .route(&format!("{API}/Voucher/{{voucherId}}"), get(get_voucher))
        .route(
            &format!("{API}/Voucher/Factory/saveVoucher"),
            post(save_voucher),
        )
        .route(
            &format!("{API}/CheckAccountTransaction"),
            get(get_transactions).post(post_transaction),
        )
        .route(
            &format!("{API}/CheckAccountTransaction/{{transactionId}}"),
            get(get_transaction),
        )
        .route(&format!("{API}/CheckAccount"), get(get_check_accounts))
        .route("/_sim/vouchers", get(hook_vouchers))
        .route("/_sim/transactions", get(hook_transactions))
        .route("/_sim/fail", post(hook_fail))
        .route("/_sim/parts/{partId}/stock", post(hook_part_stock))
        .route("/_sim/contacts/{contactId}", post(hook_contact))
        .route("/_sim/orders/{orderId}", post(hook_order))
        .route("/_sim/requests", get(hook_requests))
        .fallback(fallback)
        .with_state(sim)
}

// ---- time ----------------------------------------------------------------------------------

/// Unix seconds of a civil date; `None` when out of range.
fn unix_date(year: i64, month: u32, day: u32) -> Option<i64> {
    crate::kit::time::unix_date(
        year.try_into().ok()?,
        month.try_into().ok()?,
        day.try_into().ok()?,
    )
}

/// `yyyy-MM-ddTHH:mm:ss+00:00`, the form of sevdesk's `date-time` fields (which carry
/// the account's offset; the simulator's is UTC).
fn format_time(secs: i64) -> String {
    crate::kit::time::utc(secs, crate::kit::time::RFC3339_OFFSET)
}

#[cfg(test)]
mod tests;

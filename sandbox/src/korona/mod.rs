//! Test Mode simulator of the KORONA.cloud API v3 (`https://{n}.koronacloud.com/web/api/v3`).
//!
//! It answers the way `shared/vendor-specs/korona.swagger.json` says the real service
//! answers, for the resources the Korona POS connector uses:
//!
//! * `GET /web/api/v3/accounts/{accountId}/{commodityGroups|products|prices|priceGroups|salesTaxes|sectors|pointsOfSale}`
//!   and `GET …/pointsOfSale/{posId}/receipts[/{receiptId}]`: lists in the spec's
//!   `ResultList…` wrapper (`results`, `currentPage` starting at 1, `pagesTotal`,
//!   `resultsOfPage`, `resultsTotal`, `maxRevision`, `links`), or `204 No Content` when
//!   the (filtered) list or the requested page is empty, as the spec documents.
//!   Query: `page` (1-based), `size`, `revision` (only objects with a revision greater than
//!   it), `sort` (`revision` or `-revision`), `includeDeleted`, `number`.
//! * `POST …/pointsOfSale/{posId}/receipts?couplingId=…`: a batch of `Receipt`s, answered
//!   with one `AddOrUpdateResult` per receipt.
//! * HTTP Basic auth on every API route; errors as the spec's `…ErrorModel`
//!   (`{"code","message"}`); `429` with `DAILY_LIMIT_EXCEEDED` /
//!   `TOO_MANY_PARALLEL_UPDATE_REQUESTS` when a test asks for it.
//!
//! Where the spec is silent the choices are marked "Spec silent" below.
//!
//! Accounts: `demo` (42 products, 5 commodity groups, 8 standalone prices) and `gen-N`
//! (N generated products, 1 ≤ N ≤ 1,000,000, built on first use and cached). All accept
//! [`sandbox_credentials`].
//!
//! Test hooks (not Korona; no auth), under `/_sim/accounts/{accountId}/`:
//! `POST products/{number}` `{"name"?, "price"?}`, `POST fail` `{"status","times","code"?}`,
//! `GET receipts`, `GET requests`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The demo account's id.
pub const DEMO_ACCOUNT: &str = "demo";
/// HTTP Basic credentials accepted for every simulated account.
pub const USERNAME: &str = "beep";
pub const PASSWORD: &str = "sandbox";
/// Every simulated account has one external point of sale, coupled with this id.
pub const POINT_OF_SALE_ID: &str = "00000007-0000-4000-8000-000000000001";
pub const COUPLING_ID: &str = "beep-sandbox";

/// Spec silent: the maximum `size`. We allow up to 1000 objects per page and answer a
/// larger `size` with 400 `INVALID_QUERY_PARAMETER` rather than silently clamping it, so
/// that a client relying on a bigger page notices.
pub const MAX_PAGE_SIZE: usize = 1000;
/// Spec silent: the default `size` when none is given.
pub const DEFAULT_PAGE_SIZE: usize = 10;
/// Spec silent: the largest receipt batch one POST accepts (`BATCH_SIZE_OUT_OF_RANGE` above).
pub const MAX_RECEIPT_BATCH: usize = 100;
/// Largest `gen-N` account served (keeps a typo from allocating gigabytes).
pub const MAX_GENERATED_PRODUCTS: usize = 1_000_000;

/// Every base price entered with a product is valid from this date.
const BASE_VALID_FROM: &str = "2024-01-01T00:00:00Z";

/// Credentials that work against the simulator's demo account. The host adds `baseUrl`.
pub fn sandbox_credentials() -> Value {
    json!({
        "accountId": DEMO_ACCOUNT,
        "username": USERNAME,
        "password": PASSWORD,
        "pointOfSaleId": POINT_OF_SALE_ID,
        "couplingId": COUPLING_ID,
    })
}

// ---- state ----------------------------------------------------------------------------

pub struct KoronaSim {
    state: Mutex<SimState>,
}

#[derive(Default)]
struct SimState {
    accounts: HashMap<String, Account>,
}

/// Objects of one type in revision order, so that `revision=R` plus a page is a binary
/// search and a slice: O(log n + page).
#[derive(Default)]
struct Table {
    /// (revision, row index), ascending by revision; revisions are unique.
    order: Vec<(u64, u32)>,
}

impl Table {
    fn push(&mut self, revision: u64, row: usize) {
        debug_assert!(self.order.last().is_none_or(|(r, _)| *r < revision));
        self.order.push((revision, row as u32));
    }

    /// Moves a row that got a new (highest) revision to the end.
    fn bump(&mut self, old: u64, new: u64) {
        if let Ok(pos) = self.order.binary_search_by_key(&old, |(r, _)| *r) {
            let (_, row) = self.order.remove(pos);
            self.order.push((new, row));
        }
    }

    fn max_revision(&self) -> u64 {
        self.order.last().map_or(0, |(r, _)| *r)
    }
}

struct Named {
    id: String,
    number: String,
    name: String,
    revision: u64,
}

struct SalesTax {
    base: Named,
    /// Percent, e.g. 19.0 (spec silent on the scale: Korona shows rates as percentages).
    rate: f64,
}

struct Sector {
    base: Named,
    sales_tax: usize,
}

struct PriceGroup {
    base: Named,
}

struct CommodityGroup {
    base: Named,
    parent: Option<usize>,
}

struct Product {
    id: String,
    number: String,
    name: String,
    revision: u64,
    group: usize,
    sector: usize,
    codes: Vec<String>,
    /// The base price entered with the product (price group 0, valid from [`BASE_VALID_FROM`]), in cents.
    base_price: i64,
    /// Indices into `Account::prices` for this product.
    prices: Vec<usize>,
    deactivated: bool,
    packaging_unit: &'static str,
}

/// A standalone price object of the `prices` resource.
struct Price {
    id: String,
    number: String,
    revision: u64,
    product: usize,
    price_group: usize,
    value: i64,
    valid_from: String,
}

struct PointOfSale {
    base: Named,
    coupling_id: String,
}

struct StoredReceipt {
    pos: usize,
    number: String,
    revision: u64,
    body: Value,
}

struct Failure {
    status: StatusCode,
    code: Option<String>,
    remaining: u32,
}

struct Account {
    revision: u64,
    sales_taxes: Vec<SalesTax>,
    sectors: Vec<Sector>,
    price_groups: Vec<PriceGroup>,
    groups: Vec<CommodityGroup>,
    products: Vec<Product>,
    prices: Vec<Price>,
    points_of_sale: Vec<PointOfSale>,
    receipts: Vec<StoredReceipt>,
    receipt_by_id: HashMap<String, usize>,
    t_sales_taxes: Table,
    t_sectors: Table,
    t_price_groups: Table,
    t_groups: Table,
    t_products: Table,
    t_prices: Table,
    t_pos: Table,
    t_receipts: Table,
    failure: Option<Failure>,
    requests: u64,
}

/// Deterministic ids in UUID form: the object type in the first group, a counter in the last.
fn uid(tag: u32, n: u64) -> String {
    format!("{tag:08x}-0000-4000-8000-{n:012x}")
}

const TAG_SALES_TAX: u32 = 1;
const TAG_SECTOR: u32 = 2;
const TAG_PRICE_GROUP: u32 = 3;
const TAG_GROUP: u32 = 4;
const TAG_PRODUCT: u32 = 5;
const TAG_PRICE: u32 = 6;
const TAG_POS: u32 = 7;

/// The demo catalogue: (name, commodity group, sector, price in cents, EAN?, unit).
/// Sector 0 = standard rate (19 %), 1 = reduced rate (7 %).
const DEMO_PRODUCTS: [(&str, usize, usize, i64, bool, &str); 42] = [
    ("Still Water 0.5 l", 0, 0, 129, true, "PIECE"),
    ("Sparkling Water 0.5 l", 0, 0, 129, true, "PIECE"),
    ("Cola 0.33 l", 0, 0, 189, true, "PIECE"),
    ("Orange Juice 1 l", 0, 0, 279, true, "PIECE"),
    ("Apple Spritzer 0.5 l", 0, 0, 169, true, "PIECE"),
    ("Iced Tea 0.5 l", 0, 0, 179, true, "PIECE"),
    ("Energy Drink 0.25 l", 0, 0, 219, true, "PIECE"),
    ("Lemonade 0.33 l", 0, 0, 199, true, "PIECE"),
    ("Mate Soda 0.5 l", 0, 0, 229, true, "PIECE"),
    ("Pretzel", 1, 1, 89, true, "PIECE"),
    ("Croissant", 1, 1, 119, true, "PIECE"),
    ("Rye Bread", 1, 1, 449, true, "KILOGRAM"),
    ("Baguette", 1, 1, 159, true, "PIECE"),
    ("Kaiser Roll", 1, 1, 45, true, "PIECE"),
    ("Chocolate Croissant", 1, 1, 149, true, "PIECE"),
    ("Cinnamon Roll", 1, 1, 189, true, "PIECE"),
    ("Apple Turnover", 1, 1, 169, true, "PIECE"),
    ("Whole Grain Roll", 1, 1, 65, true, "PIECE"),
    ("Whole Milk 1 l", 2, 1, 119, true, "PIECE"),
    ("Oat Drink 1 l", 2, 0, 199, true, "PIECE"),
    ("Greek Yogurt 500 g", 2, 1, 229, true, "PIECE"),
    ("Butter 250 g", 2, 1, 239, true, "PIECE"),
    ("Gouda Slices 150 g", 2, 1, 199, true, "PIECE"),
    ("Mozzarella 125 g", 2, 1, 99, true, "PIECE"),
    ("Cream Cheese 200 g", 2, 1, 149, true, "PIECE"),
    ("Skyr 450 g", 2, 1, 179, true, "PIECE"),
    ("Salted Crisps 175 g", 3, 1, 199, true, "PIECE"),
    ("Paprika Crisps 175 g", 3, 1, 199, true, "PIECE"),
    ("Milk Chocolate 100 g", 3, 1, 129, true, "PIECE"),
    ("Gummy Bears 200 g", 3, 1, 119, true, "PIECE"),
    ("Salted Peanuts 200 g", 3, 1, 179, true, "PIECE"),
    ("Cereal Bar", 3, 1, 69, true, "PIECE"),
    ("Pretzel Sticks 250 g", 3, 1, 99, true, "PIECE"),
    ("Dark Chocolate 100 g", 3, 1, 159, true, "PIECE"),
    ("Espresso", 4, 0, 190, false, "PORTION"),
    ("Cappuccino", 4, 0, 320, false, "PORTION"),
    ("Latte Macchiato", 4, 0, 350, false, "PORTION"),
    ("Filter Coffee", 4, 0, 250, false, "PORTION"),
    ("Hot Chocolate", 4, 0, 300, false, "PORTION"),
    ("Chai Latte", 4, 0, 360, false, "PORTION"),
    ("Black Tea", 4, 0, 220, false, "PORTION"),
    ("Green Tea", 4, 0, 220, false, "PORTION"),
];

/// The demo account's 8 standalone price objects: (product, price group, cents, valid from).
/// Staff prices for the hot drinks, two price changes already in effect and one scheduled
/// change far in the future (so that the demo never changes meaning).
const DEMO_PRICES: [(usize, usize, i64, &str); 8] = [
    (34, 1, 150, "2024-01-01T00:00:00Z"),
    (35, 1, 250, "2024-01-01T00:00:00Z"),
    (36, 1, 280, "2024-01-01T00:00:00Z"),
    (37, 1, 180, "2024-01-01T00:00:00Z"),
    (38, 1, 230, "2024-01-01T00:00:00Z"),
    (2, 0, 199, "2025-01-01T00:00:00Z"),
    (9, 0, 95, "2025-07-01T00:00:00Z"),
    (10, 0, 129, "2099-01-01T00:00:00Z"),
];

/// EAN-13 with its check digit from 12 digits.
fn ean13(first12: u64) -> String {
    let digits = format!("{first12:012}");
    let sum: u32 = digits
        .bytes()
        .enumerate()
        .map(|(i, b)| (b - b'0') as u32 * if i % 2 == 0 { 1 } else { 3 })
        .sum();
    format!("{digits}{}", (10 - sum % 10) % 10)
}

impl Account {
    fn next_revision(&mut self) -> u64 {
        self.revision += 1;
        self.revision
    }

    fn named(&mut self, tag: u32, n: u64, number: &str, name: &str) -> Named {
        Named {
            id: uid(tag, n),
            number: number.to_string(),
            name: name.to_string(),
            revision: self.next_revision(),
        }
    }

    /// Master data every simulated account shares: taxes, sectors, price groups,
    /// commodity groups and the point of sale.
    fn base() -> Account {
        let mut a = Account {
            revision: 0,
            sales_taxes: vec![],
            sectors: vec![],
            price_groups: vec![],
            groups: vec![],
            products: vec![],
            prices: vec![],
            points_of_sale: vec![],
            receipts: vec![],
            receipt_by_id: HashMap::new(),
            t_sales_taxes: Table::default(),
            t_sectors: Table::default(),
            t_price_groups: Table::default(),
            t_groups: Table::default(),
            t_products: Table::default(),
            t_prices: Table::default(),
            t_pos: Table::default(),
            t_receipts: Table::default(),
            failure: None,
            requests: 0,
        };
        for (i, (name, rate)) in [("VAT 19%", 19.0), ("VAT 7%", 7.0)].into_iter().enumerate() {
            let base = a.named(TAG_SALES_TAX, i as u64 + 1, &(i + 1).to_string(), name);
            a.t_sales_taxes.push(base.revision, i);
            a.sales_taxes.push(SalesTax { base, rate });
        }
        for (i, name) in ["Standard rate", "Reduced rate"].into_iter().enumerate() {
            let base = a.named(TAG_SECTOR, i as u64 + 1, &(i + 1).to_string(), name);
            a.t_sectors.push(base.revision, i);
            a.sectors.push(Sector { base, sales_tax: i });
        }
        for (i, name) in ["Standard", "Staff"].into_iter().enumerate() {
            let base = a.named(TAG_PRICE_GROUP, i as u64 + 1, &(i + 1).to_string(), name);
            a.t_price_groups.push(base.revision, i);
            a.price_groups.push(PriceGroup { base });
        }
        let groups = [
            ("Beverages", None),
            ("Bakery", None),
            ("Dairy", None),
            ("Snacks", None),
            ("Hot Drinks", Some(0)),
        ];
        for (i, (name, parent)) in groups.into_iter().enumerate() {
            let base = a.named(TAG_GROUP, i as u64 + 1, &(i + 1).to_string(), name);
            a.t_groups.push(base.revision, i);
            a.groups.push(CommodityGroup { base, parent });
        }
        let base = a.named(TAG_POS, 1, "1", "BEEP! Scan & Go");
        a.t_pos.push(base.revision, 0);
        a.points_of_sale.push(PointOfSale {
            base,
            coupling_id: COUPLING_ID.to_string(),
        });
        a
    }

    fn push_product(&mut self, mut p: Product) {
        p.revision = self.next_revision();
        self.t_products.push(p.revision, self.products.len());
        self.products.push(p);
    }

    fn push_price(&mut self, product: usize, price_group: usize, value: i64, valid_from: &str) {
        let idx = self.prices.len();
        let revision = self.next_revision();
        self.prices.push(Price {
            id: uid(TAG_PRICE, idx as u64 + 1),
            number: (idx + 1).to_string(),
            revision,
            product,
            price_group,
            value,
            valid_from: valid_from.to_string(),
        });
        self.t_prices.push(revision, idx);
        self.products[product].prices.push(idx);
    }

    fn demo() -> Account {
        let mut a = Account::base();
        for (i, (name, group, sector, cents, ean, unit)) in DEMO_PRODUCTS.into_iter().enumerate() {
            a.push_product(Product {
                id: uid(TAG_PRODUCT, i as u64 + 1),
                number: (1001 + i).to_string(),
                name: name.to_string(),
                revision: 0,
                group,
                sector,
                codes: if ean {
                    vec![ean13(400_638_100_000 + i as u64 + 1)]
                } else {
                    vec![]
                },
                base_price: cents,
                prices: vec![],
                deactivated: false,
                packaging_unit: unit,
            });
        }
        for (product, group, cents, valid_from) in DEMO_PRICES {
            a.push_price(product, group, cents, valid_from);
        }
        a
    }

    /// `n` generated products over the five commodity groups, no standalone prices.
    fn generated(n: usize) -> Account {
        let mut a = Account::base();
        a.products.reserve_exact(n);
        a.t_products.order.reserve_exact(n);
        for i in 0..n {
            a.push_product(Product {
                id: uid(TAG_PRODUCT, i as u64 + 1),
                number: (i + 1).to_string(),
                name: format!("Generated product {}", i + 1),
                revision: 0,
                group: i % 5,
                sector: usize::from(i % 5 == 1 || i % 5 == 2),
                codes: vec![ean13(200_000_000_000 + i as u64 + 1)],
                base_price: 49 + (i as i64 * 37) % 2000,
                prices: vec![],
                deactivated: false,
                packaging_unit: "PIECE",
            });
        }
        a
    }

    /// Builds the account a name stands for, if it stands for one.
    fn create(name: &str) -> Option<Account> {
        if name == DEMO_ACCOUNT {
            return Some(Account::demo());
        }
        let n: usize = name.strip_prefix("gen-")?.parse().ok()?;
        (1..=MAX_GENERATED_PRODUCTS)
            .contains(&n)
            .then(|| Account::generated(n))
    }

    /// Index of a product by its id (ours are `uid(TAG_PRODUCT, index + 1)`) or number.
    fn find_product(&self, id: Option<&str>, number: Option<&str>) -> Option<usize> {
        if let Some(id) = id {
            let id = id.to_ascii_lowercase();
            let n = u64::from_str_radix(id.rsplit('-').next()?, 16).ok()?;
            let idx = usize::try_from(n).ok()?.checked_sub(1)?;
            return self.products.get(idx).filter(|p| p.id == id).map(|_| idx);
        }
        let number = number?;
        self.products.iter().position(|p| p.number == number)
    }
}

impl KoronaSim {
    pub fn new() -> Arc<KoronaSim> {
        let mut state = SimState::default();
        state
            .accounts
            .insert(DEMO_ACCOUNT.to_string(), Account::demo());
        Arc::new(KoronaSim {
            state: Mutex::new(state),
        })
    }

    fn lock(&self) -> MutexGuard<'_, SimState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The common prologue of every API request: count it, inject a requested failure,
    /// check HTTP Basic auth, resolve the account (creating a `gen-N` one on first use).
    fn api(
        &self,
        account_id: &str,
        headers: &HeaderMap,
        f: impl FnOnce(&mut Account) -> Response,
    ) -> Response {
        let mut state = self.lock();
        if let Some(account) = state.accounts.get_mut(account_id) {
            account.requests += 1;
            if let Some(resp) = take_failure(account) {
                return resp;
            }
        }
        if !authorized(headers) {
            return unauthorized();
        }
        if !state.accounts.contains_key(account_id) {
            let Some(mut account) = Account::create(account_id) else {
                return not_found(
                    "ACCOUNT_NOT_FOUND",
                    &format!("account {account_id} not found"),
                );
            };
            account.requests = 1;
            state.accounts.insert(account_id.to_string(), account);
        }
        f(state.accounts.get_mut(account_id).expect("account present"))
    }

    /// Test hooks: resolve (or create) the account, no auth, not counted.
    fn hook(&self, account_id: &str, f: impl FnOnce(&mut Account) -> Response) -> Response {
        let mut state = self.lock();
        if !state.accounts.contains_key(account_id) {
            let Some(account) = Account::create(account_id) else {
                return not_found(
                    "ACCOUNT_NOT_FOUND",
                    &format!("account {account_id} not found"),
                );
            };
            state.accounts.insert(account_id.to_string(), account);
        }
        f(state.accounts.get_mut(account_id).expect("account present"))
    }
}

fn take_failure(account: &mut Account) -> Option<Response> {
    let failure = account.failure.as_mut()?;
    failure.remaining -= 1;
    let status = failure.status;
    let code = failure.code.clone();
    if failure.remaining == 0 {
        account.failure = None;
    }
    Some(match status {
        StatusCode::TOO_MANY_REQUESTS => {
            let code = code.unwrap_or_else(|| "TOO_MANY_PARALLEL_UPDATE_REQUESTS".into());
            let message = if code == "DAILY_LIMIT_EXCEEDED" {
                "daily request limit exceeded"
            } else {
                "too many parallel update requests"
            };
            let mut resp = error(status, Some(&code), message);
            // Spec silent on Retry-After; the simulator always says one second.
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            resp
        }
        StatusCode::UNAUTHORIZED => unauthorized(),
        // The spec documents no body for 5xx; we send a message so logs say what happened.
        _ => error(status, code.as_deref(), "simulated server error"),
    })
}

fn authorized(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let Some(token) = value
        .strip_prefix("Basic ")
        .or_else(|| value.strip_prefix("basic "))
    else {
        return false;
    };
    let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(token.trim()) else {
        return false;
    };
    decoded == format!("{USERNAME}:{PASSWORD}").as_bytes()
}

// ---- answers ---------------------------------------------------------------------------

/// The spec's error models are all `{"message","code"}`.
fn error(status: StatusCode, code: Option<&str>, message: &str) -> Response {
    let body = match code {
        Some(code) => json!({ "code": code, "message": message }),
        None => json!({ "message": message }),
    };
    (status, axum::Json(body)).into_response()
}

/// Spec: 401 "Missing or invalid http-authentication" carries no documented body. We add
/// the usual `WWW-Authenticate` challenge and a message-only body.
fn unauthorized() -> Response {
    let mut resp = error(
        StatusCode::UNAUTHORIZED,
        None,
        "missing or invalid http-authentication",
    );
    resp.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic realm=\"KORONA.cloud\""),
    );
    resp
}

fn bad_request(code: &str, message: &str) -> Response {
    error(StatusCode::BAD_REQUEST, Some(code), message)
}

/// A Korona error answer, small enough to travel in a `Result`.
struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        error(self.status, Some(self.code), &self.message)
    }
}

fn not_found(code: &str, message: &str) -> Response {
    error(StatusCode::NOT_FOUND, Some(code), message)
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

fn cents(v: i64) -> f64 {
    v as f64 / 100.0
}

#[derive(Serialize)]
struct Ref<'a> {
    id: &'a str,
    number: &'a str,
    name: &'a str,
}

impl<'a> From<&'a Named> for Ref<'a> {
    fn from(n: &'a Named) -> Self {
        Ref {
            id: &n.id,
            number: &n.number,
            name: &n.name,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SalesTaxView<'a> {
    active: bool,
    id: &'a str,
    revision: u64,
    number: &'a str,
    name: &'a str,
    included: bool,
    rates: [RateView; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RateView {
    rate: f64,
    valid_from: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SectorView<'a> {
    active: bool,
    id: &'a str,
    revision: u64,
    number: &'a str,
    name: &'a str,
    sales_taxes: [SectorTaxView<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SectorTaxView<'a> {
    index: u32,
    sales_tax: Ref<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PriceGroupView<'a> {
    active: bool,
    id: &'a str,
    revision: u64,
    number: &'a str,
    name: &'a str,
    currency: CurrencyRef,
    net_prices: bool,
}

#[derive(Serialize)]
struct CurrencyRef {
    id: &'static str,
    number: &'static str,
    name: &'static str,
}

const EUR: CurrencyRef = CurrencyRef {
    id: "00000008-0000-4000-8000-000000000001",
    number: "1",
    name: "Euro",
};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct GroupView<'a> {
    active: bool,
    id: &'a str,
    revision: u64,
    number: &'a str,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    parent_commodity_group: Option<Ref<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CodeView<'a> {
    product_code: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ProductPriceView<'a> {
    value: f64,
    valid_from: &'a str,
    price_group: Ref<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ProductView<'a> {
    active: bool,
    id: &'a str,
    revision: u64,
    number: &'a str,
    name: &'a str,
    commodity_group: Ref<'a>,
    sector: Ref<'a>,
    codes: Vec<CodeView<'a>>,
    prices: Vec<ProductPriceView<'a>>,
    deactivated: bool,
    discountable: bool,
    price_changable: bool,
    track_inventory: bool,
    packaging_unit: &'a str,
    listed: bool,
    listed_since: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PriceView<'a> {
    active: bool,
    id: &'a str,
    revision: u64,
    number: &'a str,
    value: f64,
    valid_from: &'a str,
    price_group: Ref<'a>,
    product: Ref<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PosView<'a> {
    active: bool,
    id: &'a str,
    revision: u64,
    number: &'a str,
    name: &'a str,
    external: bool,
}

impl Account {
    fn product_view<'a>(&'a self, p: &'a Product) -> ProductView<'a> {
        let standard = &self.price_groups[0].base;
        let mut prices = Vec::with_capacity(1 + p.prices.len());
        prices.push(ProductPriceView {
            value: cents(p.base_price),
            valid_from: BASE_VALID_FROM,
            price_group: standard.into(),
        });
        for &i in &p.prices {
            let price = &self.prices[i];
            prices.push(ProductPriceView {
                value: cents(price.value),
                valid_from: &price.valid_from,
                price_group: (&self.price_groups[price.price_group].base).into(),
            });
        }
        ProductView {
            active: true,
            id: &p.id,
            revision: p.revision,
            number: &p.number,
            name: &p.name,
            commodity_group: (&self.groups[p.group].base).into(),
            sector: (&self.sectors[p.sector].base).into(),
            codes: p
                .codes
                .iter()
                .map(|c| CodeView { product_code: c })
                .collect(),
            prices,
            deactivated: p.deactivated,
            discountable: true,
            price_changable: false,
            track_inventory: true,
            packaging_unit: p.packaging_unit,
            listed: true,
            listed_since: BASE_VALID_FROM,
        }
    }

    fn price_view<'a>(&'a self, price: &'a Price) -> PriceView<'a> {
        let product = &self.products[price.product];
        PriceView {
            active: true,
            id: &price.id,
            revision: price.revision,
            number: &price.number,
            value: cents(price.value),
            valid_from: &price.valid_from,
            price_group: (&self.price_groups[price.price_group].base).into(),
            product: Ref {
                id: &product.id,
                number: &product.number,
                name: &product.name,
            },
        }
    }
}

// ---- lists -------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Resource {
    SalesTaxes,
    Sectors,
    PriceGroups,
    CommodityGroups,
    Products,
    Prices,
    PointsOfSale,
}

impl Resource {
    fn from_path(s: &str) -> Option<Resource> {
        Some(match s {
            "salesTaxes" => Resource::SalesTaxes,
            "sectors" => Resource::Sectors,
            "priceGroups" => Resource::PriceGroups,
            "commodityGroups" => Resource::CommodityGroups,
            "products" => Resource::Products,
            "prices" => Resource::Prices,
            "pointsOfSale" => Resource::PointsOfSale,
            _ => return None,
        })
    }
}

#[derive(Debug)]
struct ListQuery {
    page: usize,
    size: usize,
    revision: u64,
    descending: bool,
    number: Option<String>,
    pairs: Vec<(String, String)>,
}

/// Parses the spec's common list parameters. Spec silent on validation: malformed or
/// out-of-range values are 400 `INVALID_QUERY_PARAMETER`; filters the simulator does not
/// implement are refused the same way instead of being silently ignored.
fn parse_list_query(raw: Option<&str>) -> Result<ListQuery, ApiError> {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(raw.unwrap_or("").as_bytes())
        .into_owned()
        .collect();
    let mut q = ListQuery {
        page: 1,
        size: DEFAULT_PAGE_SIZE,
        revision: 0,
        descending: false,
        number: None,
        pairs: pairs.clone(),
    };
    let invalid = |name: &str, why: &str| ApiError {
        status: StatusCode::BAD_REQUEST,
        code: "INVALID_QUERY_PARAMETER",
        message: format!("query parameter {name}: {why}"),
    };
    for (k, v) in pairs {
        match k.as_str() {
            "page" => {
                q.page = v
                    .parse()
                    .ok()
                    .filter(|p| *p >= 1)
                    .ok_or_else(|| invalid("page", "must be an integer >= 1"))?
            }
            "size" => {
                q.size = v
                    .parse()
                    .ok()
                    .filter(|s| (1..=MAX_PAGE_SIZE).contains(s))
                    .ok_or_else(|| {
                        invalid(
                            "size",
                            &format!("must be an integer from 1 to {MAX_PAGE_SIZE}"),
                        )
                    })?
            }
            "revision" => {
                q.revision = v
                    .parse::<i64>()
                    .map_err(|_| invalid("revision", "must be an integer"))?
                    .max(0) as u64
            }
            "sort" => match v.as_str() {
                "revision" | "+revision" => q.descending = false,
                "-revision" => q.descending = true,
                _ => return Err(invalid("sort", "the simulator sorts by revision only")),
            },
            // Nothing is ever deleted in the simulator: both values list the same objects.
            "includeDeleted" if v != "true" && v != "false" => {
                return Err(invalid("includeDeleted", "must be true or false"));
            }
            "number" => q.number = Some(v),
            "productCodes" | "commodityGroup" | "assortment" | "tag" | "name" => {
                return Err(invalid(&k, "filter not supported by the simulator"));
            }
            // Anything else is ignored, as a lenient server would.
            _ => {}
        }
    }
    Ok(q)
}

/// The rows of a page, in order, plus the total count matching the query.
fn select(
    order: &[(u64, u32)],
    q: &ListQuery,
    matches: impl Fn(usize) -> bool,
    filtered: bool,
) -> (Vec<usize>, usize) {
    // Objects with a revision greater than `revision`, in revision order.
    let start = order.partition_point(|(r, _)| *r <= q.revision);
    let tail = &order[start..];
    let offset = (q.page - 1).saturating_mul(q.size);
    if !filtered {
        let total = tail.len();
        let rows: Vec<usize> = if q.descending {
            tail.iter()
                .rev()
                .skip(offset)
                .take(q.size)
                .map(|(_, i)| *i as usize)
                .collect()
        } else {
            tail.iter()
                .skip(offset)
                .take(q.size)
                .map(|(_, i)| *i as usize)
                .collect()
        };
        // `skip` on a slice iterator is O(1): the page costs O(size).
        return (rows, total);
    }
    let mut all: Vec<usize> = tail
        .iter()
        .map(|(_, i)| *i as usize)
        .filter(|i| matches(*i))
        .collect();
    if q.descending {
        all.reverse();
    }
    let total = all.len();
    (all.into_iter().skip(offset).take(q.size).collect(), total)
}

/// The spec's `ResultList…` wrapper; 204 when nothing is on the page.
fn result_list(
    q: &ListQuery,
    total: usize,
    max_revision: u64,
    results: Vec<u8>,
    count: usize,
    self_url: &str,
) -> Response {
    if count == 0 {
        return StatusCode::NO_CONTENT.into_response();
    }
    let pages_total = total.div_ceil(q.size);
    let link = |page: usize| {
        let mut ser = form_urlencoded::Serializer::new(String::new());
        let mut has_page = false;
        for (k, v) in &q.pairs {
            if k == "page" {
                ser.append_pair(k, &page.to_string());
                has_page = true;
            } else {
                ser.append_pair(k, v);
            }
        }
        if !has_page {
            ser.append_pair("page", &page.to_string());
        }
        format!("{self_url}?{}", ser.finish())
    };
    let mut links = serde_json::Map::new();
    if q.page > 1 {
        links.insert("previous".into(), Value::String(link(q.page - 1)));
    }
    links.insert("self".into(), Value::String(link(q.page)));
    if q.page < pages_total {
        links.insert("next".into(), Value::String(link(q.page + 1)));
    }
    // Written by hand around the already-serialised results, so a page is serialised once.
    let head = json!({
        "currentPage": q.page,
        "pagesTotal": pages_total,
        "resultsOfPage": count,
        "resultsTotal": total,
        "maxRevision": max_revision,
        "links": links,
    });
    let mut body = serde_json::to_vec(&head).expect("serialisable");
    body.pop(); // the closing brace
    body.extend_from_slice(b",\"results\":");
    body.extend_from_slice(&results);
    body.push(b'}');
    json_bytes(StatusCode::OK, body)
}

/// The absolute URL of the request without its query, for `links` and `href`s.
fn request_url(headers: &HeaderMap, uri: &axum::http::Uri) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    format!("http://{host}{}", uri.path())
}

fn serialize_rows<T: Serialize>(rows: impl Iterator<Item = T>) -> Vec<u8> {
    let items: Vec<T> = rows.collect();
    serde_json::to_vec(&items).expect("serialisable")
}

fn list(account: &Account, resource: Resource, q: &ListQuery, url: &str) -> Response {
    let number = q.number.as_deref();
    let filtered = number.is_some();
    macro_rules! page {
        ($table:expr, $rows:expr, |$x:ident| $num:expr, |$y:ident| $view:expr) => {{
            let rows = &$rows;
            let (idx, total) = select(
                &$table.order,
                q,
                |i| {
                    let $x = &rows[i];
                    Some($num) == number
                },
                filtered,
            );
            let body = serialize_rows(idx.iter().map(|&i| {
                let $y = &rows[i];
                $view
            }));
            result_list(q, total, $table.max_revision(), body, idx.len(), url)
        }};
    }
    match resource {
        Resource::SalesTaxes => page!(
            account.t_sales_taxes,
            account.sales_taxes,
            |t| t.base.number.as_str(),
            |t| SalesTaxView {
                active: true,
                id: &t.base.id,
                revision: t.base.revision,
                number: &t.base.number,
                name: &t.base.name,
                included: true,
                rates: [RateView {
                    rate: t.rate,
                    valid_from: BASE_VALID_FROM,
                }],
            }
        ),
        Resource::Sectors => page!(
            account.t_sectors,
            account.sectors,
            |s| s.base.number.as_str(),
            |s| SectorView {
                active: true,
                id: &s.base.id,
                revision: s.base.revision,
                number: &s.base.number,
                name: &s.base.name,
                sales_taxes: [SectorTaxView {
                    index: 0,
                    sales_tax: (&account.sales_taxes[s.sales_tax].base).into(),
                }],
            }
        ),
        Resource::PriceGroups => page!(
            account.t_price_groups,
            account.price_groups,
            |g| g.base.number.as_str(),
            |g| PriceGroupView {
                active: true,
                id: &g.base.id,
                revision: g.base.revision,
                number: &g.base.number,
                name: &g.base.name,
                currency: EUR,
                net_prices: false,
            }
        ),
        Resource::CommodityGroups => page!(
            account.t_groups,
            account.groups,
            |g| g.base.number.as_str(),
            |g| GroupView {
                active: true,
                id: &g.base.id,
                revision: g.base.revision,
                number: &g.base.number,
                name: &g.base.name,
                parent_commodity_group: g.parent.map(|p| (&account.groups[p].base).into()),
            }
        ),
        Resource::Products => page!(
            account.t_products,
            account.products,
            |p| p.number.as_str(),
            |p| account.product_view(p)
        ),
        Resource::Prices => page!(
            account.t_prices,
            account.prices,
            |p| p.number.as_str(),
            |p| account.price_view(p)
        ),
        Resource::PointsOfSale => page!(
            account.t_pos,
            account.points_of_sale,
            |p| p.base.number.as_str(),
            |p| PosView {
                active: true,
                id: &p.base.id,
                revision: p.base.revision,
                number: &p.base.number,
                name: &p.base.name,
                external: true,
            }
        ),
    }
}

async fn get_list(
    State(sim): State<Arc<KoronaSim>>,
    Path((account_id, resource)): Path<(String, String)>,
    headers: HeaderMap,
    OriginalUri(uri): OriginalUri,
    RawQuery(raw): RawQuery,
) -> Response {
    sim.api(&account_id, &headers, |account| {
        let Some(resource) = Resource::from_path(&resource) else {
            return not_found(
                "MODEL_ID_NOT_FOUND",
                &format!("unknown resource {resource}"),
            );
        };
        match parse_list_query(raw.as_deref()) {
            Ok(q) => list(account, resource, &q, &request_url(&headers, &uri)),
            Err(e) => e.into_response(),
        }
    })
}

// ---- receipts ----------------------------------------------------------------------------

/// `AddOrUpdateResult` of the spec.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
struct AddOrUpdateResult {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    revision: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    href: Option<String>,
    status: String,
    action: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
}

fn item_error(
    id: Option<String>,
    number: Option<String>,
    code: &str,
    message: &str,
) -> AddOrUpdateResult {
    AddOrUpdateResult {
        id,
        number,
        revision: None,
        href: None,
        status: "ERROR".into(),
        action: "NONE".into(),
        message: Some(format!("{code}: {message}")),
    }
}

fn find_pos(account: &Account, pos_id: &str) -> Result<usize, ApiError> {
    let Ok(uuid) = uuid::Uuid::parse_str(pos_id) else {
        return Err(ApiError {
            status: StatusCode::BAD_REQUEST,
            code: "MALFORMED_MODEL_ID_OR_NUMBER",
            message: format!("{pos_id} is not a valid id"),
        });
    };
    let id = uuid.hyphenated().to_string();
    account
        .points_of_sale
        .iter()
        .position(|p| p.base.id == id)
        .ok_or_else(|| ApiError {
            status: StatusCode::NOT_FOUND,
            code: "MODEL_ID_NOT_FOUND",
            message: format!("point of sale {pos_id} not found"),
        })
}

fn reference(v: &Value) -> (Option<&str>, Option<&str>) {
    (
        v.get("id").and_then(Value::as_str),
        v.get("number").and_then(Value::as_str),
    )
}

/// Adds one receipt of a batch. Duplicate behaviour (spec silent): a receipt whose `id`
/// already exists is not stored again and is answered `status: OK, action: NONE` with the
/// existing object's id, number and revision (an idempotent skip, so a resend is safe); a
/// new id with a receipt `number` already used on that point of sale is a per-item
/// `ERROR` `NUMBER_ALREADY_IN_USE`.
fn add_receipt(
    account: &mut Account,
    pos: usize,
    receipt: Value,
    href_base: &str,
) -> AddOrUpdateResult {
    let Value::Object(mut obj) = receipt else {
        return item_error(
            None,
            None,
            "SUBMITTED_DATA_NOT_WELLFORMED",
            "a receipt must be an object",
        );
    };
    let number = obj
        .get("number")
        .and_then(Value::as_str)
        .map(str::to_string);
    let id = match obj.get("id") {
        None | Some(Value::Null) => uuid::Uuid::new_v4().hyphenated().to_string(),
        Some(Value::String(s)) => match uuid::Uuid::parse_str(s) {
            Ok(u) => u.hyphenated().to_string(),
            Err(_) => {
                return item_error(
                    Some(s.clone()),
                    number,
                    "MALFORMED_MODEL_ID_OR_NUMBER",
                    "id must be a uuid",
                );
            }
        },
        Some(_) => {
            return item_error(
                None,
                number,
                "INVALID_MODEL_PROPERTY",
                "id must be a string",
            );
        }
    };
    let href = format!("{href_base}/{id}");
    if let Some(&existing) = account.receipt_by_id.get(&id) {
        let r = &account.receipts[existing];
        return AddOrUpdateResult {
            id: Some(id),
            number: Some(r.number.clone()),
            revision: Some(r.revision),
            href: Some(href),
            status: "OK".into(),
            action: "NONE".into(),
            message: None,
        };
    }
    let number = match number {
        Some(n) => n,
        // Spec silent: a receipt without a number gets the point of sale's next one.
        None => (account.receipts.iter().filter(|r| r.pos == pos).count() + 1).to_string(),
    };
    if account
        .receipts
        .iter()
        .any(|r| r.pos == pos && r.number == number)
    {
        return item_error(
            Some(id),
            Some(number.clone()),
            "NUMBER_ALREADY_IN_USE",
            &format!("receipt number {number} already in use on this point of sale"),
        );
    }
    // Items must be a list, and every referenced product must exist.
    match obj.get("items") {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => {
            for item in items {
                if !item.is_object() {
                    return item_error(
                        Some(id),
                        Some(number),
                        "INVALID_MODEL_PROPERTY",
                        "items must be objects",
                    );
                }
                if let Some(product) = item.get("product").filter(|p| !p.is_null()) {
                    let (pid, pnumber) = reference(product);
                    if (pid.is_some() || pnumber.is_some())
                        && account.find_product(pid, pnumber).is_none()
                    {
                        return item_error(
                            Some(id),
                            Some(number),
                            "UNRESOLVED_RELATION",
                            &format!("product {} not found", pid.or(pnumber).unwrap_or_default()),
                        );
                    }
                }
            }
        }
        Some(_) => {
            return item_error(
                Some(id),
                Some(number),
                "INVALID_MODEL_PROPERTY",
                "items must be an array",
            );
        }
    }
    let revision = account.next_revision();
    let p = &account.points_of_sale[pos].base;
    obj.insert("id".into(), Value::String(id.clone()));
    obj.insert("number".into(), Value::String(number.clone()));
    obj.insert("revision".into(), json!(revision));
    obj.insert("active".into(), Value::Bool(true));
    obj.insert(
        "pointOfSale".into(),
        json!({"id": p.id, "number": p.number, "name": p.name}),
    );
    let idx = account.receipts.len();
    account.receipts.push(StoredReceipt {
        pos,
        number: number.clone(),
        revision,
        body: Value::Object(obj),
    });
    account.receipt_by_id.insert(id.clone(), idx);
    account.t_receipts.push(revision, idx);
    AddOrUpdateResult {
        id: Some(id),
        number: Some(number),
        revision: Some(revision),
        href: Some(href),
        status: "OK".into(),
        action: "ADDED".into(),
        message: None,
    }
}

async fn post_receipts(
    State(sim): State<Arc<KoronaSim>>,
    Path((account_id, pos_id)): Path<(String, String)>,
    headers: HeaderMap,
    OriginalUri(uri): OriginalUri,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Response {
    sim.api(&account_id, &headers, |account| {
        let pos = match find_pos(account, &pos_id) {
            Ok(p) => p,
            Err(e) => return e.into_response(),
        };
        let coupling = form_urlencoded::parse(raw.as_deref().unwrap_or("").as_bytes())
            .find(|(k, _)| k == "couplingId")
            .map(|(_, v)| v.into_owned());
        // The spec marks couplingId as required on this operation.
        let Some(coupling) = coupling else {
            return bad_request(
                "MISSING_QUERY_PARAMETER",
                "query parameter couplingId is required",
            );
        };
        if coupling != account.points_of_sale[pos].coupling_id {
            return error(
                StatusCode::FORBIDDEN,
                Some("POINT_OF_SALE_COUPLED_WITH_OTHER_DEVICE"),
                "point of sale is coupled with another device",
            );
        }
        let Ok(Value::Array(receipts)) = serde_json::from_slice::<Value>(&body) else {
            return bad_request(
                "SUBMITTED_DATA_NOT_WELLFORMED",
                "the body must be a JSON array of receipts",
            );
        };
        if receipts.is_empty() || receipts.len() > MAX_RECEIPT_BATCH {
            return bad_request(
                "BATCH_SIZE_OUT_OF_RANGE",
                &format!("a batch holds 1 to {MAX_RECEIPT_BATCH} receipts"),
            );
        }
        let href_base = request_url(&headers, &uri);
        let results: Vec<AddOrUpdateResult> = receipts
            .into_iter()
            .map(|r| add_receipt(account, pos, r, &href_base))
            .collect();
        (StatusCode::OK, axum::Json(results)).into_response()
    })
}

async fn get_receipts(
    State(sim): State<Arc<KoronaSim>>,
    Path((account_id, pos_id)): Path<(String, String)>,
    headers: HeaderMap,
    OriginalUri(uri): OriginalUri,
    RawQuery(raw): RawQuery,
) -> Response {
    sim.api(&account_id, &headers, |account| {
        let pos = match find_pos(account, &pos_id) {
            Ok(p) => p,
            Err(e) => return e.into_response(),
        };
        let q = match parse_list_query(raw.as_deref()) {
            Ok(q) => q,
            Err(e) => return e.into_response(),
        };
        let receipts = &account.receipts;
        let number = q.number.as_deref();
        let (idx, total) = select(
            &account.t_receipts.order,
            &q,
            |i| receipts[i].pos == pos && number.is_none_or(|n| receipts[i].number == n),
            true,
        );
        let body = serialize_rows(idx.iter().map(|&i| &receipts[i].body));
        let url = request_url(&headers, &uri);
        result_list(
            &q,
            total,
            account.t_receipts.max_revision(),
            body,
            idx.len(),
            &url,
        )
    })
}

async fn get_receipt(
    State(sim): State<Arc<KoronaSim>>,
    Path((account_id, pos_id, receipt_id)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Response {
    sim.api(&account_id, &headers, |account| {
        let pos = match find_pos(account, &pos_id) {
            Ok(p) => p,
            Err(e) => return e.into_response(),
        };
        let id = receipt_id.to_ascii_lowercase();
        match account
            .receipt_by_id
            .get(&id)
            .map(|&i| &account.receipts[i])
        {
            Some(r) if r.pos == pos => (StatusCode::OK, axum::Json(r.body.clone())).into_response(),
            _ => not_found(
                "MODEL_ID_NOT_FOUND",
                &format!("receipt {receipt_id} not found"),
            ),
        }
    })
}

// ---- test hooks ---------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProductChange {
    name: Option<String>,
    price: Option<f64>,
}

/// `POST /_sim/accounts/{accountId}/products/{number}`: renames and/or reprices a product.
/// The product gets a new revision; a changed price also becomes a new standalone price
/// object (standard price group, valid from now) with its own revision, as a price change
/// entered in the back office would.
async fn hook_change_product(
    State(sim): State<Arc<KoronaSim>>,
    Path((account_id, number)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let change: ProductChange = match serde_json::from_slice(&body) {
        Ok(c) => c,
        Err(e) => return bad_request("SUBMITTED_DATA_NOT_WELLFORMED", &e.to_string()),
    };
    sim.hook(&account_id, |account| {
        let Some(idx) = account.find_product(None, Some(&number)) else {
            return not_found("NUMBER_NOT_FOUND", &format!("product {number} not found"));
        };
        let mut price_revision = None;
        if let Some(price) = change.price {
            if !price.is_finite() {
                return bad_request("INVALID_MODEL_PROPERTY", "price must be a number");
            }
            let new_cents = (price * 100.0).round() as i64;
            if new_cents != current_price(account, idx) {
                account.push_price(idx, 0, new_cents, &format_rfc3339(SystemTime::now()));
                price_revision = Some(account.revision);
            }
        }
        if let Some(name) = change.name {
            account.products[idx].name = name;
        }
        let old = account.products[idx].revision;
        let new = account.next_revision();
        account.products[idx].revision = new;
        account.t_products.bump(old, new);
        let p = &account.products[idx];
        (
            StatusCode::OK,
            axum::Json(json!({
                "id": p.id,
                "number": p.number,
                "name": p.name,
                "price": cents(current_price(account, idx)),
                "revision": new,
                "priceRevision": price_revision,
            })),
        )
            .into_response()
    })
}

/// The product's standard price in effect now (latest `validFrom` not in the future).
fn current_price(account: &Account, product: usize) -> i64 {
    let now = format_rfc3339(SystemTime::now());
    let p = &account.products[product];
    let mut best = (BASE_VALID_FROM.to_string(), p.base_price);
    for &i in &p.prices {
        let price = &account.prices[i];
        // All our validFrom values are UTC "…Z" strings: they compare as text.
        if price.price_group == 0 && price.valid_from <= now && price.valid_from >= best.0 {
            best = (price.valid_from.clone(), price.value);
        }
    }
    best.1
}

#[derive(Deserialize)]
struct FailRequest {
    status: u16,
    times: u32,
    code: Option<String>,
}

/// `POST /_sim/accounts/{accountId}/fail`: the next `times` API requests of the account
/// answer `status` (429, 500 or 503 with Korona's error body; 401 as for revoked
/// credentials).
async fn hook_fail(
    State(sim): State<Arc<KoronaSim>>,
    Path(account_id): Path<String>,
    body: Bytes,
) -> Response {
    let req: FailRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return bad_request("SUBMITTED_DATA_NOT_WELLFORMED", &e.to_string()),
    };
    let status = match req.status {
        401 => StatusCode::UNAUTHORIZED,
        429 => StatusCode::TOO_MANY_REQUESTS,
        500 => StatusCode::INTERNAL_SERVER_ERROR,
        503 => StatusCode::SERVICE_UNAVAILABLE,
        _ => {
            return bad_request(
                "INVALID_MODEL_PROPERTY",
                "status must be 401, 429, 500 or 503",
            );
        }
    };
    if let Some(code) = &req.code
        && status == StatusCode::TOO_MANY_REQUESTS
        && code != "DAILY_LIMIT_EXCEEDED"
        && code != "TOO_MANY_PARALLEL_UPDATE_REQUESTS"
    {
        return bad_request(
            "INVALID_MODEL_PROPERTY",
            "code must be DAILY_LIMIT_EXCEEDED or TOO_MANY_PARALLEL_UPDATE_REQUESTS",
        );
    }
    sim.hook(&account_id, |account| {
        account.failure = (req.times > 0).then(|| Failure {
            status,
            code: req.code.clone(),
            remaining: req.times,
        });
        (
            StatusCode::OK,
            axum::Json(json!({"status": req.status, "times": req.times})),
        )
            .into_response()
    })
}

/// `GET /_sim/accounts/{accountId}/receipts`: every receipt stored, in arrival order.
async fn hook_receipts(
    State(sim): State<Arc<KoronaSim>>,
    Path(account_id): Path<String>,
) -> Response {
    sim.hook(&account_id, |account| {
        let all: Vec<&Value> = account.receipts.iter().map(|r| &r.body).collect();
        (StatusCode::OK, axum::Json(all)).into_response()
    })
}

/// `GET /_sim/accounts/{accountId}/requests`: the number of API requests served (a bare
/// JSON number), injected failures and auth failures included.
async fn hook_requests(
    State(sim): State<Arc<KoronaSim>>,
    Path(account_id): Path<String>,
) -> Response {
    sim.hook(&account_id, |account| {
        (StatusCode::OK, axum::Json(account.requests)).into_response()
    })
}

async fn fallback() -> Response {
    not_found("MODEL_ID_NOT_FOUND", "resource not found")
}

/// The simulator's routes, relative to the vendor origin (`/web/api/v3/...`) plus `/_sim/...`.
pub fn router(sim: Arc<KoronaSim>) -> Router {
    const API: &str = "/web/api/v3/accounts/{accountId}";
    Router::new()
        .route(&format!("{API}/{{resource}}"), get(get_list))
        .route(
            &format!("{API}/pointsOfSale/{{posId}}/receipts"),
            get(get_receipts).post(post_receipts),
        )
        .route(
            &format!("{API}/pointsOfSale/{{posId}}/receipts/{{receiptId}}"),
            get(get_receipt),
        )
        .route(
            "/_sim/accounts/{accountId}/products/{number}",
            post(hook_change_product),
        )
        .route("/_sim/accounts/{accountId}/fail", post(hook_fail))
        .route("/_sim/accounts/{accountId}/receipts", get(hook_receipts))
        .route("/_sim/accounts/{accountId}/requests", get(hook_requests))
        .fallback(fallback)
        .with_state(sim)
}

// ---- time ----------------------------------------------------------------------------------

/// `yyyy-MM-ddTHH:mm:ssZ` (UTC), the spec's `yyyy-MM-dd'T'HH:mm:ssXXX` for offset zero.
fn format_rfc3339(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()) as i64;
    crate::kit::time::utc(secs, crate::kit::time::RFC3339_Z)
}

#[cfg(test)]
mod tests;

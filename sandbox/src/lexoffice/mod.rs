//! Test Mode simulator of the lexoffice (Lexware Office) public API,
//! `https://api.lexoffice.io/v1`, as lexoffice's public API documentation describes it (no
//! machine-readable spec is published), for the resources the lexoffice ERP connector uses:
//!
//! * `GET /v1/articles`, `GET /v1/articles/{id}`: articles with `articleNumber`, `title`,
//!   `type` (PRODUCT / SERVICE), `unitName`, `price{netPrice, grossPrice, leadingPrice,
//!   taxRate}`. lexoffice keeps no stock levels: neither does the simulator.
//! * `GET /v1/contacts` (filters `vendor=true`, `customer=true`), `GET /v1/contacts/{id}`.
//! * `GET /v1/voucherlist` (`voucherType` and `voucherStatus` are required; comma lists or
//!   `any`; optional `voucherNumber`): the demo purchase invoices plus everything pushed.
//! * `POST /v1/vouchers` (bookkeeping vouchers; 201 `{"id", "resourceUri", "createdDate",
//!   "updatedDate", "version"}`), `GET /v1/vouchers/{id}`. Like lexoffice, the simulator
//!   does not reject a repeated `voucherNumber`: a resend is stored again (visible in
//!   `/_sim/vouchers`).
//!
//! Lists are Spring Data pages (`content`, `first`, `last`, `totalPages`, `totalElements`,
//! `numberOfElements`, `size`, `number`, `sort`), paged with `page` (from 0) and `size`
//! (default 25, at most 250; more is a 400).
//!
//! Auth: `Authorization: Bearer <API key>`; [`SANDBOX_KEY`] is the demo organisation (25
//! articles, 3 vendor contacts, 2 customer contacts, 3 purchase invoices). Any other key:
//! 401 `{"message":"Unauthorized"}` (lexoffice's gateway answer).
//!
//! Rate limit: lexoffice allows about 2 requests a second per API key and answers 429
//! beyond. The simulator keeps a token bucket per key: [`RATE_PER_SECOND`] tokens a
//! second, bursts of [`BURST`] (so tests that make a handful of requests stay fast), and
//! answers 429 `{"status":429,"error":"Too Many Requests","message":"Rate limit
//! exceeded"}` with `Retry-After` (seconds until a token is back, at least 1). Errors
//! otherwise: 400/406 in lexoffice's legacy format `{"requestId", "IssueList":
//! [{"i18nKey", "source", "type"}]}` (406 for validation failures), 404 `{"status",
//! "error", "path", "message"}`.
//!
//! Test hooks (not lexoffice; no auth), at the origin root (`/_sim/…`, beside `/v1`):
//! `GET /_sim/vouchers` (every voucher pushed, duplicates included), `POST /_sim/fail`
//! `{"status", "times", "afterWrite"}` (the next API requests answer it; 429 with
//! `Retry-After: 1`; with `afterWrite` only the next `POST /v1/vouchers` does, after
//! storing the voucher: an answer lost on the way back),
//! `POST /_sim/ratelimit` `{"perSecond", "burst"}` (changes the limit of every key and
//! refills the buckets).

use crate::kit::fault::{FaultSlot, Stage};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

/// The demo organisation's API key.
pub const SANDBOX_KEY: &str = "lexoffice_sandbox_7Qm2Xc9LrT4vB8nK3pW6yZ1d";
/// lexoffice's documented limit: about 2 requests a second per key.
pub const RATE_PER_SECOND: f64 = 2.0;
/// Requests a fresh key may make at once (the simulator's choice, to keep tests fast).
pub const BURST: f64 = 10.0;
pub const DEFAULT_PAGE_SIZE: usize = 25;
pub const MAX_PAGE_SIZE: usize = 250;
const ARTICLES: usize = 25;
const CREATED: &str = "2024-11-04T08:30:00.000+01:00";

/// Credentials that work against the demo organisation. The host adds `baseUrl`.
pub fn sandbox_credentials() -> Value {
    json!({ "apiKey": SANDBOX_KEY })
}

/// A deterministic UUID-shaped id: `kind` tells resources apart.
fn uuid(kind: u32, n: usize) -> String {
    format!("{kind:08x}-0000-4000-8000-{n:012x}")
}

// ---- state ----------------------------------------------------------------------------

struct Bucket {
    tokens: f64,
    at: Instant,
}

struct SimState {
    vouchers: Vec<Value>,
    failure: FaultSlot,
    per_second: f64,
    burst: f64,
    buckets: HashMap<String, Bucket>,
}

pub struct LexofficeSim {
    state: Mutex<SimState>,
}

impl LexofficeSim {
    pub fn new() -> Arc<LexofficeSim> {
        Arc::new(LexofficeSim {
            state: Mutex::new(SimState {
                vouchers: Vec::new(),
                failure: FaultSlot::default(),
                per_second: RATE_PER_SECOND,
                burst: BURST,
                buckets: HashMap::new(),
            }),
        })
    }

    fn lock(&self) -> MutexGuard<'_, SimState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Auth, then the rate limit, then an injected failure, then `f`.
    fn api(&self, headers: &HeaderMap, f: impl FnOnce(&mut SimState) -> Response) -> Response {
        let mut state = self.lock();
        let Some(key) = api_key(headers) else {
            return error(StatusCode::UNAUTHORIZED, json!({"message": "Unauthorized"}));
        };
        if let Err(wait) = state.take_token(&key) {
            return too_many(wait);
        }
        if let Some(resp) = state.take_failure(false) {
            return resp;
        }
        f(&mut state)
    }
}

impl SimState {
    /// An injected failure armed for this point (before a request, or after a write).
    fn take_failure(&mut self, after_write: bool) -> Option<Response> {
        let stage = if after_write {
            Stage::AfterWrite
        } else {
            Stage::BeforeRequest
        };
        Some(failure_response(self.failure.take_at(stage)?.status))
    }

    /// Takes a token of `key`'s bucket, or says how many seconds until one is back.
    fn take_token(&mut self, key: &str) -> Result<(), u64> {
        let now = Instant::now();
        let (rate, burst) = (self.per_second.max(0.001), self.burst.max(1.0));
        let b = self.buckets.entry(key.to_string()).or_insert(Bucket {
            tokens: burst,
            at: now,
        });
        let elapsed = now.duration_since(b.at).as_secs_f64();
        b.tokens = (b.tokens + elapsed * rate).min(burst);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            Err((((1.0 - b.tokens) / rate).ceil() as u64).max(1))
        }
    }
}

fn api_key(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let key = value.strip_prefix("Bearer ")?.trim();
    (key == SANDBOX_KEY).then(|| key.to_string())
}

// ---- answers --------------------------------------------------------------------------

fn error(status: StatusCode, body: Value) -> Response {
    (status, axum::Json(body)).into_response()
}

fn too_many(wait: u64) -> Response {
    let mut resp = error(
        StatusCode::TOO_MANY_REQUESTS,
        json!({"status": 429, "error": "Too Many Requests", "message": "Rate limit exceeded"}),
    );
    resp.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(wait));
    resp
}

fn failure_response(status: StatusCode) -> Response {
    if status == StatusCode::TOO_MANY_REQUESTS {
        return too_many(1);
    }
    let reason = status.canonical_reason().unwrap_or("Error");
    error(
        status,
        json!({"status": status.as_u16(), "error": reason, "message": reason}),
    )
}

/// lexoffice's legacy error format.
fn issues(status: StatusCode, list: Vec<(&str, &str)>) -> Response {
    let issue_list: Vec<Value> = list
        .into_iter()
        .map(|(key, source)| {
            json!({"i18nKey": key, "source": source, "type": if status == StatusCode::NOT_ACCEPTABLE { "validation_failure" } else { key }})
        })
        .collect();
    error(
        status,
        json!({"requestId": "00000000-0000-4000-8000-000000000000", "IssueList": issue_list}),
    )
}

fn not_found(path: &str) -> Response {
    error(
        StatusCode::NOT_FOUND,
        json!({"status": 404, "error": "Not Found", "path": path, "message": "Not Found"}),
    )
}

fn ok(body: Value) -> Response {
    (StatusCode::OK, axum::Json(body)).into_response()
}

fn query(raw: Option<&str>) -> HashMap<String, String> {
    form_urlencoded::parse(raw.unwrap_or("").as_bytes())
        .into_owned()
        .collect()
}

/// `page` (from 0) and `size`, or the parameter that is wrong.
fn paging(q: &HashMap<String, String>) -> Result<(usize, usize), &'static str> {
    let page = match q.get("page") {
        None => 0,
        Some(v) => v.parse::<usize>().map_err(|_| "page")?,
    };
    let size = match q.get("size") {
        None => DEFAULT_PAGE_SIZE,
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|s| (1..=MAX_PAGE_SIZE).contains(s))
            .ok_or("size")?,
    };
    Ok((page, size))
}

/// A Spring Data page of `all`.
fn spring(all: &[Value], page: usize, size: usize) -> Value {
    let start = page.saturating_mul(size).min(all.len());
    let content = &all[start..(start + size).min(all.len())];
    let total_pages = all.len().div_ceil(size);
    json!({
        "content": content,
        "first": page == 0,
        "last": page + 1 >= total_pages,
        "totalPages": total_pages,
        "totalElements": all.len(),
        "numberOfElements": content.len(),
        "size": size,
        "number": page,
        "sort": [],
    })
}

// ---- demo data ------------------------------------------------------------------------

const TITLES: &[&str] = &[
    "Mineralwasser still 0,5 l",
    "Apfelschorle 0,5 l",
    "Kaffee Bohnen 1 kg",
    "Vollmilch 1 l",
    "Laugenbrezel",
];

fn article(n: usize) -> Value {
    let service = n > ARTICLES - 2;
    let tax_rate = if service { 19 } else { 7 };
    let net_cents = 89 + n as i64 * 10;
    let gross_cents = (net_cents * (100 + tax_rate) + 50) / 100;
    let title = if service {
        format!("Pfand-Service #{n}")
    } else {
        format!("{} #{n}", TITLES[(n - 1) % TITLES.len()])
    };
    json!({
        "id": uuid(0xa1, n),
        "organizationId": uuid(0x0a, 1),
        "createdDate": CREATED,
        "updatedDate": CREATED,
        "archived": false,
        "title": title,
        "description": null,
        "type": if service { "SERVICE" } else { "PRODUCT" },
        "articleNumber": format!("LX-{:04}", 1000 + n),
        "gtin": (!n.is_multiple_of(3)).then(|| format!("40000000{n:05}")),
        "note": null,
        "unitName": "Stück",
        "price": {
            "netPrice": net_cents as f64 / 100.0,
            "grossPrice": gross_cents as f64 / 100.0,
            "leadingPrice": "NET",
            "taxRate": tax_rate,
        },
        "version": 1,
    })
}

/// (n, vendor, customer, company name or person, email, VAT id)
const CONTACTS: &[(usize, bool, bool, &str, &str, &str)] = &[
    (
        1,
        true,
        false,
        "Getränke Großhandel Nord GmbH",
        "bestellung@getraenke-nord.example",
        "DE811907980",
    ),
    (2, true, false, "Bäckerei Sonnenschein KG", "", ""),
    (
        3,
        true,
        true,
        "Kaffeerösterei Süd e.K.",
        "einkauf@roesterei-sued.example",
        "DE129273398",
    ),
    (4, false, true, "Erika Mustermann", "erika@example.com", ""),
    (5, false, true, "Café am Markt GmbH", "", "DE999999999"),
];

fn contact(c: &(usize, bool, bool, &str, &str, &str)) -> Value {
    let (n, vendor, customer, name, email, vat) = *c;
    let mut roles = serde_json::Map::new();
    if vendor {
        roles.insert("vendor".into(), json!({"number": 70000 + n}));
    }
    if customer {
        roles.insert("customer".into(), json!({"number": 10000 + n}));
    }
    let mut v = json!({
        "id": uuid(0xc0, n),
        "organizationId": uuid(0x0a, 1),
        "version": 1,
        "roles": roles,
        "addresses": {"billing": [{"street": "Hafenstraße 1", "zip": "20457", "city": "Hamburg", "countryCode": "DE"}]},
        "archived": false,
    });
    if name.contains(" GmbH") || name.contains(" KG") || name.contains(" e.K.") {
        v["company"] = json!({
            "name": name,
            "vatRegistrationId": (!vat.is_empty()).then_some(vat),
            "allowTaxFreeInvoices": false,
            "contactPersons": [],
        });
    } else {
        let (first, last) = name.split_once(' ').unwrap_or(("", name));
        v["person"] = json!({"salutation": "Frau", "firstName": first, "lastName": last});
    }
    if !email.is_empty() {
        v["emailAddresses"] = json!({"business": [email]});
    }
    v
}

/// (n, contact n, number, status, date, gross cents)
const PURCHASES: &[(usize, usize, &str, &str, &str, i64)] = &[
    (1, 1, "ER-2024-0101", "open", "2024-11-01", 19560),
    (2, 3, "ER-2024-0102", "paid", "2024-11-03", 12900),
    (3, 1, "ER-2024-0103", "voided", "2024-11-05", 4990),
];

fn purchase_item(p: &(usize, usize, &str, &str, &str, i64)) -> Value {
    let (n, c, number, status, date, cents) = *p;
    let open = if status == "open" {
        cents as f64 / 100.0
    } else {
        0.0
    };
    json!({
        "id": uuid(0xe0, n),
        "voucherType": "purchaseinvoice",
        "voucherStatus": status,
        "voucherNumber": number,
        "voucherDate": format!("{date}T00:00:00.000+01:00"),
        "createdDate": CREATED,
        "updatedDate": CREATED,
        "dueDate": format!("{date}T00:00:00.000+01:00"),
        "contactId": uuid(0xc0, c),
        "contactName": CONTACTS.iter().find(|x| x.0 == c).map(|x| x.3),
        "totalAmount": cents as f64 / 100.0,
        "openAmount": open,
        "currency": "EUR",
        "archived": false,
    })
}

/// A stored voucher's voucherlist entry.
fn list_item(v: &Value) -> Value {
    json!({
        "id": v["id"],
        "voucherType": v["type"],
        "voucherStatus": v["voucherStatus"],
        "voucherNumber": v["voucherNumber"],
        "voucherDate": v["voucherDate"],
        "createdDate": v["createdDate"],
        "updatedDate": v["updatedDate"],
        "dueDate": null,
        "contactId": v["contactId"],
        "contactName": "Sammelkunde",
        "totalAmount": v["totalGrossAmount"],
        "openAmount": v["totalGrossAmount"],
        "currency": "EUR",
        "archived": false,
    })
}

// ---- handlers -------------------------------------------------------------------------

async fn get_articles(
    State(sim): State<Arc<LexofficeSim>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    sim.api(&headers, |_| {
        let q = query(raw.as_deref());
        let (page, size) = match paging(&q) {
            Ok(p) => p,
            Err(src) => return issues(StatusCode::BAD_REQUEST, vec![("invalid_value", src)]),
        };
        let all: Vec<Value> = (1..=ARTICLES)
            .map(article)
            .filter(|a| {
                q.get("articleNumber")
                    .is_none_or(|n| a["articleNumber"] == n.as_str())
            })
            .filter(|a| q.get("type").is_none_or(|t| a["type"] == t.as_str()))
            .collect();
        ok(spring(&all, page, size))
    })
}

async fn get_article(
    State(sim): State<Arc<LexofficeSim>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    sim.api(&headers, |_| {
        match (1..=ARTICLES).map(article).find(|a| a["id"] == id.as_str()) {
            Some(a) => ok(a),
            None => not_found(&format!("/v1/articles/{id}")),
        }
    })
}

async fn get_contacts(
    State(sim): State<Arc<LexofficeSim>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    sim.api(&headers, |_| {
        let q = query(raw.as_deref());
        let (page, size) = match paging(&q) {
            Ok(p) => p,
            Err(src) => return issues(StatusCode::BAD_REQUEST, vec![("invalid_value", src)]),
        };
        let flag = |k: &str| q.get(k).map(|v| v == "true");
        let (vendor, customer) = (flag("vendor"), flag("customer"));
        let all: Vec<Value> = CONTACTS
            .iter()
            .filter(|c| vendor.is_none_or(|v| c.1 == v))
            .filter(|c| customer.is_none_or(|v| c.2 == v))
            .map(contact)
            .collect();
        ok(spring(&all, page, size))
    })
}

async fn get_contact(
    State(sim): State<Arc<LexofficeSim>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    sim.api(&headers, |_| {
        match CONTACTS
            .iter()
            .map(contact)
            .find(|c| c["id"] == id.as_str())
        {
            Some(c) => ok(c),
            None => not_found(&format!("/v1/contacts/{id}")),
        }
    })
}

async fn get_voucherlist(
    State(sim): State<Arc<LexofficeSim>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    sim.api(&headers, |st| {
        let q = query(raw.as_deref());
        let (page, size) = match paging(&q) {
            Ok(p) => p,
            Err(src) => return issues(StatusCode::BAD_REQUEST, vec![("invalid_value", src)]),
        };
        let (Some(types), Some(statuses)) = (q.get("voucherType"), q.get("voucherStatus")) else {
            return issues(
                StatusCode::BAD_REQUEST,
                vec![("missing_entity", "voucherType, voucherStatus")],
            );
        };
        let matches =
            |list: &str, value: &Value| list == "any" || list.split(',').any(|t| value == t.trim());
        let all: Vec<Value> = PURCHASES
            .iter()
            .map(purchase_item)
            .chain(st.vouchers.iter().map(list_item))
            .filter(|v| matches(types, &v["voucherType"]))
            .filter(|v| matches(statuses, &v["voucherStatus"]))
            .filter(|v| {
                q.get("voucherNumber")
                    .is_none_or(|n| v["voucherNumber"] == n.as_str())
            })
            .collect();
        ok(spring(&all, page, size))
    })
}

const VOUCHER_TYPES: &[&str] = &[
    "salesinvoice",
    "salescreditnote",
    "purchaseinvoice",
    "purchasecreditnote",
];

/// What lexoffice would refuse in a voucher: `(i18nKey, source)`.
fn voucher_issues(v: &Value) -> Vec<(&'static str, &'static str)> {
    let mut out = Vec::new();
    if !v["type"]
        .as_str()
        .is_some_and(|t| VOUCHER_TYPES.contains(&t))
    {
        out.push(("invalid_value", "type"));
    }
    if v["voucherNumber"]
        .as_str()
        .is_none_or(|n| n.trim().is_empty())
    {
        out.push(("missing_entity", "voucherNumber"));
    }
    if v["voucherDate"].as_str().is_none_or(|d| d.len() < 10) {
        out.push(("missing_entity", "voucherDate"));
    }
    if !matches!(v["taxType"].as_str(), Some("gross" | "net")) {
        out.push(("invalid_value", "taxType"));
    }
    let gross = v["totalGrossAmount"].as_f64();
    if gross.is_none() {
        out.push(("missing_entity", "totalGrossAmount"));
    }
    if v["totalTaxAmount"].as_f64().is_none() {
        out.push(("missing_entity", "totalTaxAmount"));
    }
    if v["contactId"].as_str().is_none() && v["useCollectiveContact"] != true {
        out.push(("missing_entity", "contactId"));
    }
    match v["voucherItems"].as_array() {
        Some(items) if !items.is_empty() => {
            let mut sum = 0.0;
            for i in items {
                if i["amount"].as_f64().is_none()
                    || i["taxAmount"].as_f64().is_none()
                    || i["taxRatePercent"].as_f64().is_none()
                    || i["categoryId"].as_str().is_none_or(str::is_empty)
                {
                    out.push(("invalid_value", "voucherItems"));
                    break;
                }
                sum += i["amount"].as_f64().unwrap_or(0.0);
            }
            if v["taxType"] == "gross" && gross.is_some_and(|g| (g - sum).abs() > 0.005) {
                out.push(("invalid_value", "totalGrossAmount"));
            }
        }
        _ => out.push(("missing_entity", "voucherItems")),
    }
    out
}

async fn post_voucher(
    State(sim): State<Arc<LexofficeSim>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    sim.api(&headers, |st| {
        let Ok(mut v) = serde_json::from_slice::<Value>(&body) else {
            return issues(StatusCode::BAD_REQUEST, vec![("invalid_json", "body")]);
        };
        if !v.is_object() {
            return issues(StatusCode::BAD_REQUEST, vec![("invalid_json", "body")]);
        }
        let problems = voucher_issues(&v);
        if !problems.is_empty() {
            return issues(StatusCode::NOT_ACCEPTABLE, problems);
        }
        let id = uuid(0xb0, st.vouchers.len() + 1);
        let now = "2026-01-01T00:00:00.000+01:00";
        v["id"] = json!(id);
        v["organizationId"] = json!(uuid(0x0a, 1));
        v["voucherStatus"] = json!("open");
        v["createdDate"] = json!(now);
        v["updatedDate"] = json!(now);
        v["version"] = json!(1);
        st.vouchers.push(v);
        if let Some(resp) = st.take_failure(true) {
            return resp;
        }
        (
            StatusCode::CREATED,
            axum::Json(json!({
                "id": id,
                "resourceUri": format!("https://api.lexoffice.io/v1/vouchers/{id}"),
                "createdDate": now,
                "updatedDate": now,
                "version": 1,
            })),
        )
            .into_response()
    })
}

async fn get_voucher(
    State(sim): State<Arc<LexofficeSim>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    sim.api(&headers, |st| {
        match st.vouchers.iter().find(|v| v["id"] == id.as_str()) {
            Some(v) => ok(v.clone()),
            None => not_found(&format!("/v1/vouchers/{id}")),
        }
    })
}

// ---- hooks ----------------------------------------------------------------------------

async fn hook_vouchers(State(sim): State<Arc<LexofficeSim>>) -> Response {
    ok(json!({"vouchers": sim.lock().vouchers}))
}

async fn hook_fail(State(sim): State<Arc<LexofficeSim>>, body: Bytes) -> Response {
    crate::kit::fault::arm(&mut sim.lock().failure, &body)
}

async fn hook_ratelimit(State(sim): State<Arc<LexofficeSim>>, body: Bytes) -> Response {
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let mut st = sim.lock();
    let per_second = v["perSecond"].as_f64().unwrap_or(RATE_PER_SECOND);
    let burst = v["burst"].as_f64().unwrap_or(BURST);
    if per_second <= 0.0 || burst < 1.0 {
        return issues(
            StatusCode::BAD_REQUEST,
            vec![("invalid_value", "perSecond, burst")],
        );
    }
    st.per_second = per_second;
    st.burst = burst;
    st.buckets.clear();
    ok(json!({"perSecond": per_second, "burst": burst}))
}

/// The simulator's routes, relative to the vendor origin (`/v1/…`, `/_sim/…`).
pub fn router(sim: Arc<LexofficeSim>) -> Router {
    Router::new()
        .route("/v1/articles", get(get_articles))
        .route("/v1/articles/{id}", get(get_article))
        .route("/v1/contacts", get(get_contacts))
        .route("/v1/contacts/{id}", get(get_contact))
        .route("/v1/voucherlist", get(get_voucherlist))
        .route("/v1/vouchers", post(post_voucher))
        .route("/v1/vouchers/{id}", get(get_voucher))
        .route("/_sim/vouchers", get(hook_vouchers))
        .route("/_sim/fail", post(hook_fail))
        .route("/_sim/ratelimit", post(hook_ratelimit))
        .with_state(sim)
}

#[cfg(test)]
mod tests;

//! Test Mode simulator of a "BEEP! Casio bridge" (docs/casio-bridge.md,
//! docs/casio-bridge.openapi.yaml): the small HTTP service that runs next to a Casio
//! register's PC-link export folder. Casio publishes no HTTP API; the bridge serves the
//! register's PLU (article) file and takes BEEP! sales as electronic-journal entries.
//!
//! Routes (relative to the bridge's base URL; mounted under `/casio`):
//!
//! | route | notes |
//! | --- | --- |
//! | `GET /register` | register settings: currency, decimal places, tax tables, PLU generation |
//! | `GET /plu[?since=N]` | the PLU file (`text/csv`), `ETag: "plu-N"`, `X-PLU-Generation: N`; `If-None-Match` → 304; `since` → only records changed after generation N (deleted ones with status `D`); 410 for a generation the bridge does not know |
//! | `PUT /journal/{saleId}` | one BEEP! sale as a journal entry (JSON); 201, or 409 `already_delivered` for an id delivered before |
//!
//! Every route wants `X-Bridge-Token`; anything else is 401. Errors are
//! `{"error":{"code","message"}}`; 429 (`busy`, with `Retry-After`) is the bridge's
//! answer while PC-link holds the export folder.
//!
//! Test hooks (no auth) under `/_sim/`: `POST plu/{number}` `{"descriptor"?, "price"?
//! (register integer), "dept"?, "tax"?}` creates or changes a PLU; `POST
//! plu/{number}/delete` deletes one; `GET journal` lists the entries received; `POST fail
//! {"status","times","after"?,"method"?,"retryAfter"?}` (the next `times` requests — only
//! those with `method` if given — answer `status`; with `after` the request takes effect
//! and only its answer is lost).

use crate::kit::fault::{Fault, FaultSlot};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// The token the simulated bridge accepts.
pub const SANDBOX_TOKEN: &str = "casio-bridge-sandbox-token-0001";
/// Register settings of the simulated SE-S3000.
const CURRENCY: &str = "EUR";
const DECIMALS: u32 = 2;
/// Tax table → rate in basis points (table 0 is "not taxable").
const TAX_TABLES: &[(u8, u32)] = &[(1, 1900), (2, 700)];

pub fn sandbox_credentials() -> Value {
    json!({ "bridgeToken": SANDBOX_TOKEN })
}

#[derive(Clone, Debug)]
struct Plu {
    descriptor: String,
    /// Register integer: `DECIMALS` implied decimal places.
    price: i64,
    dept: String,
    tax: u8,
    deleted: bool,
    /// The generation that last changed it.
    changed: u64,
}

struct SimState {
    generation: u64,
    /// PLU number → record (deleted ones kept as tombstones for deltas).
    plus: BTreeMap<String, Plu>,
    /// Department code → (name, generation that last changed it).
    depts: BTreeMap<String, (String, u64)>,
    /// Sale id → the entry as received, with its file name.
    journal: Vec<(String, Value)>,
    fail: FaultSlot,
}

pub struct CasioSim {
    state: Mutex<SimState>,
}

/// 30 PLUs in four departments: drinks by EAN-13, the rest by short PLU numbers.
fn seed() -> SimState {
    let depts: BTreeMap<String, (String, u64)> = [
        ("01", "HEISSGETRAENKE"),
        ("02", "KALTGETRAENKE"),
        ("03", "BACKWAREN"),
        ("04", "SNACKS, SUESSES"),
    ]
    .into_iter()
    .map(|(code, name)| (code.to_string(), (name.to_string(), 1)))
    .collect();
    let mut plus = BTreeMap::new();
    let hot = [
        "ESPRESSO",
        "CAPPUCCINO",
        "MILCHKAFFEE",
        "TEE",
        "KAKAO",
        "CHAI LATTE",
        "FILTERKAFFEE",
        "DOPPIO",
    ];
    for (i, name) in hot.iter().enumerate() {
        plus.insert(
            (i + 1).to_string(),
            Plu {
                descriptor: name.to_string(),
                price: 220 + 30 * i as i64,
                dept: "01".into(),
                tax: 1,
                deleted: false,
                changed: 1,
            },
        );
    }
    // EAN-13s with valid check digits (4006381333931 is the GS1 example).
    let cold = [
        ("4006381333931", "MINERALWASSER 0,5L", 180),
        ("4000177016018", "APFELSCHORLE 0,5L", 220),
        ("4029764001807", "CLUB-MATE 0,5L", 250),
        ("5449000000996", "COLA 0,33L", 230),
        ("4066600641919", "ORANGENSAFT 0,25L", 260),
        ("4005500061203", "EISTEE PFIRSICH", 210),
    ];
    for (ean, name, price) in cold {
        plus.insert(
            ean.to_string(),
            Plu {
                descriptor: name.to_string(),
                price,
                dept: "02".into(),
                tax: 1,
                deleted: false,
                changed: 1,
            },
        );
    }
    let bakery = [
        "BREZEL",
        "CROISSANT",
        "SCHOKOCROISSANT",
        "KAESEBROETCHEN",
        "LAUGENSTANGE",
        "ZIMTSCHNECKE",
        "APFELTASCHE",
        "MOHNBROETCHEN",
    ];
    for (i, name) in bakery.iter().enumerate() {
        plus.insert(
            (101 + i).to_string(),
            Plu {
                descriptor: name.to_string(),
                price: 95 + 40 * i as i64,
                dept: "03".into(),
                tax: 2,
                deleted: false,
                changed: 1,
            },
        );
    }
    let snacks = [
        "MUESLIRIEGEL",
        "\"BIO\" KEKSE",
        "SCHOKOLADE, ZARTBITTER",
        "NUSSMISCHUNG",
        "GUMMIBAERCHEN",
        "APFEL",
        "BANANE",
        "TAGESZEITUNG",
    ];
    for (i, name) in snacks.iter().enumerate() {
        plus.insert(
            (201 + i).to_string(),
            Plu {
                descriptor: name.to_string(),
                price: 120 + 35 * i as i64,
                dept: "04".into(),
                tax: 2,
                deleted: false,
                changed: 1,
            },
        );
    }
    SimState {
        generation: 1,
        plus,
        depts,
        journal: Vec::new(),
        fail: FaultSlot::default(),
    }
}

/// PLUs the seeded file holds.
pub const SEEDED_PLUS: usize = 30;

impl CasioSim {
    pub fn new() -> Arc<CasioSim> {
        Arc::new(CasioSim {
            state: Mutex::new(seed()),
        })
    }

    fn lock(&self) -> MutexGuard<'_, SimState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl SimState {
    /// Takes the injected failure due for a request with `method`, if one is armed.
    fn take_failure(&mut self, method: &Method) -> Option<Fault> {
        self.fail.next(method, "")
    }
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        json!({"error": {"code": code, "message": message}}).to_string(),
    )
        .into_response()
}

fn injected(plan: &Fault) -> Response {
    let status = plan.status;
    let (code, message) = match status.as_u16() {
        429 => (
            "busy",
            "PC-link is reading the export folder; try again shortly",
        ),
        503 => (
            "export_unavailable",
            "the PC-link export folder cannot be read",
        ),
        _ => ("bridge_error", "simulated outage"),
    };
    let mut resp = error(status, code, message);
    if status == StatusCode::TOO_MANY_REQUESTS {
        let after = plan.retry_after.unwrap_or(1).to_string();
        if let Ok(v) = after.parse::<axum::http::HeaderValue>() {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
    }
    resp
}

fn authorized(headers: &HeaderMap) -> bool {
    headers
        .get("x-bridge-token")
        .and_then(|h| h.to_str().ok())
        .is_some_and(|t| t.trim() == SANDBOX_TOKEN)
}

pub fn router(sim: Arc<CasioSim>) -> Router {
    Router::new()
        .route("/register", any(api))
        .route("/plu", any(api))
        .route("/journal/{id}", any(api))
        .route("/_sim/plu/{number}", post(sim_plu))
        .route("/_sim/plu/{number}/delete", post(sim_delete))
        .route("/_sim/journal", get(sim_journal))
        .route("/_sim/fail", post(sim_fail))
        .with_state(sim)
}

async fn api(
    State(sim): State<Arc<CasioSim>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let failure = sim.lock().take_failure(&method);
    if let Some(plan) = failure.as_ref().filter(|p| !p.after_write) {
        return injected(plan);
    }
    let resp = if authorized(&headers) {
        dispatch(&sim, &method, &uri, &headers, &body)
    } else {
        error(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "X-Bridge-Token is missing or not this bridge's token",
        )
    };
    match failure {
        Some(plan) => injected(&plan),
        None => resp,
    }
}

fn dispatch(
    sim: &CasioSim,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    let path = uri.path().trim_end_matches('/');
    match (method.as_str(), path) {
        ("GET", "/register") => register(sim),
        ("GET", "/plu") => plu_file(sim, uri, headers),
        ("PUT", p) if p.starts_with("/journal/") => journal(sim, &p["/journal/".len()..], body),
        (_, "/register" | "/plu") => error(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "only GET",
        ),
        (_, p) if p.starts_with("/journal/") => error(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "only PUT",
        ),
        _ => error(StatusCode::NOT_FOUND, "not_found", "no such resource"),
    }
}

fn rate_percent(bps: u32) -> String {
    format!("{}.{:02}", bps / 100, bps % 100)
}

fn register(sim: &CasioSim) -> Response {
    let generation = sim.lock().generation;
    let tables: Vec<Value> = TAX_TABLES
        .iter()
        .map(|(t, bps)| json!({"table": t, "ratePercent": rate_percent(*bps)}))
        .collect();
    axum::Json(json!({
        "model": "SE-S3000",
        "registerNo": "001",
        "currency": CURRENCY,
        "decimals": DECIMALS,
        "taxTables": tables,
        "pluGeneration": generation,
    }))
    .into_response()
}

/// A CSV field, quoted when it holds a comma, a quote or spaces at its ends.
fn field(s: &str) -> String {
    if s.contains([',', '"', '\n']) || s.trim() != s {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn plu_file(sim: &CasioSim, uri: &Uri, headers: &HeaderMap) -> Response {
    let since = match form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
        .find(|(k, _)| k == "since")
        .map(|(_, v)| v.into_owned())
    {
        None => None,
        Some(v) => match v.parse::<u64>() {
            Ok(n) => Some(n),
            Err(_) => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "invalid_since",
                    "since must be a PLU generation (an integer)",
                );
            }
        },
    };
    let state = sim.lock();
    let etag = format!("\"plu-{}\"", state.generation);
    let not_modified = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|h| h.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    if not_modified {
        return (
            StatusCode::NOT_MODIFIED,
            [
                (header::ETAG, etag),
                (
                    header::HeaderName::from_static("x-plu-generation"),
                    state.generation.to_string(),
                ),
            ],
        )
            .into_response();
    }
    if let Some(s) = since
        && s > state.generation
    {
        return error(
            StatusCode::GONE,
            "generation_unknown",
            &format!(
                "generation {s} is not one this bridge exported (current: {}); read the whole file",
                state.generation
            ),
        );
    }
    let after = since.unwrap_or(0);
    let mut out = String::new();
    out.push_str("#CASIO-PLU,1\r\n");
    out.push_str(&format!("#GENERATION,{}\r\n", state.generation));
    out.push_str(&format!("#DELTA,{}\r\n", u8::from(since.is_some())));
    out.push_str(&format!("#CURRENCY,{CURRENCY}\r\n#DECIMALS,{DECIMALS}\r\n"));
    for (t, bps) in TAX_TABLES {
        out.push_str(&format!("#TAX,{t},{}\r\n", rate_percent(*bps)));
    }
    for (code, (name, changed)) in &state.depts {
        if *changed > after {
            out.push_str(&format!("#DEPT,{code},{}\r\n", field(name)));
        }
    }
    out.push_str("PLU,DESCRIPTOR,PRICE,DEPT,TAX,STATUS\r\n");
    for (number, p) in &state.plus {
        if p.changed <= after || (p.deleted && since.is_none()) {
            continue;
        }
        out.push_str(&format!(
            "{number},{},{},{},{},{}\r\n",
            field(&p.descriptor),
            p.price,
            p.dept,
            p.tax,
            if p.deleted { "D" } else { "A" }
        ));
    }
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::ETAG, etag),
            (
                header::HeaderName::from_static("x-plu-generation"),
                state.generation.to_string(),
            ),
        ],
        out,
    )
        .into_response()
}

fn valid_sale_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// Checks a journal entry against the protocol's schema (the fields the bridge needs).
fn entry_problem(id: &str, v: &Value) -> Option<String> {
    let obj = v.as_object()?;
    for (key, ok) in [
        (
            "saleId",
            obj.get("saleId").and_then(Value::as_str) == Some(id),
        ),
        (
            "receiptNumber",
            obj.get("receiptNumber").is_some_and(Value::is_string),
        ),
        (
            "createdAt",
            obj.get("createdAt").is_some_and(Value::is_string),
        ),
        (
            "currency",
            obj.get("currency").and_then(Value::as_str) == Some(CURRENCY),
        ),
        (
            "decimals",
            obj.get("decimals").and_then(Value::as_u64) == Some(u64::from(DECIMALS)),
        ),
        ("total", obj.get("total").is_some_and(Value::is_i64)),
        (
            "lines",
            obj.get("lines")
                .and_then(Value::as_array)
                .is_some_and(|l| !l.is_empty()),
        ),
        ("payments", obj.get("payments").is_some_and(Value::is_array)),
    ] {
        if !ok {
            return Some(format!("{key} is missing or does not match this register"));
        }
    }
    for line in obj["lines"].as_array()? {
        let good = line["descriptor"].is_string()
            && line["quantity"].is_number()
            && line["price"].is_i64()
            && line["amount"].is_i64()
            && (line.get("plu").is_none_or(|p| p.is_string() || p.is_null()))
            && (line.get("taxTable").is_none_or(|t| {
                t.as_u64()
                    .is_some_and(|t| t == 0 || TAX_TABLES.iter().any(|(n, _)| u64::from(*n) == t))
            }));
        if !good {
            return Some(format!(
                "line {line} is not a journal line of this register"
            ));
        }
    }
    for p in obj["payments"].as_array()? {
        let good = matches!(p["media"].as_str(), Some("CASH" | "CHARGE" | "CHECK"))
            && p["amount"].is_i64();
        if !good {
            return Some(format!("payment {p} is not a journal payment"));
        }
    }
    None
}

fn journal(sim: &CasioSim, id: &str, body: &[u8]) -> Response {
    if !valid_sale_id(id) {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_entry",
            "the sale id must be 1-64 letters, digits, - _ . :",
        );
    }
    let Ok(entry) = serde_json::from_slice::<Value>(body) else {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_entry",
            "the body is not JSON",
        );
    };
    if let Some(problem) = entry_problem(id, &entry) {
        return error(StatusCode::BAD_REQUEST, "invalid_entry", &problem);
    }
    let mut state = sim.lock();
    let file = format!("EJ_{}.json", id.replace(':', "_"));
    if state.journal.iter().any(|(i, _)| i == id) {
        return (
            StatusCode::CONFLICT,
            [(header::CONTENT_TYPE, "application/json")],
            json!({"error": {"code": "already_delivered", "message": format!("sale {id} was delivered before as {file}"), "file": file}}).to_string(),
        )
            .into_response();
    }
    state.journal.push((id.to_string(), entry));
    (
        StatusCode::CREATED,
        [(header::CONTENT_TYPE, "application/json")],
        json!({"saleId": id, "file": file}).to_string(),
    )
        .into_response()
}

#[derive(Deserialize)]
struct PluChange {
    #[serde(default)]
    descriptor: Option<String>,
    #[serde(default)]
    price: Option<i64>,
    #[serde(default)]
    dept: Option<String>,
    #[serde(default)]
    tax: Option<u8>,
}

/// `POST /_sim/plu/{number}`: creates or changes a PLU (a new generation).
async fn sim_plu(
    State(sim): State<Arc<CasioSim>>,
    Path(number): Path<String>,
    axum::Json(change): axum::Json<PluChange>,
) -> Response {
    let mut state = sim.lock();
    state.generation += 1;
    let generation = state.generation;
    let p = state.plus.entry(number).or_insert_with(|| Plu {
        descriptor: "NEU".into(),
        price: 0,
        dept: "04".into(),
        tax: 1,
        deleted: false,
        changed: generation,
    });
    if let Some(d) = change.descriptor {
        p.descriptor = d;
    }
    if let Some(v) = change.price {
        p.price = v;
    }
    if let Some(d) = change.dept {
        p.dept = d;
    }
    if let Some(t) = change.tax {
        p.tax = t;
    }
    p.deleted = false;
    p.changed = generation;
    axum::Json(json!({"generation": generation})).into_response()
}

/// `POST /_sim/plu/{number}/delete`: deletes a PLU (a new generation).
async fn sim_delete(State(sim): State<Arc<CasioSim>>, Path(number): Path<String>) -> Response {
    let mut state = sim.lock();
    state.generation += 1;
    let generation = state.generation;
    match state.plus.get_mut(&number) {
        Some(p) => {
            p.deleted = true;
            p.changed = generation;
            axum::Json(json!({"generation": generation})).into_response()
        }
        None => (StatusCode::NOT_FOUND, "unknown PLU").into_response(),
    }
}

/// `GET /_sim/journal`: the entries received, in order, with their sale ids.
async fn sim_journal(State(sim): State<Arc<CasioSim>>) -> Response {
    let list: Vec<Value> = sim
        .lock()
        .journal
        .iter()
        .map(|(id, entry)| json!({"saleId": id, "entry": entry}))
        .collect();
    axum::Json(list).into_response()
}

async fn sim_fail(State(sim): State<Arc<CasioSim>>, body: Bytes) -> Response {
    crate::kit::fault::arm(&mut sim.lock().fail, &body)
}

#[cfg(test)]
mod tests;

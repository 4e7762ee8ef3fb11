//! Test Mode simulator of the SumUp API: the subset BEEP! Connect's PSP connector uses,
//! answering the way `api.sumup.com` answers according to `vendor-specs/sumup.json`
//! (sumup/sumup-rs at 058533c621). Where the spec is silent it follows SumUp's public
//! documentation and says so.
//!
//! SumUp routes (relative to the vendor origin; mounted under `/sumup`):
//!
//! | route | notes |
//! | --- | --- |
//! | `GET /v1/merchants/{merchant_code}` | the merchant profile: a cheap authenticated read |
//! | `POST /v0.1/checkouts` | create a checkout; `checkout_reference` is unique per merchant (409 `DUPLICATED_CHECKOUT`) |
//! | `GET /v0.1/checkouts?checkout_reference=` | list checkouts, filtered by reference |
//! | `GET /v0.1/checkouts/{id}` | retrieve a checkout with its transactions |
//! | `PUT /v0.1/checkouts/{id}` | process a checkout (see below) |
//! | `POST /v1.0/merchants/{merchant_code}/payments/{transaction_id}/refunds` | refund (partial or full; `201 {}`) |
//! | `GET /v1.0/merchants/{merchant_code}/payouts` | payout records of a period (see [`payouts`]) |
//!
//! Every route wants `Authorization: Bearer <API key>`; anything else is the spec's 401
//! problem (`{"type","title","status","detail"}`). Checkout errors are SumUp's
//! `{"error_code","message","param"?}`; refund errors are problems (as the spec shows).
//! Amounts are JSON numbers in major units; a currency outside the spec's `Currency`
//! enum (it has no JPY and no three-decimal currency) or an amount with more decimals
//! than the currency has is a 400 `INVALID`.
//!
//! # Processing a checkout (`PUT /v0.1/checkouts/{id}`)
//!
//! The spec at 058533c621 omits the "Process a checkout" operation; SumUp's public docs
//! describe it as `PUT /v0.1/checkouts/{id}` with `{"payment_type":"card", "token": …,
//! "customer_id"?: …}` (a saved payment instrument) answering `200` with the checkout, or
//! `202 {"next_step": {url, method, redirect_url, mechanism, payload}}` when the shopper
//! must pass 3-D Secure. The simulator decides the outcome by `token`:
//!
//! | `token` | outcome |
//! | --- | --- |
//! | `sumup_test_paid` | checkout `PAID`, transaction `SUCCESSFUL` |
//! | `sumup_test_failed` | checkout `FAILED`, transaction `FAILED` |
//! | `sumup_test_pending` | checkout `PENDING`, transaction `PENDING` |
//! | `sumup_test_cancelled` | checkout `FAILED`, transaction `CANCELLED` |
//! | `sumup_test_3ds` | `202` with `next_step.url` → `GET /_sim/3ds/{id}?status=paid|failed` (the challenge page: applies the outcome, redirects to `redirect_url`) |
//! | anything else | 400 `INVALID` on `token` |
//!
//! A checkout that is not `PENDING`, or already has a transaction, is not processed again
//! (400 `CHECKOUT_PROCESSED`, as SumUp's docs name it).
//!
//! Refunds never exceed what is left of the transaction (422 with the spec's
//! `INVALID_AMOUNT` error); only `SUCCESSFUL` (or partly `REFUNDED`) transactions are
//! refundable (409). A fully refunded transaction becomes `REFUNDED`.
//!
//! The POS side (transaction history with products, `GET /v2.1/merchants/{merchant_code}/
//! transactions/history` and `…/transactions?id=`) is in [`pos`], with its own hooks under
//! `/_sim/pos/`.
//!
//! Test hooks (not SumUp; no auth) under `/_sim/`: `GET checkouts`, `GET refunds`,
//! `POST fail {"status","times","after"?,"method"?}` (the next `times` API requests — only
//! those with that HTTP `method` if given — answer `status`; with `after` the request takes
//! effect first and only its answer is lost), `GET 3ds/{id}`, `POST payouts?date=`.

use crate::kit::fault::{Fault, FaultSlot};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{any, get, post};
use beep_sdk::money;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// Payouts and their test hook.
mod payouts;
/// The POS side: transaction history with products (`/v2.1/...`).
mod pos;

/// The API key the simulator accepts (SumUp secret keys are `sup_sk_…`).
pub const SANDBOX_API_KEY: &str = "sup_sk_BeepSandboxSumupKey000000000";
/// The merchant account the key belongs to.
pub const SANDBOX_MERCHANT_CODE: &str = "MCBEEP01";
/// `components.schemas.Currency.enum` of the spec.
const CURRENCIES: &[&str] = &[
    "BGN", "BRL", "CHF", "CLP", "COP", "CZK", "DKK", "EUR", "GBP", "HRK", "HUF", "NOK", "PLN",
    "RON", "SEK", "USD",
];
/// `checkout_reference.maxLength`.
const MAX_REFERENCE: usize = 90;

/// Credentials that work against the simulator. The outcome of a payment is chosen by its
/// `paymentMethod` token: `sumup_test_paid`, `sumup_test_failed`, `sumup_test_pending`,
/// `sumup_test_cancelled`, `sumup_test_3ds`.
pub fn sandbox_credentials() -> Value {
    json!({ "apiKey": SANDBOX_API_KEY, "merchantCode": SANDBOX_MERCHANT_CODE })
}

/// The simulated SumUp merchant account: all state behind one mutex (never held across an
/// `.await`).
pub struct SumupSim {
    state: Mutex<SimState>,
}

#[derive(Default)]
struct SimState {
    checkouts: Vec<Checkout>,
    refunds: Vec<Value>,
    fail: FaultSlot,
    seq: u64,
    pos: pos::PosState,
    payouts: Vec<payouts::PayoutRecord>,
    /// Transactions and refunds already paid out.
    paid_out: std::collections::HashSet<String>,
}

#[derive(Clone, Debug)]
struct Checkout {
    id: String,
    reference: String,
    /// Minor units.
    amount: i64,
    currency: String,
    description: Option<String>,
    return_url: Option<String>,
    redirect_url: Option<String>,
    status: &'static str,
    date: String,
    transaction: Option<Transaction>,
    /// The token the checkout was processed with (shown by `/_sim/checkouts` only).
    token: Option<String>,
}

#[derive(Clone, Debug)]
struct Transaction {
    id: String,
    code: String,
    status: &'static str,
    timestamp: String,
    /// Refunded so far, minor units.
    refunded: i64,
}

impl SumupSim {
    pub fn new() -> Arc<SumupSim> {
        Arc::new(SumupSim {
            state: Mutex::new(SimState::default()),
        })
    }

    fn lock(&self) -> MutexGuard<'_, SimState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Every checkout as SumUp shows it, oldest first (plus the token it was processed with).
    pub fn checkouts(&self) -> Vec<Value> {
        self.lock()
            .checkouts
            .iter()
            .map(|c| {
                let mut v = checkout_json(c);
                v["_sim_token"] = json!(c.token);
                v
            })
            .collect()
    }

    pub fn refunds(&self) -> Vec<Value> {
        self.lock().refunds.clone()
    }
}

impl SimState {
    fn next_id(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// Takes the injected failure due for a request with `method`, if one is armed.
    fn take_failure(&mut self, method: &Method) -> Option<Fault> {
        self.fail.next(method, "")
    }
}

fn now_rfc3339() -> String {
    let now = crate::kit::time::now_secs();
    crate::kit::time::utc(now, crate::kit::time::RFC3339_OFFSET)
}

/// A UUID-shaped id, deterministic per simulator and sequence number.
fn uuid_like(prefix: u32, n: u64) -> String {
    format!("{prefix:08x}-b33p-4000-8000-{n:012x}")
}

fn major(minor: i64, currency: &str) -> Value {
    let v = money::to_major_f64(&money::money(minor, currency)).unwrap_or(0.0);
    json!(v)
}

fn transaction_json(c: &Checkout, t: &Transaction) -> Value {
    json!({
        "id": t.id,
        "transaction_code": t.code,
        "amount": major(c.amount, &c.currency),
        "currency": c.currency,
        "timestamp": t.timestamp,
        "status": t.status,
        "payment_type": "ECOM",
        "installments_count": 1,
        "merchant_code": SANDBOX_MERCHANT_CODE,
        "entry_mode": "CUSTOMER_ENTRY",
    })
}

/// `components.schemas.CheckoutSuccess`.
fn checkout_json(c: &Checkout) -> Value {
    let mut v = json!({
        "id": c.id,
        "checkout_reference": c.reference,
        "amount": major(c.amount, &c.currency),
        "currency": c.currency,
        "merchant_code": SANDBOX_MERCHANT_CODE,
        "merchant_country": "DE",
        "merchant_name": "BEEP! Sandbox Shop",
        "status": c.status,
        "date": c.date,
        "transactions": c.transaction.iter().map(|t| transaction_json(c, t)).collect::<Vec<_>>(),
    });
    for (k, val) in [
        ("description", &c.description),
        ("return_url", &c.return_url),
        ("redirect_url", &c.redirect_url),
    ] {
        if let Some(s) = val {
            v[k] = json!(s);
        }
    }
    if let Some(t) = c
        .transaction
        .as_ref()
        .filter(|t| matches!(t.status, "SUCCESSFUL" | "REFUNDED"))
    {
        v["transaction_id"] = json!(t.id);
        v["transaction_code"] = json!(t.code);
    }
    v
}

/// `components.schemas.Error` / `ErrorExtended`.
fn error(
    status: StatusCode,
    code: &str,
    message: &str,
    param: Option<&str>,
) -> (StatusCode, Value) {
    let mut v = json!({ "error_code": code, "message": message });
    if let Some(p) = param {
        v["param"] = json!(p);
    }
    (status, v)
}

/// `components.schemas.Problem` (RFC 9457).
fn problem(status: StatusCode, kind: &str, title: &str, detail: &str) -> (StatusCode, Value) {
    (
        status,
        json!({
            "type": format!("https://developer.sumup.com/problem/{kind}"),
            "title": title,
            "status": status.as_u16(),
            "detail": detail,
        }),
    )
}

fn invalid(param: &str) -> (StatusCode, Value) {
    error(
        StatusCode::BAD_REQUEST,
        "INVALID",
        "Validation error",
        Some(param),
    )
}

fn unauthorized() -> (StatusCode, Value) {
    problem(
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "Unauthorized",
        "Unauthorized.",
    )
}

/// A JSON number in major units to minor units, refusing more decimals than `currency` has.
fn parse_amount(v: &Value, currency: &str) -> Option<i64> {
    let f = v.as_f64()?;
    let minor = money::from_major_f64(f, currency).ok()?;
    let exp = money::exponent(currency)? as i32;
    let exact = (minor as f64 - f * 10f64.powi(exp)).abs() < 1e-6;
    exact.then_some(minor)
}

/// The mount point's absolute URL: `http://{Host}{prefix}` where the prefix is what
/// `Router::nest` stripped.
fn base_url(headers: &HeaderMap, uri: &Uri, original: &Uri) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    let prefix = original
        .path()
        .strip_suffix(uri.path())
        .unwrap_or("")
        .trim_end_matches('/');
    format!("http://{host}{prefix}")
}

fn authorized(headers: &HeaderMap) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|a| a.trim().split_once(' '))
        .is_some_and(|(scheme, key)| {
            scheme.eq_ignore_ascii_case("bearer") && key.trim() == SANDBOX_API_KEY
        })
}

pub fn router(sim: Arc<SumupSim>) -> Router {
    Router::new()
        .route("/v0.1/{*rest}", any(api))
        .route("/v1.0/{*rest}", any(api))
        .route("/v1/{*rest}", any(api))
        .route("/v2.1/{*rest}", any(api))
        .route("/_sim/pos/sales", post(pos::sim_sale))
        .route("/_sim/pos/transactions", get(pos::sim_transactions))
        .route(
            "/_sim/pos/transactions/{code}/refund",
            post(pos::sim_refund),
        )
        .route("/_sim/checkouts", get(sim_checkouts))
        .route("/_sim/payouts", post(payouts::sim_pay_out))
        .route("/_sim/refunds", get(sim_refunds))
        .route("/_sim/fail", post(sim_fail))
        .route("/_sim/3ds/{id}", get(sim_3ds))
        .with_state(sim)
}

async fn api(
    State(sim): State<Arc<SumupSim>>,
    method: Method,
    uri: Uri,
    OriginalUri(original): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let base = base_url(&headers, &uri, &original);
    let failure = sim.lock().take_failure(&method);
    if let Some(plan) = failure.as_ref().filter(|p| !p.after_write) {
        return injected(plan);
    }
    let (status, value) = if authorized(&headers) {
        dispatch(&sim, &method, &uri, &body, &base)
    } else {
        unauthorized()
    };
    if let Some(plan) = failure {
        return injected(&plan);
    }
    let content_type = if value.get("type").is_some() && value.get("status").is_some() {
        "application/problem+json"
    } else {
        "application/json"
    };
    (
        status,
        [(header::CONTENT_TYPE, content_type)],
        value.to_string(),
    )
        .into_response()
}

fn injected(plan: &Fault) -> Response {
    let status = plan.status;
    let (status, body) = problem(
        status,
        "internal-server-error",
        status.canonical_reason().unwrap_or("Error"),
        "simulated outage",
    );
    (
        status,
        [(header::CONTENT_TYPE, "application/problem+json")],
        body.to_string(),
    )
        .into_response()
}

fn dispatch(
    sim: &SumupSim,
    method: &Method,
    uri: &Uri,
    body: &[u8],
    base: &str,
) -> (StatusCode, Value) {
    let segments: Vec<&str> = uri.path().trim_matches('/').split('/').collect();
    let query: HashMap<String, String> =
        form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
    let json_body = || {
        serde_json::from_slice::<Value>(body)
            .ok()
            .filter(Value::is_object)
    };
    let not_found = || {
        error(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "Resource not found",
            None,
        )
    };
    let pairs: Vec<(String, String)> = form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    match (method.as_str(), segments.as_slice()) {
        ("GET", ["v2.1", "merchants", code, "transactions", "history"]) => {
            pos::history(sim, code, &pairs)
        }
        ("GET", ["v2.1", "merchants", code, "transactions"]) => pos::transaction(sim, code, &pairs),
        ("GET", ["v1.0", "merchants", code, "payouts"]) => payouts::list(sim, code, &query),
        ("GET", ["v1", "merchants", code]) => {
            if *code != SANDBOX_MERCHANT_CODE {
                return problem(
                    StatusCode::NOT_FOUND,
                    "not-found",
                    "Not Found",
                    "The requested Merchant does not exist.",
                );
            }
            (
                StatusCode::OK,
                json!({
                    "merchant_code": SANDBOX_MERCHANT_CODE,
                    "organization_id": "org_beep_sandbox",
                    "business_type": "retail",
                    "country": "DE",
                    "default_currency": "EUR",
                    "default_locale": "de-DE",
                    "business_profile": {"name": "BEEP! Sandbox Shop"},
                }),
            )
        }
        ("POST", ["v0.1", "checkouts"]) => match json_body() {
            Some(b) => create_checkout(sim, &b),
            None => error(
                StatusCode::BAD_REQUEST,
                "INVALID",
                "Request body is not a JSON object",
                None,
            ),
        },
        ("GET", ["v0.1", "checkouts"]) => {
            let reference = query.get("checkout_reference");
            let list: Vec<Value> = sim
                .lock()
                .checkouts
                .iter()
                .filter(|c| reference.is_none_or(|r| *r == c.reference))
                .map(checkout_json)
                .collect();
            (StatusCode::OK, Value::Array(list))
        }
        ("GET", ["v0.1", "checkouts", id]) => {
            let state = sim.lock();
            match state.checkouts.iter().find(|c| c.id == *id) {
                Some(c) => (StatusCode::OK, checkout_json(c)),
                None => not_found(),
            }
        }
        ("PUT", ["v0.1", "checkouts", id]) => match json_body() {
            Some(b) => process_checkout(sim, id, &b, base),
            None => error(
                StatusCode::BAD_REQUEST,
                "INVALID",
                "Request body is not a JSON object",
                None,
            ),
        },
        ("POST", ["v1.0", "merchants", code, "payments", tx, "refunds"]) => {
            // The body is optional: no amount refunds the rest.
            let b = if body.iter().all(u8::is_ascii_whitespace) {
                Some(json!({}))
            } else {
                json_body()
            };
            match b {
                Some(b) => refund(sim, code, tx, &b),
                None => problem(
                    StatusCode::BAD_REQUEST,
                    "bad-request",
                    "Bad Request",
                    "request body must be a JSON object",
                ),
            }
        }
        _ => not_found(),
    }
}

fn create_checkout(sim: &SumupSim, b: &Value) -> (StatusCode, Value) {
    let missing = |p: &str| {
        error(
            StatusCode::BAD_REQUEST,
            "MISSING",
            "Validation error",
            Some(p),
        )
    };
    let Some(reference) = b["checkout_reference"].as_str() else {
        return missing("checkout_reference");
    };
    if reference.is_empty() || reference.len() > MAX_REFERENCE {
        return invalid("checkout_reference");
    }
    let Some(merchant_code) = b["merchant_code"].as_str() else {
        return missing("merchant_code");
    };
    if merchant_code != SANDBOX_MERCHANT_CODE {
        return error(
            StatusCode::FORBIDDEN,
            "FORBIDDEN",
            "Merchant code does not belong to this account",
            Some("merchant_code"),
        );
    }
    let Some(currency) = b["currency"].as_str() else {
        return missing("currency");
    };
    if !CURRENCIES.contains(&currency) {
        return error(
            StatusCode::BAD_REQUEST,
            "INVALID",
            &format!("Currency {currency} is not supported"),
            Some("currency"),
        );
    }
    if b.get("amount").is_none_or(Value::is_null) {
        return missing("amount");
    }
    let amount = match parse_amount(&b["amount"], currency) {
        Some(a) if a > 0 => a,
        _ => return invalid("amount"),
    };
    let text = |k: &str| b[k].as_str().map(str::to_string);
    let mut state = sim.lock();
    if state.checkouts.iter().any(|c| c.reference == reference) {
        return error(
            StatusCode::CONFLICT,
            "DUPLICATED_CHECKOUT",
            "Checkout with this checkout reference and pay to email already exists",
            None,
        );
    }
    let n = state.next_id();
    let checkout = Checkout {
        id: uuid_like(0xc4ec0u32, n),
        reference: reference.to_string(),
        amount,
        currency: currency.to_string(),
        description: text("description"),
        return_url: text("return_url"),
        redirect_url: text("redirect_url"),
        status: "PENDING",
        date: now_rfc3339(),
        transaction: None,
        token: None,
    };
    let answer = checkout_json(&checkout);
    state.checkouts.push(checkout);
    (StatusCode::CREATED, answer)
}

fn process_checkout(sim: &SumupSim, id: &str, b: &Value, base: &str) -> (StatusCode, Value) {
    if b["payment_type"].as_str().is_none() {
        return error(
            StatusCode::BAD_REQUEST,
            "MISSING",
            "Validation error",
            Some("payment_type"),
        );
    }
    if b["payment_type"] != "card" {
        return invalid("payment_type");
    }
    let Some(token) = b["token"].as_str() else {
        return error(
            StatusCode::BAD_REQUEST,
            "MISSING",
            "Validation error",
            Some("token"),
        );
    };
    let outcome = match token {
        "sumup_test_paid" => ("PAID", "SUCCESSFUL"),
        "sumup_test_failed" => ("FAILED", "FAILED"),
        "sumup_test_pending" => ("PENDING", "PENDING"),
        "sumup_test_cancelled" => ("FAILED", "CANCELLED"),
        "sumup_test_3ds" => ("PENDING", "PENDING"),
        _ => return invalid("token"),
    };
    let mut state = sim.lock();
    let n = state.next_id();
    let Some(c) = state.checkouts.iter_mut().find(|c| c.id == id) else {
        return error(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "Resource not found",
            None,
        );
    };
    if c.status != "PENDING" || c.transaction.is_some() {
        return error(
            StatusCode::BAD_REQUEST,
            "CHECKOUT_PROCESSED",
            "Checkout is already processed",
            None,
        );
    }
    c.status = outcome.0;
    c.token = Some(token.to_string());
    c.transaction = Some(Transaction {
        id: uuid_like(0x7a11, n),
        code: format!("TBEEP{n:05}"),
        status: outcome.1,
        timestamp: now_rfc3339(),
        refunded: 0,
    });
    if token == "sumup_test_3ds" {
        // SumUp's `CheckoutAccepted` (public docs): where the shopper passes 3-D Secure.
        return (
            StatusCode::ACCEPTED,
            json!({
                "next_step": {
                    "url": format!("{base}/_sim/3ds/{}", c.id),
                    "method": "GET",
                    "redirect_url": c.redirect_url,
                    "mechanism": ["browser"],
                    "payload": {},
                }
            }),
        );
    }
    (StatusCode::OK, checkout_json(c))
}

fn refund(sim: &SumupSim, code: &str, tx: &str, b: &Value) -> (StatusCode, Value) {
    let not_found = || {
        problem(
            StatusCode::NOT_FOUND,
            "not-found",
            "Not Found",
            "Transaction not found",
        )
    };
    if code != SANDBOX_MERCHANT_CODE {
        return not_found();
    }
    let mut state = sim.lock();
    let n = state.next_id();
    let Some(c) = state
        .checkouts
        .iter_mut()
        .find(|c| c.transaction.as_ref().is_some_and(|t| t.id == tx))
    else {
        return not_found();
    };
    let currency = c.currency.clone();
    let total = c.amount;
    let checkout_id = c.id.clone();
    let t = c.transaction.as_mut().expect("found by its transaction");
    let remaining = total - t.refunded;
    if !matches!(t.status, "SUCCESSFUL" | "REFUNDED") || remaining <= 0 {
        return problem(
            StatusCode::CONFLICT,
            "conflict",
            "Conflict",
            "The transaction is not refundable in its current state",
        );
    }
    let amount = match b.get("amount").filter(|v| !v.is_null()) {
        None => remaining,
        Some(v) => match parse_amount(v, &currency) {
            Some(a) if a > 0 => a,
            _ => {
                return problem(
                    StatusCode::BAD_REQUEST,
                    "bad-request",
                    "Bad Request",
                    "amount must be greater than zero",
                );
            }
        },
    };
    if amount > remaining {
        let (status, mut body) = problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unprocessable-entity",
            "Unprocessable Entity",
            "Refund failed.",
        );
        body["errors"] = json!([{
            "code": "INVALID_AMOUNT",
            "detail": "Amount exceeds the refundable amount",
            "reason": "amount_too_high",
            "max_refundable_amount": major(remaining, &currency),
        }]);
        return (status, body);
    }
    t.refunded += amount;
    if t.refunded == total {
        t.status = "REFUNDED";
    }
    let record = json!({
        "id": n,
        "transaction_id": tx,
        "checkout_id": checkout_id,
        "amount": major(amount, &currency),
        "currency": currency,
        "timestamp": now_rfc3339(),
    });
    state.refunds.push(record);
    (StatusCode::CREATED, json!({}))
}

async fn sim_checkouts(State(sim): State<Arc<SumupSim>>) -> Response {
    axum::Json(sim.checkouts()).into_response()
}

async fn sim_refunds(State(sim): State<Arc<SumupSim>>) -> Response {
    axum::Json(sim.refunds()).into_response()
}

async fn sim_fail(State(sim): State<Arc<SumupSim>>, body: Bytes) -> Response {
    crate::kit::fault::arm(&mut sim.lock().fail, &body)
}

#[derive(Deserialize)]
struct ChallengeQuery {
    #[serde(default)]
    status: Option<String>,
}

/// Stands in for the 3-D Secure challenge page: applies the outcome and sends the shopper
/// to the checkout's `redirect_url`.
async fn sim_3ds(
    State(sim): State<Arc<SumupSim>>,
    Path(id): Path<String>,
    Query(q): Query<ChallengeQuery>,
) -> Response {
    let mut state = sim.lock();
    let Some(c) = state.checkouts.iter_mut().find(|c| c.id == id) else {
        return (StatusCode::NOT_FOUND, "unknown checkout").into_response();
    };
    let pending = c.status == "PENDING"
        && c.transaction
            .as_ref()
            .is_some_and(|t| t.status == "PENDING");
    match q.status.as_deref() {
        None => {
            return (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "text/html")],
                format!("<html><body>SumUp 3-D Secure (simulated) for checkout {id}: add ?status=paid or ?status=failed</body></html>"),
            )
                .into_response();
        }
        Some(_) if !pending => {
            return (StatusCode::CONFLICT, "checkout is not awaiting 3-D Secure").into_response();
        }
        Some("paid") => {
            c.status = "PAID";
            if let Some(t) = c.transaction.as_mut() {
                t.status = "SUCCESSFUL";
            }
        }
        Some("failed") => {
            c.status = "FAILED";
            if let Some(t) = c.transaction.as_mut() {
                t.status = "FAILED";
            }
        }
        Some(_) => {
            return (StatusCode::BAD_REQUEST, "status must be paid or failed").into_response();
        }
    }
    match c.redirect_url.clone() {
        Some(url) => Redirect::to(&url).into_response(),
        None => axum::Json(checkout_json(c)).into_response(),
    }
}

#[cfg(test)]
mod tests;

/// The test payment tokens this simulator knows (`GET /api/v1/sandbox` lists them).
pub const TEST_TOKENS: &[crate::kit::tokens::TestToken] = &[
    crate::kit::tokens::token("sumup_test_paid", "succeeded", "checkout paid"),
    crate::kit::tokens::token("sumup_test_failed", "failed", "checkout failed"),
    crate::kit::tokens::token("sumup_test_cancelled", "canceled", "checkout cancelled"),
    crate::kit::tokens::token("sumup_test_pending", "pending", "checkout pending"),
    crate::kit::tokens::token("sumup_test_3ds", "requires_action", "3-D Secure redirect"),
];

//! Test Mode simulator of the PAYONE Commerce Platform (PCP) API: the subset BEEP!
//! Connect uses, answering the way `api.commerce.payone.com` answers according to
//! `vendor-specs/payone-pcp.yaml` (PAYONE-GmbH/PCP-ServerSDK-java at d6458b861f). Where
//! the spec is silent (authentication errors, test tokens, decline texts) it follows
//! PAYONE's server SDKs and public docs; such places say so.
//!
//! Routes (mounted under `/payone`, so the vendor base URL is `…/payone`):
//!
//! | route | notes |
//! | --- | --- |
//! | `POST /v1/{merchantId}/commerce-cases` | case + one checkout (`checkout.amountOfMoney` required here) |
//! | `GET /v1/{merchantId}/commerce-cases` | search by `merchantReference` / `commerceCaseId`; no criteria → `[]` (as the spec says) |
//! | `GET /v1/{merchantId}/commerce-cases/{commerceCaseId}` | the case and its checkouts |
//! | `GET …/checkouts/{checkoutId}` | the checkout, its payment executions and their events |
//! | `POST …/checkouts/{checkoutId}/payment-executions` | 201 `CreatePaymentResponse`; 402 `ErrorResponse` when declined |
//! | `POST …/payment-executions/{id}/capture` | a PRE_AUTHORIZATION (PENDING_CAPTURE) execution |
//! | `POST …/payment-executions/{id}/cancel` | anything not yet captured |
//! | `POST …/payment-executions/{id}/refund` | never past captured − refunded; `references.merchantReference` unique per checkout (409 otherwise) |
//!
//! Authentication (PAYONE's server SDKs): `Authorization: GCS v1HMAC:{apiKey}:{signature}`,
//! signature = base64 HMAC-SHA256 keyed with the API secret over
//! `METHOD\nContent-Type\nDate\n{x-gcs-* headers as "name:value\n", sorted}{path}[?query]\n`
//! (Content-Type empty when the request has none; the path is the whole request path,
//! `/payone/v1/…` behind the sandbox listener). `Date` is RFC 1123 and must be within 15
//! minutes of the simulator's clock. Anything else is 401 with PCP's `ErrorResponse`
//! (`errorId`, `errors[{errorCode, category, httpStatusCode, id, message}]`); a valid key
//! used on another merchant's path is 403.
//!
//! Amounts (`AmountOfMoney`): the spec says "in cents and always having 2 decimals", so
//! a zero-decimal currency's amount must be a multiple of 100 (JPY ¥1000 = 100000).
//!
//! Test tokens (`cardPaymentMethodSpecificInput.paymentProcessingToken`):
//!
//! | token | outcome |
//! | --- | --- |
//! | `payone_test_ok` | SALE: CAPTURED / COMPLETED (PRE_AUTHORIZATION: PENDING_CAPTURE / PENDING_MERCHANT) |
//! | `payone_test_declined` | 402, `id` CARD_DECLINED; the execution stays REJECTED / UNSUCCESSFUL |
//! | `payone_test_3ds` | REDIRECTED / PENDING_PAYMENT, `merchantAction` REDIRECT to `{base}/_sim/3ds/{paymentExecutionId}` |
//! | `payone_test_pending` | AUTHORIZATION_REQUESTED / PENDING_CONNECT_OR_3RD_PARTY |
//!
//! Any other token is 400 (`INVALID_PAYMENT_PROCESSING_TOKEN`).
//!
//! Test hooks (not PCP; no auth): `GET /_sim/payments` (every execution),
//! `GET /_sim/refunds`, `POST /_sim/fail {"status","times","after","path"}` (the next `times`
//! API requests (whose path contains `path`, if given) answer `status`; with `after` they execute first, as when the answer is
//! lost), `GET /_sim/3ds/{paymentExecutionId}?result=fail` (the shopper's 3-D Secure page:
//! completes the payment, or rejects it; 303 to the `returnUrl` if there was one).

use crate::kit::fault::{Fault, FaultSlot};
use crate::kit::time::now_secs;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, Query, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub const SANDBOX_API_KEY: &str = "BEEPSANDBOXAPIKEY0001";
pub const SANDBOX_API_SECRET: &str = "beep-sandbox-pcp-secret-0f9a1c7e5b3d2a4c6e8f";
pub const SANDBOX_MERCHANT_ID: &str = "1000099991";
/// How far a request's `Date` may be from the simulator's clock.
const MAX_SKEW_SECS: i64 = 15 * 60;

pub fn sandbox_credentials() -> Value {
    json!({
        "apiKey": SANDBOX_API_KEY,
        "apiSecret": SANDBOX_API_SECRET,
        "merchantId": SANDBOX_MERCHANT_ID,
    })
}

// ---- dates (RFC 1123) ---------------------------------------------------------------------

/// `Tue, 15 Nov 1994 08:12:31 GMT` for Unix seconds.
pub fn http_date(secs: i64) -> String {
    crate::kit::time::utc(secs, crate::kit::time::HTTP_DATE)
}

/// Unix seconds of an RFC 1123 date.
pub fn parse_http_date(text: &str) -> Option<i64> {
    crate::kit::time::parse_utc(text, crate::kit::time::HTTP_DATE)
}

fn now_rfc3339() -> String {
    crate::kit::time::utc(now_secs(), crate::kit::time::RFC3339_Z)
}

// ---- signing ------------------------------------------------------------------------------

/// PCP's canonical request for `method`, `headers` and the full request path and query.
pub fn string_to_sign(method: &str, headers: &HeaderMap, path_and_query: &str) -> String {
    let text = |name: header::HeaderName| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let mut gcs: Vec<(String, String)> = headers
        .iter()
        .filter(|(k, _)| k.as_str().starts_with("x-gcs-"))
        .map(|(k, v)| {
            let v = v.to_str().unwrap_or("");
            (
                k.as_str().to_string(),
                v.split(['\r', '\n'])
                    .map(str::trim)
                    .collect::<Vec<_>>()
                    .join(" "),
            )
        })
        .collect();
    gcs.sort();
    let mut s = format!(
        "{method}\n{}\n{}\n",
        text(header::CONTENT_TYPE),
        text(header::DATE)
    );
    for (k, v) in gcs {
        s.push_str(&format!("{k}:{}\n", v.trim()));
    }
    s.push_str(path_and_query);
    s.push('\n');
    s
}

pub fn sign(secret: &str, string_to_sign: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(string_to_sign.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

// ---- state --------------------------------------------------------------------------------

pub struct PayoneSim {
    state: Mutex<SimState>,
}

#[derive(Default)]
struct SimState {
    cases: Vec<Case>,
    refunds: Vec<Value>,
    fail: FaultSlot,
    next_payment: u64,
}

struct Case {
    id: String,
    merchant_reference: Option<String>,
    created: String,
    checkouts: Vec<Checkout>,
}

struct Checkout {
    id: String,
    amount: i64,
    currency: String,
    merchant_reference: Option<String>,
    created: String,
    executions: Vec<Execution>,
}

struct Execution {
    id: String,
    payment_id: String,
    token: String,
    amount: i64,
    currency: String,
    merchant_reference: Option<String>,
    status: &'static str,
    category: &'static str,
    captured: i64,
    refunded: i64,
    return_url: Option<String>,
    events: Vec<Value>,
    created: String,
}

impl PayoneSim {
    pub fn new() -> Arc<PayoneSim> {
        Arc::new(PayoneSim {
            state: Mutex::new(SimState::default()),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, SimState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// PCP's `ErrorResponse`.
fn error(
    status: StatusCode,
    code: &str,
    id: &str,
    message: &str,
    property: Option<&str>,
) -> Response {
    let category = match status.as_u16() {
        401 | 403 => "DIRECT_PLATFORM_ERROR",
        402 => "PAYMENT_PLATFORM_ERROR",
        500.. => "IO_ERROR",
        _ => "COMMERCE_PLATFORM_ERROR",
    };
    let mut e = json!({
        "errorCode": code,
        "category": category,
        "httpStatusCode": status.as_u16(),
        "id": id,
        "message": message,
    });
    if let Some(p) = property {
        e["propertyName"] = json!(p);
    }
    (
        status,
        axum::Json(json!({"errorId": uuid(), "errors": [e]})),
    )
        .into_response()
}

fn bad_request(id: &str, message: &str, property: &str) -> Response {
    error(
        StatusCode::BAD_REQUEST,
        "40000001",
        id,
        message,
        Some(property),
    )
}

fn not_found(what: &str) -> Response {
    error(
        StatusCode::NOT_FOUND,
        "40400001",
        "RESOURCE_NOT_FOUND",
        &format!("{what} not found"),
        None,
    )
}

// ---- JSON views ---------------------------------------------------------------------------

fn amount_json(amount: i64, currency: &str) -> Value {
    json!({"amount": amount, "currencyCode": currency})
}

fn execution_json(e: &Execution) -> Value {
    json!({
        "paymentExecutionId": e.id,
        "paymentId": e.payment_id,
        "cardPaymentMethodSpecificInput": {"paymentProcessingToken": e.token},
        "references": {"merchantReference": e.merchant_reference},
        "creationDateTime": e.created,
        "lastUpdated": now_rfc3339(),
        "events": e.events,
    })
}

fn checkout_json(case: &Case, c: &Checkout) -> Value {
    let collected: i64 = c.executions.iter().map(|e| e.captured).sum();
    let refunded: i64 = c.executions.iter().map(|e| e.refunded).sum();
    let cancelled: i64 = c
        .executions
        .iter()
        .filter(|e| e.status == "CANCELLED")
        .map(|e| e.amount)
        .sum();
    let payment_status = if c.executions.is_empty() {
        "WAITING_FOR_PAYMENT"
    } else if collected >= c.amount {
        "PAYMENT_COMPLETED"
    } else {
        "PAYMENT_NOT_COMPLETED"
    };
    let checkout_status = if collected >= c.amount && collected > 0 {
        "BILLED"
    } else if c.executions.iter().any(|e| e.status == "PENDING_CAPTURE") {
        "COMPLETED"
    } else {
        "OPEN"
    };
    json!({
        "commerceCaseId": case.id,
        "checkoutId": c.id,
        "amountOfMoney": amount_json(c.amount, &c.currency),
        "references": {"merchantReference": c.merchant_reference},
        "paymentExecutions": c.executions.iter().map(execution_json).collect::<Vec<_>>(),
        "checkoutStatus": checkout_status,
        "statusOutput": {
            "paymentStatus": payment_status,
            "isModifiable": c.executions.is_empty(),
            "openAmount": (c.amount - collected).max(0),
            "collectedAmount": collected,
            "cancelledAmount": cancelled,
            "refundedAmount": refunded,
            "chargebackAmount": 0,
        },
        "creationDateTime": c.created,
        "allowedPaymentActions": ["PAYMENT_EXECUTION"],
    })
}

fn case_json(case: &Case) -> Value {
    json!({
        "commerceCaseId": case.id,
        "merchantReference": case.merchant_reference,
        "checkouts": case.checkouts.iter().map(|c| checkout_json(case, c)).collect::<Vec<_>>(),
        "creationDateTime": case.created,
    })
}

fn payment_response_json(e: &Execution) -> Value {
    json!({
        "id": e.payment_id,
        "status": e.status,
        "statusOutput": {
            "statusCategory": e.category,
            "isAuthorized": matches!(e.status, "CAPTURED" | "PENDING_CAPTURE"),
            "isCancellable": matches!(e.status, "PENDING_CAPTURE" | "REDIRECTED" | "AUTHORIZATION_REQUESTED"),
            "isRefundable": e.captured > e.refunded,
        },
        "paymentOutput": {
            "amountOfMoney": amount_json(e.amount, &e.currency),
            "references": {"merchantReference": e.merchant_reference},
            "paymentMethod": "card",
        },
    })
}

fn event(kind: &str, amount: i64, currency: &str, status: &str, reference: Option<&str>) -> Value {
    json!({
        "type": kind,
        "amountOfMoney": amount_json(amount, currency),
        "paymentStatus": status,
        "paymentEventId": uuid(),
        "creationDateTime": now_rfc3339(),
        "merchantReference": reference,
    })
}

/// An `AmountOfMoney` as the spec has it: an integer with two implied decimals.
#[allow(clippy::result_large_err)] // a handler's early answer
fn parse_amount(v: &Value, property: &str, positive: bool) -> Result<(i64, String), Response> {
    let amount = v["amount"].as_i64();
    let currency = v["currencyCode"].as_str().unwrap_or("");
    let min = if positive { 1 } else { 0 };
    let Some(amount) = amount.filter(|a| (min..=999_999_999_999).contains(a)) else {
        return Err(bad_request(
            "INVALID_VALUE",
            "amount must be an integer amount in cents",
            &format!("{property}.amount"),
        ));
    };
    if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(bad_request(
            "INVALID_VALUE",
            "currencyCode must be a three-letter ISO 4217 code",
            &format!("{property}.currencyCode"),
        ));
    }
    if beep_sdk::money::exponent(currency) == Some(0) && amount % 100 != 0 {
        return Err(bad_request(
            "INVALID_VALUE",
            &format!("{currency} has no decimals: the amount (in cents) must be a multiple of 100"),
            &format!("{property}.amount"),
        ));
    }
    Ok((amount, currency.to_string()))
}

// ---- router -------------------------------------------------------------------------------

pub fn router(sim: Arc<PayoneSim>) -> Router {
    let api = Router::new()
        .route(
            "/v1/{merchant}/commerce-cases",
            post(create_case).get(list_cases),
        )
        .route("/v1/{merchant}/commerce-cases/{cc}", get(get_case))
        .route(
            "/v1/{merchant}/commerce-cases/{cc}/checkouts/{co}",
            get(get_checkout),
        )
        .route(
            "/v1/{merchant}/commerce-cases/{cc}/checkouts/{co}/payment-executions",
            post(create_execution),
        )
        .route(
            "/v1/{merchant}/commerce-cases/{cc}/checkouts/{co}/payment-executions/{pe}/{action}",
            post(modify_execution),
        )
        .route_layer(middleware::from_fn_with_state(sim.clone(), authenticate));
    Router::new()
        .merge(api)
        .route("/_sim/payments", get(sim_payments))
        .route("/_sim/refunds", get(sim_refunds))
        .route("/_sim/fail", post(sim_fail))
        .route("/_sim/3ds/{pe}", get(sim_3ds))
        .with_state(sim)
}

/// Verifies the GCS v1HMAC signature and the merchant, then applies a `/_sim/fail` plan.
async fn authenticate(
    State(sim): State<Arc<PayoneSim>>,
    OriginalUri(uri): OriginalUri,
    req: Request,
    next: Next,
) -> Response {
    let unauthorized = |message: &str| {
        error(
            StatusCode::UNAUTHORIZED,
            "40100001",
            "AUTHENTICATION_FAILED",
            message,
            None,
        )
    };
    let headers = req.headers();
    let Some(auth) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return unauthorized("Authentication failed: Authorization header missing");
    };
    let Some((key, signature)) = auth
        .strip_prefix("GCS v1HMAC:")
        .and_then(|rest| rest.rsplit_once(':'))
    else {
        return unauthorized(
            "Authentication failed: Authorization must be GCS v1HMAC:{apiKey}:{signature}",
        );
    };
    if key != SANDBOX_API_KEY {
        return unauthorized("Authentication failed: unknown API key");
    }
    let Some(date) = headers
        .get(header::DATE)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_http_date)
    else {
        return unauthorized("Authentication failed: Date header missing or not RFC 1123");
    };
    if (date - now_secs()).abs() > MAX_SKEW_SECS {
        return unauthorized("Authentication failed: Date is more than 15 minutes off");
    }
    let path = uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| uri.path().to_string());
    let expected = string_to_sign(req.method().as_str(), headers, &path);
    let given = base64::engine::general_purpose::STANDARD
        .decode(signature)
        .unwrap_or_default();
    let mut mac =
        Hmac::<Sha256>::new_from_slice(SANDBOX_API_SECRET.as_bytes()).expect("HMAC takes any key");
    mac.update(expected.as_bytes());
    if mac.verify_slice(&given).is_err() {
        return unauthorized("Authentication failed: the signature does not match the request");
    }
    let merchant = req
        .uri()
        .path()
        .strip_prefix("/v1/")
        .and_then(|p| p.split('/').next())
        .unwrap_or("");
    if merchant != SANDBOX_MERCHANT_ID {
        return error(
            StatusCode::FORBIDDEN,
            "40300001",
            "ACCESS_TO_MERCHANT_NOT_ALLOWED",
            &format!("The API key is not allowed to access merchant {merchant}"),
            None,
        );
    }
    let plan = sim.lock().fail.next(req.method(), uri.path());
    let fail = |p: Fault| {
        error(
            p.status,
            "50000001",
            "GENERAL_ERROR",
            "An internal error occurred (simulated)",
            None,
        )
    };
    match plan {
        Some(p) if !p.after_write => fail(p),
        Some(p) => {
            let _ = next.run(req).await;
            fail(p)
        }
        None => next.run(req).await,
    }
}

#[allow(clippy::result_large_err)] // a handler's early answer
fn parse_json(body: &Bytes) -> Result<Value, Response> {
    serde_json::from_slice(body).map_err(|e| {
        bad_request(
            "INVALID_JSON",
            &format!("The request body is not valid JSON: {e}"),
            "body",
        )
    })
}

async fn create_case(State(sim): State<Arc<PayoneSim>>, body: Bytes) -> Response {
    let body = match parse_json(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let reference = body["merchantReference"].as_str().map(str::to_string);
    if reference.as_ref().is_some_and(|r| r.chars().count() > 40) {
        return bad_request(
            "INVALID_VALUE",
            "merchantReference is longer than 40 characters",
            "merchantReference",
        );
    }
    let checkout = &body["checkout"];
    let (amount, currency) =
        match parse_amount(&checkout["amountOfMoney"], "checkout.amountOfMoney", false) {
            Ok(a) => a,
            Err(r) => return r,
        };
    let now = now_rfc3339();
    let case = Case {
        id: uuid(),
        merchant_reference: reference,
        created: now.clone(),
        checkouts: vec![Checkout {
            id: uuid(),
            amount,
            currency,
            merchant_reference: checkout["references"]["merchantReference"]
                .as_str()
                .map(str::to_string),
            created: now,
            executions: Vec::new(),
        }],
    };
    let c = &case.checkouts[0];
    let answer = json!({
        "commerceCaseId": case.id,
        "merchantReference": case.merchant_reference,
        "checkout": {
            "checkoutId": c.id,
            "amountOfMoney": amount_json(c.amount, &c.currency),
            "references": {"merchantReference": c.merchant_reference},
            "checkoutStatus": "OPEN",
            "statusOutput": checkout_json(&case, c)["statusOutput"],
            "creationDateTime": c.created,
            "allowedPaymentActions": ["PAYMENT_EXECUTION"],
        },
        "creationDateTime": case.created,
    });
    sim.lock().cases.push(case);
    (StatusCode::CREATED, axum::Json(answer)).into_response()
}

async fn list_cases(
    State(sim): State<Arc<PayoneSim>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let reference = q.get("merchantReference");
    let id = q.get("commerceCaseId");
    let offset: usize = q.get("offset").and_then(|v| v.parse().ok()).unwrap_or(0);
    let size: usize = q.get("size").and_then(|v| v.parse().ok()).unwrap_or(50);
    let state = sim.lock();
    if reference.is_none() && id.is_none() {
        // "An empty list will be returned if no criteria was provided."
        return axum::Json(json!([])).into_response();
    }
    let found: Vec<Value> = state
        .cases
        .iter()
        .rev() // descending creation time
        .filter(|c| reference.is_none_or(|r| c.merchant_reference.as_ref() == Some(r)))
        .filter(|c| id.is_none_or(|i| &c.id == i))
        .skip(offset)
        .take(size)
        .map(case_json)
        .collect();
    axum::Json(Value::Array(found)).into_response()
}

async fn get_case(
    State(sim): State<Arc<PayoneSim>>,
    Path((_, cc)): Path<(String, String)>,
) -> Response {
    let state = sim.lock();
    match state.cases.iter().find(|c| c.id == cc) {
        Some(c) => axum::Json(case_json(c)).into_response(),
        None => not_found("Commerce Case"),
    }
}

async fn get_checkout(
    State(sim): State<Arc<PayoneSim>>,
    Path((_, cc, co)): Path<(String, String, String)>,
) -> Response {
    let state = sim.lock();
    let Some(case) = state.cases.iter().find(|c| c.id == cc) else {
        return not_found("Commerce Case");
    };
    match case.checkouts.iter().find(|c| c.id == co) {
        Some(c) => axum::Json(checkout_json(case, c)).into_response(),
        None => not_found("Checkout"),
    }
}

/// The origin and mount prefix of the request, for absolute URLs to the simulator.
fn base_url(headers: &HeaderMap, uri: &axum::http::Uri) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("127.0.0.1");
    let path = uri.path();
    let prefix = path.find("/v1/").map(|i| &path[..i]).unwrap_or("");
    format!("http://{host}{prefix}")
}

async fn create_execution(
    State(sim): State<Arc<PayoneSim>>,
    Path((_, cc, co)): Path<(String, String, String)>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let body = match parse_json(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let card = &body["paymentMethodSpecificInput"]["cardPaymentMethodSpecificInput"];
    let Some(token) = card["paymentProcessingToken"].as_str().map(str::to_string) else {
        return bad_request(
            "MISSING_VALUE",
            "paymentProcessingToken is missing",
            "paymentMethodSpecificInput.cardPaymentMethodSpecificInput.paymentProcessingToken",
        );
    };
    let pre_auth = card["authorizationMode"].as_str() == Some("PRE_AUTHORIZATION")
        || card["authorizationMode"].is_null();
    let specific = &body["paymentExecutionSpecificInput"];
    if !specific["paymentReferences"].is_object() {
        return bad_request(
            "MISSING_VALUE",
            "paymentReferences is required",
            "paymentExecutionSpecificInput.paymentReferences",
        );
    }
    let reference = specific["paymentReferences"]["merchantReference"]
        .as_str()
        .map(str::to_string);
    if reference.as_ref().is_some_and(|r| r.chars().count() > 20) {
        return bad_request(
            "INVALID_VALUE",
            "merchantReference is longer than 20 characters",
            "paymentExecutionSpecificInput.paymentReferences.merchantReference",
        );
    }
    let base = base_url(&headers, &uri);
    let mut state = sim.lock();
    state.next_payment += 1;
    let payment_id = format!("{}_1", 3066019730u64 + state.next_payment);
    let Some(case) = state.cases.iter_mut().find(|c| c.id == cc) else {
        return not_found("Commerce Case");
    };
    let Some(checkout) = case.checkouts.iter_mut().find(|c| c.id == co) else {
        return not_found("Checkout");
    };
    let (amount, currency) = if specific["amountOfMoney"].is_null() {
        (checkout.amount, checkout.currency.clone())
    } else {
        match parse_amount(
            &specific["amountOfMoney"],
            "paymentExecutionSpecificInput.amountOfMoney",
            true,
        ) {
            Ok(a) => a,
            Err(r) => return r,
        }
    };
    if currency != checkout.currency {
        return bad_request(
            "INVALID_VALUE",
            "The currency differs from the Checkout's currency",
            "paymentExecutionSpecificInput.amountOfMoney.currencyCode",
        );
    }
    let taken: i64 = checkout
        .executions
        .iter()
        .filter(|e| !matches!(e.status, "REJECTED" | "CANCELLED"))
        .map(|e| e.amount)
        .sum();
    if taken + amount > checkout.amount {
        return bad_request(
            "AMOUNT_EXCEEDS_CHECKOUT",
            "The amount of the payment exceeds the Checkout amount",
            "paymentExecutionSpecificInput.amountOfMoney.amount",
        );
    }
    let (status, category, kind) = match token.as_str() {
        "payone_test_ok" if pre_auth => ("PENDING_CAPTURE", "PENDING_MERCHANT", "RESERVATION"),
        "payone_test_ok" => ("CAPTURED", "COMPLETED", "SALE"),
        "payone_test_declined" => ("REJECTED", "UNSUCCESSFUL", "SALE"),
        "payone_test_3ds" => ("REDIRECTED", "PENDING_PAYMENT", "SALE"),
        "payone_test_pending" => (
            "AUTHORIZATION_REQUESTED",
            "PENDING_CONNECT_OR_3RD_PARTY",
            "SALE",
        ),
        _ => {
            return bad_request(
                "INVALID_PAYMENT_PROCESSING_TOKEN",
                "The paymentProcessingToken is unknown or expired",
                "paymentMethodSpecificInput.cardPaymentMethodSpecificInput.paymentProcessingToken",
            );
        }
    };
    let exec = Execution {
        id: uuid(),
        payment_id,
        token,
        amount,
        currency: currency.clone(),
        merchant_reference: reference.clone(),
        status,
        category,
        captured: if status == "CAPTURED" { amount } else { 0 },
        refunded: 0,
        return_url: card["returnUrl"].as_str().map(str::to_string),
        events: vec![event(kind, amount, &currency, status, reference.as_deref())],
        created: now_rfc3339(),
    };
    let mut answer = json!({
        "paymentExecutionId": exec.id,
        "payment": payment_response_json(&exec),
        "creationOutput": {"externalReference": exec.payment_id},
    });
    if status == "REDIRECTED" {
        answer["merchantAction"] = json!({
            "actionType": "REDIRECT",
            "redirectData": {"redirectURL": format!("{base}/_sim/3ds/{}", exec.id)},
        });
    }
    checkout.executions.push(exec);
    if status == "REJECTED" {
        // A decline: 402 with the platform's error (the execution stays, REJECTED).
        return error(
            StatusCode::PAYMENT_REQUIRED,
            "30511001",
            "CARD_DECLINED",
            "The card was declined by the issuer",
            None,
        );
    }
    (StatusCode::CREATED, axum::Json(answer)).into_response()
}

async fn modify_execution(
    State(sim): State<Arc<PayoneSim>>,
    Path((_, cc, co, pe, action)): Path<(String, String, String, String, String)>,
    body: Bytes,
) -> Response {
    let body = if body.is_empty() {
        json!({})
    } else {
        match parse_json(&body) {
            Ok(b) => b,
            Err(r) => return r,
        }
    };
    let mut state = sim.lock();
    let SimState { cases, refunds, .. } = &mut *state;
    let Some(case) = cases.iter_mut().find(|c| c.id == cc) else {
        return not_found("Commerce Case");
    };
    let case_reference = case.merchant_reference.clone();
    let Some(checkout) = case.checkouts.iter_mut().find(|c| c.id == co) else {
        return not_found("Checkout");
    };
    let used_references: Vec<String> = checkout
        .executions
        .iter()
        .flat_map(|e| e.events.iter())
        .filter(|ev| matches!(ev["type"].as_str(), Some("REFUND" | "CAPTURE")))
        .filter_map(|ev| ev["merchantReference"].as_str().map(str::to_string))
        .collect();
    let Some(exec) = checkout.executions.iter_mut().find(|e| e.id == pe) else {
        return not_found("Payment Execution");
    };
    match action.as_str() {
        "capture" => {
            if exec.status != "PENDING_CAPTURE" {
                return error(
                    StatusCode::NOT_FOUND,
                    "40400002",
                    "INVALID_STATUS",
                    &format!("The payment cannot be captured in status {}", exec.status),
                    None,
                );
            }
            let amount = body["amount"].as_i64().unwrap_or(exec.amount);
            if amount < 1 || amount > exec.amount {
                return bad_request(
                    "INVALID_VALUE",
                    "The capture amount exceeds the authorized amount",
                    "amount",
                );
            }
            exec.status = "CAPTURED";
            exec.category = "COMPLETED";
            exec.captured = amount;
            let reference = body["references"]["merchantReference"].as_str();
            exec.events.push(event(
                "CAPTURE",
                amount,
                &exec.currency.clone(),
                "CAPTURED",
                reference,
            ));
            let answer = json!({
                "id": exec.payment_id,
                "status": exec.status,
                "statusOutput": payment_response_json(exec)["statusOutput"],
                "captureOutput": {"amountOfMoney": amount_json(amount, &exec.currency), "paymentMethod": "card"},
            });
            (StatusCode::CREATED, axum::Json(answer)).into_response()
        }
        "cancel" => {
            if !matches!(
                exec.status,
                "PENDING_CAPTURE" | "REDIRECTED" | "AUTHORIZATION_REQUESTED"
            ) {
                return error(
                    StatusCode::CONFLICT,
                    "40900001",
                    "PAYMENT_CLOSED",
                    "Cancellation is not allowed because payment is closed",
                    None,
                );
            }
            exec.status = "CANCELLED";
            exec.category = "UNSUCCESSFUL";
            let currency = exec.currency.clone();
            exec.events
                .push(event("REVERSAL", exec.amount, &currency, "CANCELLED", None));
            let answer = json!({"payment": payment_response_json(exec)});
            (StatusCode::OK, axum::Json(answer)).into_response()
        }
        "refund" => {
            let (amount, currency) =
                match parse_amount(&body["amountOfMoney"], "amountOfMoney", true) {
                    Ok(a) => a,
                    Err(r) => return r,
                };
            let reference = body["references"]["merchantReference"]
                .as_str()
                .map(str::to_string);
            if let Some(r) = &reference {
                if r.chars().count() > 20 {
                    return bad_request(
                        "INVALID_VALUE",
                        "merchantReference is longer than 20 characters",
                        "references.merchantReference",
                    );
                }
                if used_references.contains(r) {
                    return error(
                        StatusCode::CONFLICT,
                        "40900002",
                        "DUPLICATE_MERCHANT_REFERENCE",
                        "The merchantReference was already used in this Checkout",
                        None,
                    );
                }
            }
            if currency != exec.currency {
                return bad_request(
                    "INVALID_VALUE",
                    "The currency differs from the payment's currency",
                    "amountOfMoney.currencyCode",
                );
            }
            if exec.captured == 0 {
                return error(
                    StatusCode::NOT_FOUND,
                    "40400003",
                    "INVALID_STATUS",
                    &format!("The payment cannot be refunded in status {}", exec.status),
                    None,
                );
            }
            let left = exec.captured - exec.refunded;
            if amount > left {
                return bad_request(
                    "REFUND_AMOUNT_EXCEEDED",
                    &format!(
                        "The refund amount exceeds the refundable amount ({left} {currency} in cents left)"
                    ),
                    "amountOfMoney.amount",
                );
            }
            exec.refunded += amount;
            let n = exec.events.iter().filter(|e| e["type"] == "REFUND").count() + 2;
            let id = format!("{}_{n}", exec.payment_id.trim_end_matches("_1"));
            let ev = event(
                "REFUND",
                amount,
                &currency,
                "REFUNDED",
                reference.as_deref(),
            );
            exec.events.push(ev.clone());
            let reason = body["return"]["returnReason"].as_str();
            refunds.push(json!({
                "id": id,
                "paymentEventId": ev["paymentEventId"],
                "commerceCaseId": cc,
                "checkoutId": co,
                "paymentExecutionId": pe,
                "caseMerchantReference": case_reference,
                "amountOfMoney": amount_json(amount, &currency),
                "merchantReference": reference,
                "returnReason": reason,
                "status": "REFUNDED",
            }));
            let answer = json!({
                "id": id,
                "status": "REFUNDED",
                "statusOutput": {"statusCategory": "REFUNDED", "isRefundable": exec.captured > exec.refunded},
                "refundOutput": {
                    "amountOfMoney": amount_json(amount, &currency),
                    "references": {"merchantReference": reference},
                    "paymentMethod": "card",
                },
            });
            (StatusCode::CREATED, axum::Json(answer)).into_response()
        }
        _ => not_found("Operation"),
    }
}

// ---- test hooks ---------------------------------------------------------------------------

async fn sim_payments(State(sim): State<Arc<PayoneSim>>) -> Response {
    let state = sim.lock();
    let list: Vec<Value> = state
        .cases
        .iter()
        .flat_map(|case| {
            case.checkouts.iter().flat_map(move |c| {
                c.executions.iter().map(move |e| {
                    json!({
                        "commerceCaseId": case.id,
                        "checkoutId": c.id,
                        "paymentExecutionId": e.id,
                        "paymentId": e.payment_id,
                        "caseMerchantReference": case.merchant_reference,
                        "merchantReference": e.merchant_reference,
                        "token": e.token,
                        "amountOfMoney": amount_json(e.amount, &e.currency),
                        "status": e.status,
                        "statusCategory": e.category,
                        "captured": e.captured,
                        "refunded": e.refunded,
                    })
                })
            })
        })
        .collect();
    axum::Json(Value::Array(list)).into_response()
}

async fn sim_refunds(State(sim): State<Arc<PayoneSim>>) -> Response {
    axum::Json(Value::Array(sim.lock().refunds.clone())).into_response()
}

async fn sim_fail(State(sim): State<Arc<PayoneSim>>, body: Bytes) -> Response {
    crate::kit::fault::arm(&mut sim.lock().fail, &body)
}

async fn sim_3ds(
    State(sim): State<Arc<PayoneSim>>,
    Path(pe): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    method: Method,
) -> Response {
    let _ = method;
    let fail = q.get("result").map(String::as_str) == Some("fail");
    let mut state = sim.lock();
    let exec = state
        .cases
        .iter_mut()
        .flat_map(|c| c.checkouts.iter_mut())
        .flat_map(|c| c.executions.iter_mut())
        .find(|e| e.id == pe && e.status == "REDIRECTED");
    let Some(exec) = exec else {
        return not_found("Payment Execution awaiting authentication");
    };
    let (status, category) = if fail {
        ("REJECTED", "UNSUCCESSFUL")
    } else {
        ("CAPTURED", "COMPLETED")
    };
    exec.status = status;
    exec.category = category;
    if !fail {
        exec.captured = exec.amount;
    }
    let currency = exec.currency.clone();
    let reference = exec.merchant_reference.clone();
    exec.events.push(event(
        "SALE",
        exec.amount,
        &currency,
        status,
        reference.as_deref(),
    ));
    match &exec.return_url {
        Some(url) => (StatusCode::SEE_OTHER, [(header::LOCATION, url.clone())]).into_response(),
        None => axum::Json(json!({"paymentExecutionId": pe, "status": status})).into_response(),
    }
}

#[cfg(test)]
mod tests;

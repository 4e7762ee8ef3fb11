//! Test Mode simulator of the Mollie API: the subset BEEP! Connect uses, answering the way
//! `api.mollie.com` answers according to `vendor-specs/mollie.yaml` (OpenAPI 3.1, mollie/openapi
//! at cfbba47b87). Where the spec is silent (idempotency, test outcomes, most error texts)
//! it follows Mollie's public documentation; such places say so.
//!
//! Mollie routes (relative to the vendor base URL, e.g. mounted under `/mollie`):
//!
//! | route | notes |
//! | --- | --- |
//! | `GET /v2/methods` | enabled payment methods: a cheap authenticated read |
//! | `POST /v2/payments` | create a payment (JSON body, or form body with `a[b]` nesting) |
//! | `GET /v2/payments` | list, newest first; `from`/`limit` (≤ 250)/`sort` paging |
//! | `GET /v2/payments/{id}` | retrieve; `embed=refunds` embeds the refunds |
//! | `POST /v2/payments/{id}/refunds` | refund (partial or full, never past what is left) |
//! | `GET /v2/payments/{id}/refunds` | list the payment's refunds |
//! | `GET /v2/payments/{id}/refunds/{refundId}` | retrieve a refund |
//!
//! Behaviour shared by every route: `Authorization: Bearer test_…` (anything else is
//! Mollie's 401), answers are `application/hal+json` with HAL `_links`, errors are
//! `{status, title, detail, field?, _links.documentation}`. `POST` honours
//! `Idempotency-Key`: a key is kept 24 hours per API key; a repeat of the same request
//! replays the stored answer with `Idempotent-Replayed: true`; a repeat while the first is
//! still executing is `409 Conflict`; the same key with a different request is a 422 (the
//! spec and docs say nothing about that case; Stripe-style refusal chosen). Only answers of
//! requests that took effect (2xx) are stored, so a refused request may be corrected and
//! retried under the same key.
//!
//! # Test outcomes (the BEEP! `paymentMethod` token)
//!
//! Real Mollie test mode lets the shopper pick the outcome on a hosted checkout page. The
//! simulator decides deterministically from the payment's `method` (the connector sends
//! the BEEP! `paymentMethod` token as Mollie's `method`):
//!
//! | `method` | outcome |
//! | --- | --- |
//! | `mollie_test_paid` | `paid` at once (a test card payment); `authorized` with `captureMode: manual` |
//! | `mollie_test_authorized` | `authorized` (a hold, not captured) |
//! | `mollie_test_pending` | `pending` (e.g. a card payment still processing) |
//! | `mollie_test_open` | `open` with `_links.checkout` (the shopper must act) |
//! | `mollie_test_failed` | `failed`, `details.failureReason: card_declined` |
//! | `mollie_test_failed_{reason}` | `failed` with that `failureReason` (e.g. `insufficient_funds`) |
//! | `mollie_test_canceled` / `mollie_test_expired` | `canceled` / `expired` |
//! | `creditcard` with `cardToken: tkn_…` | `paid` at once (a Mollie Components card token) |
//! | `pointofsale` with `terminalId: term_…` | `open` without a checkout link (waits for the terminal) |
//! | any other Mollie method, a list of methods, or none | `open` with `_links.checkout`, as real test mode |
//!
//! The checkout link points at `GET /_sim/checkout/{id}?status=paid|failed|canceled|expired`,
//! which stands in for the hosted page: it applies the outcome and redirects to the
//! payment's `redirectUrl`.
//!
//! Test hooks (not Mollie; no auth) under `/_sim/`: `GET payments`, `GET refunds`,
//! `GET events` (status changes Mollie would call the `webhookUrl` for, each with the form
//! body `id=tr_…` to deliver), `POST fail {"status","times","after"?,"retryAfter"?}`,
//! `POST delay {"ms","times","stage"?}`, `POST reset`, `POST payments/{id}/status
//! {"status","failureReason"?}`, `POST refunds/{id}/status {"status"}`,
//! `GET checkout/{id}`.

use crate::kit::fault::{Fault, FaultSlot};
use crate::kit::time::now_secs as now;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use beep_sdk::money;
use rand::Rng as _;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The API key the simulator accepts (see [`sandbox_credentials`]). Mollie keys are
/// `test_`/`live_` and 30 alphanumerics.
pub const SANDBOX_API_KEY: &str = "test_BeepSandboxMollieKey0000000000";
/// The website profile the sandbox key belongs to.
pub const SANDBOX_PROFILE_ID: &str = "pfl_BeepSandbox";

/// Mollie keeps idempotency keys for 24 hours.
const IDEMPOTENCY_TTL: Duration = Duration::from_secs(24 * 3600);
/// Two identical refunds without an idempotency key this close together are refused as
/// duplicates (the spec's 409 "A duplicate refund has been detected"; the window is not
/// documented).
const DUPLICATE_REFUND_WINDOW: Duration = Duration::from_secs(60);
/// Open payments expire after 15 minutes at Mollie (the simulator only reports it).
const OPEN_EXPIRY_SECS: i64 = 15 * 60;
/// Mollie's "about 1 kB" of metadata.
const MAX_METADATA_BYTES: usize = 1024;
/// Mollie's payment currencies (docs.mollie.com, multicurrency). The spec's `currencies`
/// enum lists settlement currencies only. KWD, BHD and other three-decimal currencies are
/// not among them.
const CURRENCIES: &[&str] = &[
    "AED", "AUD", "BGN", "BRL", "CAD", "CHF", "CZK", "DKK", "EUR", "GBP", "HKD", "HUF", "ILS",
    "ISK", "JPY", "MXN", "MYR", "NOK", "NZD", "PHP", "PLN", "RON", "RUB", "SEK", "SGD", "THB",
    "TWD", "USD", "ZAR",
];
/// The highest amount the simulator takes, in major units (Mollie's limits are per
/// method; this one stands for "higher than the maximum allowed amount").
const MAX_MAJOR: i64 = 1_000_000;
/// `components.schemas.method.enum`.
const METHODS: &[&str] = &[
    "alma",
    "applepay",
    "bacs",
    "bancomatpay",
    "bancontact",
    "banktransfer",
    "belfius",
    "billie",
    "billink",
    "bizum",
    "blik",
    "creditcard",
    "directdebit",
    "eps",
    "giftcard",
    "ideal",
    "in3",
    "kbc",
    "klarna",
    "mbway",
    "mobilepay",
    "multibanco",
    "mybank",
    "paybybank",
    "paypal",
    "paysafecard",
    "pointofsale",
    "przelewy24",
    "riverty",
    "satispay",
    "swish",
    "trustly",
    "twint",
    "vipps",
    "voucher",
];
/// `components.schemas.payment-details-failure-reason-response.enum`.
const FAILURE_REASONS: &[&str] = &[
    "authentication_abandoned",
    "authentication_failed",
    "authentication_required",
    "authentication_unavailable_acs",
    "card_declined",
    "card_expired",
    "inactive_card",
    "insufficient_funds",
    "invalid_cvv",
    "invalid_card_holder_name",
    "invalid_card_number",
    "invalid_card_type",
    "possible_fraud",
    "refused_by_issuer",
    "unknown_reason",
];
/// The test-outcome prefix of `method` (see the module docs).
const TEST_PREFIX: &str = "mollie_test_";

/// The config object a merchant passes to `configurePSP` that works against the simulator.
/// The outcome of a payment is chosen by its `paymentMethod` token (module docs):
/// `mollie_test_paid`, `mollie_test_failed`, `mollie_test_open`, `mollie_test_pending`,
/// `mollie_test_authorized`, `mollie_test_canceled`, `mollie_test_expired`.
pub fn sandbox_credentials() -> Value {
    json!({ "apiKey": SANDBOX_API_KEY })
}

/// The simulated Mollie account: all state in memory behind one mutex (never held across
/// an `.await`).
pub struct MollieSim {
    state: Mutex<SimState>,
}

#[derive(Default)]
struct SimState {
    api_keys: Vec<String>,
    payments: Vec<PaymentObj>,
    payment_index: HashMap<String, usize>,
    refunds: Vec<RefundObj>,
    refund_index: HashMap<String, usize>,
    events: Vec<Value>,
    /// (API key, Idempotency-Key) → the first request and, once done, its answer.
    idempotency: HashMap<(String, String), IdemEntry>,
    fail: FaultSlot,
    delay: Option<DelayPlan>,
}

struct IdemEntry {
    endpoint: String,
    body: Value,
    created: Instant,
    /// `None` while the first request is still executing.
    answer: Option<(StatusCode, Value)>,
}

#[derive(Clone, Copy, Debug, Deserialize)]
struct DelayPlan {
    ms: u64,
    #[serde(default = "one")]
    times: u32,
    /// `response` (default): execute, store, then hold the answer back. `processing`: hold
    /// the request while its idempotency key is in flight (a concurrent repeat sees 409).
    #[serde(default)]
    stage: DelayStage,
}

#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum DelayStage {
    #[default]
    Response,
    Processing,
}

fn one() -> u32 {
    1
}

/// `components.schemas.payment-status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    Open,
    Pending,
    Authorized,
    Paid,
    Canceled,
    Expired,
    Failed,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Pending => "pending",
            Status::Authorized => "authorized",
            Status::Paid => "paid",
            Status::Canceled => "canceled",
            Status::Expired => "expired",
            Status::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Option<Status> {
        Some(match s {
            "open" => Status::Open,
            "pending" => Status::Pending,
            "authorized" => Status::Authorized,
            "paid" => Status::Paid,
            "canceled" => Status::Canceled,
            "expired" => Status::Expired,
            "failed" => Status::Failed,
            _ => return None,
        })
    }

    /// Statuses a payment never leaves.
    fn is_final(self) -> bool {
        matches!(
            self,
            Status::Paid | Status::Canceled | Status::Expired | Status::Failed
        )
    }
}

/// `components.schemas.refund-status`.
const REFUND_STATUSES: &[&str] = &[
    "queued",
    "pending",
    "processing",
    "refunded",
    "failed",
    "canceled",
];

#[derive(Clone)]
struct PaymentObj {
    id: String,
    created_at: i64,
    amount: i64,
    currency: String,
    description: String,
    /// The method used (shown); `None` while the shopper has not chosen.
    method: Option<String>,
    status: Status,
    redirect_url: Option<String>,
    cancel_url: Option<String>,
    webhook_url: Option<String>,
    metadata: Value,
    locale: Option<String>,
    capture_mode: Option<String>,
    details: Option<Value>,
    /// Whether the hosted checkout waits for the shopper (`_links.checkout`).
    checkout: bool,
    expires_at: Option<i64>,
    authorized_at: Option<i64>,
    paid_at: Option<i64>,
    canceled_at: Option<i64>,
    expired_at: Option<i64>,
    failed_at: Option<i64>,
}

#[derive(Clone)]
struct RefundObj {
    id: String,
    payment_id: String,
    amount: i64,
    currency: String,
    description: String,
    metadata: Value,
    status: &'static str,
    created_at: i64,
    /// For duplicate detection of refunds sent without an idempotency key.
    created: Instant,
    had_idempotency_key: bool,
}

impl RefundObj {
    /// Counts against what is left to refund.
    fn counts(&self) -> bool {
        !matches!(self.status, "failed" | "canceled")
    }
}

// ---- small helpers ------------------------------------------------------------------------

/// `2024-03-20T09:13:37+00:00` (the spec's timestamp format) from Unix seconds.
fn iso(ts: i64) -> String {
    crate::kit::time::utc(ts, crate::kit::time::RFC3339_OFFSET)
}

/// `prefix` + random alphanumerics, the shape of Mollie's ids (`tr_5B8cwPMGnU`).
fn new_id(prefix: &str, len: usize) -> String {
    let mut rng = rand::rng();
    let tail: String = (0..len)
        .map(|_| rng.sample(rand::distr::Alphanumeric) as char)
        .collect();
    format!("{prefix}{tail}")
}

/// `{"value": "10.00", "currency": "EUR"}` with the currency's exact decimals.
fn amount_json(minor: i64, currency: &str) -> Value {
    let value = money::to_major_string(&money::money(minor, currency))
        .unwrap_or_else(|_| minor.to_string());
    json!({ "value": value, "currency": currency })
}

fn link(href: String, kind: &str) -> Value {
    json!({ "href": href, "type": kind })
}

fn doc_link(path: &str) -> Value {
    link(
        format!("https://docs.mollie.com/reference/{path}"),
        "text/html",
    )
}

fn is_http_url(s: &str) -> bool {
    (s.starts_with("https://") || s.starts_with("http://"))
        && s.split_once("://").is_some_and(|(_, rest)| {
            !rest.is_empty() && !rest.starts_with('/') && !rest.contains(char::is_whitespace)
        })
}

/// The hosted checkout's stand-in (see the module docs).
fn checkout_url(base: &str, id: &str) -> String {
    format!("{base}/_sim/checkout/{id}")
}

fn failure_message(reason: &str) -> &'static str {
    match reason {
        "card_declined" | "refused_by_issuer" => "Your card was declined.",
        "insufficient_funds" => "The card has insufficient funds.",
        "card_expired" => "The card has expired.",
        "inactive_card" => "The card is not active.",
        "invalid_cvv" => "The security code of the card is invalid.",
        "invalid_card_number" => "The card number is invalid.",
        "invalid_card_holder_name" => "The card holder name is invalid.",
        "invalid_card_type" => "This card type is not accepted.",
        "possible_fraud" => "The payment was declined because fraud is suspected.",
        "authentication_abandoned" => "The 3-D Secure authentication was abandoned.",
        "authentication_failed" => "The 3-D Secure authentication failed.",
        "authentication_required" => "3-D Secure authentication is required.",
        "authentication_unavailable_acs" => "3-D Secure authentication is unavailable.",
        _ => "The payment failed.",
    }
}

/// Details of the simulated test card (`components.schemas.payment-details`).
fn card_details() -> Value {
    json!({
        "cardNumber": "6787",
        "cardHolder": "T. TEST",
        "cardFingerprint": "BeepSandboxCardFingerprint",
        "cardAudience": "consumer",
        "cardLabel": "Mastercard",
        "cardCountryCode": "NL",
        "cardSecurity": "normal",
        "feeRegion": "intra-eu"
    })
}

// ---- errors -------------------------------------------------------------------------------

/// Mollie's error object (`components.schemas.error-response`).
#[derive(Debug)]
struct ApiError {
    status: StatusCode,
    detail: String,
    field: Option<String>,
}

impl ApiError {
    fn new(status: u16, detail: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
            detail: detail.into(),
            field: None,
        }
    }
    /// 422 Unprocessable Entity about `field`.
    fn unprocessable(field: &str, detail: impl Into<String>) -> Self {
        ApiError {
            field: Some(field.into()),
            ..Self::new(422, detail)
        }
    }
    fn body(&self) -> Value {
        error_body(self.status, &self.detail, self.field.as_deref())
    }
}

fn missing(field: &str) -> ApiError {
    ApiError::unprocessable(field, format!("The '{field}' field is missing"))
}

fn title(status: StatusCode) -> &'static str {
    match status.as_u16() {
        401 => "Unauthorized Request",
        s => StatusCode::from_u16(s)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("Error"),
    }
}

fn error_body(status: StatusCode, detail: &str, field: Option<&str>) -> Value {
    let mut body = json!({
        "status": status.as_u16(),
        "title": title(status),
        "detail": detail,
    });
    if let Some(f) = field {
        body["field"] = Value::String(f.to_string());
    }
    body["_links"] = json!({
        "documentation": {
            "href": "https://docs.mollie.com/overview/handling-errors",
            "type": "text/html"
        }
    });
    body
}

/// The result of executing one API request.
struct Outcome {
    status: StatusCode,
    body: Value,
}

impl From<ApiError> for Outcome {
    fn from(e: ApiError) -> Self {
        Outcome {
            status: e.status,
            body: e.body(),
        }
    }
}

// ---- request bodies -----------------------------------------------------------------------

/// Decodes a form body with bracket nesting (`amount[value]=10.00` →
/// `{"amount":{"value":"10.00"}}`), as Mollie's curl examples send it. Values stay
/// strings; `method[]=a&method[]=b` becomes a list.
fn parse_form(input: &[u8]) -> Result<Map<String, Value>, String> {
    let mut root = Map::new();
    for (key, value) in form_urlencoded::parse(input) {
        let mut parts: Vec<&str> = Vec::new();
        let (head, mut rest) = key.split_once('[').map_or((&*key, ""), |(h, r)| (h, r));
        if head.is_empty() {
            return Err(format!("invalid form key {key:?}"));
        }
        parts.push(head);
        while !rest.is_empty() {
            let (inner, after) = rest
                .split_once(']')
                .ok_or_else(|| format!("invalid form key {key:?}"))?;
            parts.push(inner);
            rest = after.strip_prefix('[').unwrap_or(after);
        }
        let mut node = &mut root;
        for (i, part) in parts.iter().enumerate() {
            let last = i + 1 == parts.len();
            let next_is_list = parts.get(i + 1) == Some(&"");
            if last || next_is_list {
                let v = Value::String(value.clone().into_owned());
                if next_is_list {
                    match node
                        .entry(part.to_string())
                        .or_insert_with(|| Value::Array(Vec::new()))
                    {
                        Value::Array(items) => items.push(v),
                        _ => return Err(format!("conflicting form key {key:?}")),
                    }
                } else {
                    node.insert(part.to_string(), v);
                }
                break;
            }
            node = match node
                .entry(part.to_string())
                .or_insert_with(|| Value::Object(Map::new()))
            {
                Value::Object(m) => m,
                _ => return Err(format!("conflicting form key {key:?}")),
            };
        }
    }
    Ok(root)
}

/// A string field; `null` counts as absent.
fn opt_str(body: &Map<String, Value>, field: &str) -> Result<Option<String>, ApiError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ApiError::unprocessable(
            field,
            format!("The '{field}' field must be a string"),
        )),
    }
}

/// `amount{currency,value}` → minor units: the currency must be one Mollie takes and the
/// value a string with exactly the currency's decimals ("10.00", JPY "1000").
fn parse_amount(value: Option<&Value>, field: &str) -> Result<(i64, String), ApiError> {
    let obj = match value {
        None | Some(Value::Null) => return Err(missing(field)),
        Some(Value::Object(o)) => o,
        Some(_) => {
            return Err(ApiError::unprocessable(
                field,
                "The amount must be an object with a currency and a value",
            ));
        }
    };
    let currency = match obj.get("currency") {
        Some(Value::String(c)) => c.clone(),
        _ => return Err(missing(&format!("{field}.currency"))),
    };
    let raw = match obj.get("value") {
        Some(Value::String(v)) => v.clone(),
        Some(Value::Number(_)) => {
            return Err(ApiError::unprocessable(
                &format!("{field}.value"),
                "The amount contains an invalid value: send it as a string, e.g. \"10.00\"",
            ));
        }
        _ => return Err(missing(&format!("{field}.value"))),
    };
    if !CURRENCIES.contains(&currency.as_str()) {
        return Err(ApiError::unprocessable(
            &format!("{field}.currency"),
            format!("The currency '{currency}' is not supported"),
        ));
    }
    let exp = money::exponent(&currency).unwrap_or(2) as usize;
    let (int_part, frac) = match raw.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (raw.as_str(), None),
    };
    let exact = !int_part.is_empty()
        && int_part.bytes().all(|b| b.is_ascii_digit())
        && match frac {
            None => exp == 0,
            Some(f) => exp > 0 && f.len() == exp && f.bytes().all(|b| b.is_ascii_digit()),
        };
    if !exact {
        let example = money::to_major_string(&money::money(1000, &currency)).unwrap_or_default();
        return Err(ApiError::unprocessable(
            &format!("{field}.value"),
            format!(
                "The amount contains an invalid value '{raw}': {currency} amounts have exactly {exp} decimals (e.g. \"{example}\")"
            ),
        ));
    }
    let minor = money::from_major_str(&raw, &currency).map_err(|_| {
        ApiError::unprocessable(
            &format!("{field}.value"),
            format!("The amount contains an invalid value '{raw}'"),
        )
    })?;
    Ok((minor, currency))
}

// ---- objects ------------------------------------------------------------------------------

impl SimState {
    fn refunded(&self, payment_id: &str) -> i64 {
        self.refunds
            .iter()
            .filter(|r| r.payment_id == payment_id && r.counts())
            .map(|r| r.amount)
            .sum()
    }

    fn has_refunds(&self, payment_id: &str) -> bool {
        self.refunds.iter().any(|r| r.payment_id == payment_id)
    }

    /// The payment object (`components.schemas.payment-response`).
    fn payment_json(&self, p: &PaymentObj, base: &str) -> Value {
        let mut o = Map::new();
        o.insert("resource".into(), json!("payment"));
        o.insert("id".into(), json!(p.id));
        o.insert("mode".into(), json!("test"));
        o.insert("createdAt".into(), json!(iso(p.created_at)));
        o.insert("amount".into(), amount_json(p.amount, &p.currency));
        if p.status == Status::Paid {
            let refunded = self.refunded(&p.id);
            o.insert("amountRefunded".into(), amount_json(refunded, &p.currency));
            o.insert(
                "amountRemaining".into(),
                amount_json(p.amount - refunded, &p.currency),
            );
            o.insert("amountCaptured".into(), amount_json(p.amount, &p.currency));
        }
        o.insert("description".into(), json!(p.description));
        o.insert("method".into(), json!(p.method));
        o.insert("metadata".into(), p.metadata.clone());
        o.insert("status".into(), json!(p.status.as_str()));
        if !p.status.is_final() {
            o.insert(
                "isCancelable".into(),
                json!(matches!(p.status, Status::Open | Status::Authorized)),
            );
        }
        let times = [
            ("expiresAt", p.expires_at.filter(|_| !p.status.is_final())),
            ("authorizedAt", p.authorized_at),
            ("paidAt", p.paid_at),
            ("canceledAt", p.canceled_at),
            ("expiredAt", p.expired_at),
            ("failedAt", p.failed_at),
        ];
        for (name, t) in times {
            if let Some(t) = t {
                o.insert(name.into(), json!(iso(t)));
            }
        }
        if let Some(l) = &p.locale {
            o.insert("locale".into(), json!(l));
        }
        o.insert("profileId".into(), json!(SANDBOX_PROFILE_ID));
        o.insert("sequenceType".into(), json!("oneoff"));
        if let Some(u) = &p.redirect_url {
            o.insert("redirectUrl".into(), json!(u));
        }
        if let Some(u) = &p.cancel_url {
            o.insert("cancelUrl".into(), json!(u));
        }
        if let Some(u) = &p.webhook_url {
            o.insert("webhookUrl".into(), json!(u));
        }
        if let Some(m) = &p.capture_mode {
            o.insert("captureMode".into(), json!(m));
        }
        o.insert("details".into(), p.details.clone().unwrap_or(Value::Null));

        let self_href = format!("{base}/v2/payments/{}", p.id);
        let mut links = Map::new();
        links.insert(
            "self".into(),
            link(self_href.clone(), "application/hal+json"),
        );
        if p.checkout && p.status == Status::Open {
            links.insert(
                "checkout".into(),
                link(checkout_url(base, &p.id), "text/html"),
            );
        }
        links.insert(
            "dashboard".into(),
            link(
                format!(
                    "https://my.mollie.com/dashboard/org_BeepSandbox/payments/{}",
                    p.id
                ),
                "text/html",
            ),
        );
        if self.has_refunds(&p.id) {
            links.insert(
                "refunds".into(),
                link(format!("{self_href}/refunds"), "application/hal+json"),
            );
        }
        links.insert("documentation".into(), doc_link("get-payment"));
        o.insert("_links".into(), Value::Object(links));
        Value::Object(o)
    }

    /// The refund object (`components.schemas.entity-refund-response`).
    fn refund_json(&self, r: &RefundObj, base: &str) -> Value {
        let payment_href = format!("{base}/v2/payments/{}", r.payment_id);
        json!({
            "resource": "refund",
            "id": r.id,
            "mode": "test",
            "description": r.description,
            "amount": amount_json(r.amount, &r.currency),
            "metadata": r.metadata,
            "paymentId": r.payment_id,
            "status": r.status,
            "createdAt": iso(r.created_at),
            "_links": {
                "self": link(format!("{payment_href}/refunds/{}", r.id), "application/hal+json"),
                "payment": link(payment_href, "application/hal+json"),
                "documentation": doc_link("get-refund"),
            }
        })
    }

    fn payment_mut(&mut self, id: &str) -> Option<&mut PaymentObj> {
        let i = *self.payment_index.get(id)?;
        self.payments.get_mut(i)
    }

    fn payment(&self, id: &str) -> Result<&PaymentObj, ApiError> {
        self.payment_index
            .get(id)
            .and_then(|i| self.payments.get(*i))
            .ok_or_else(|| ApiError::new(404, format!("No payment exists with token {id}.")))
    }

    /// Records a change Mollie would call the payment's `webhookUrl` for (refund changes
    /// go to the payment's webhook too, carrying the payment id).
    fn record_event(&mut self, payment_id: &str, refund_id: Option<&str>, status: &str) {
        let webhook_url = self
            .payment_index
            .get(payment_id)
            .and_then(|i| self.payments.get(*i))
            .and_then(|p| p.webhook_url.clone());
        self.events.push(json!({
            "id": new_id("evt_", 12),
            "resource": if refund_id.is_some() { "refund" } else { "payment" },
            "paymentId": payment_id,
            "refundId": refund_id,
            "status": status,
            "webhookUrl": webhook_url,
            "body": format!("id={payment_id}"),
            "createdAt": iso(now()),
        }));
    }

    /// Moves a payment to `status` (the shopper, the bank or a test), with its timestamps.
    fn set_status(
        &mut self,
        id: &str,
        status: Status,
        failure_reason: Option<&str>,
    ) -> Result<(), String> {
        let t = now();
        let p = self
            .payment_mut(id)
            .ok_or_else(|| format!("no payment {id}"))?;
        if p.status.is_final() {
            return Err(format!(
                "payment {id} is {} already, a final status",
                p.status.as_str()
            ));
        }
        if status == p.status {
            return Ok(());
        }
        p.status = status;
        match status {
            Status::Authorized => p.authorized_at = Some(t),
            Status::Paid => p.paid_at = Some(t),
            Status::Canceled => p.canceled_at = Some(t),
            Status::Expired => p.expired_at = Some(t),
            Status::Failed => p.failed_at = Some(t),
            Status::Open | Status::Pending => {}
        }
        if status != Status::Open {
            p.checkout = false;
        }
        if matches!(status, Status::Paid | Status::Authorized | Status::Failed)
            && p.method.is_none()
        {
            // The shopper chose a card on the checkout page.
            p.method = Some("creditcard".into());
            p.details = Some(card_details());
        }
        if status == Status::Failed {
            let reason = failure_reason.unwrap_or("card_declined");
            let details = p.details.get_or_insert_with(|| json!({}));
            details["failureReason"] = json!(reason);
            details["failureMessage"] = json!(failure_message(reason));
        }
        self.record_event(id, None, status.as_str());
        Ok(())
    }

    // ---- endpoints ----------------------------------------------------------------------

    fn methods(&self, base: &str) -> Outcome {
        let method = |id: &str, description: &str, min: &str, max: &str| {
            json!({
                "resource": "method",
                "id": id,
                "description": description,
                "minimumAmount": {"value": min, "currency": "EUR"},
                "maximumAmount": {"value": max, "currency": "EUR"},
                "image": {
                    "size1x": format!("https://www.mollie.com/external/icons/payment-methods/{id}.png"),
                    "size2x": format!("https://www.mollie.com/external/icons/payment-methods/{id}%402x.png"),
                    "svg": format!("https://www.mollie.com/external/icons/payment-methods/{id}.svg"),
                },
                "status": "activated",
                "_links": {
                    "self": link(format!("{base}/v2/methods/{id}"), "application/hal+json"),
                }
            })
        };
        let methods = vec![
            method("creditcard", "Card", "0.01", "10000.00"),
            method("ideal", "iDEAL", "0.01", "50000.00"),
            method("bancontact", "Bancontact", "0.02", "50000.00"),
            method("paypal", "PayPal", "0.01", "8000.00"),
            method("banktransfer", "Bank transfer", "0.01", "1000000.00"),
            method("pointofsale", "Point of sale", "0.01", "50000.00"),
        ];
        Outcome {
            status: StatusCode::OK,
            body: json!({
                "count": methods.len(),
                "_embedded": {"methods": methods},
                "_links": {
                    "self": link(format!("{base}/v2/methods"), "application/hal+json"),
                    "documentation": doc_link("list-methods"),
                }
            }),
        }
    }

    fn create_payment(
        &mut self,
        body: &Map<String, Value>,
        base: &str,
    ) -> Result<Outcome, ApiError> {
        let (amount, currency) = parse_amount(body.get("amount"), "amount")?;
        if amount <= 0 {
            return Err(ApiError::unprocessable(
                "amount",
                "The amount is lower than the minimum",
            ));
        }
        let max =
            MAX_MAJOR.saturating_mul(10i64.pow(money::exponent(&currency).unwrap_or(2).into()));
        if amount > max {
            return Err(ApiError::unprocessable(
                "amount",
                "The amount is higher than the maximum",
            ));
        }
        let description = opt_str(body, "description")?
            .filter(|d| !d.trim().is_empty())
            .ok_or_else(|| missing("description"))?;
        // Mollie truncates long descriptions itself.
        let description: String = description.chars().take(255).collect();

        // `method`: one method, a list of methods the shopper may choose from, or none.
        let methods: Vec<String> = match body.get("method") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::String(m)) => vec![m.clone()],
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| v.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| ApiError::unprocessable("method", "The method is invalid"))?,
            Some(_) => return Err(ApiError::unprocessable("method", "The method is invalid")),
        };
        for m in &methods {
            let test_ok = m.strip_prefix(TEST_PREFIX).is_some_and(|o| {
                matches!(
                    o,
                    "paid" | "authorized" | "pending" | "open" | "failed" | "canceled" | "expired"
                ) || o
                    .strip_prefix("failed_")
                    .is_some_and(|r| FAILURE_REASONS.contains(&r))
            });
            if !test_ok && !METHODS.contains(&m.as_str()) {
                return Err(ApiError::unprocessable(
                    "method",
                    format!("The payment method '{m}' is invalid"),
                ));
            }
        }
        let single = (methods.len() == 1).then(|| methods[0].as_str());
        let card_token = opt_str(body, "cardToken")?;
        let terminal_id = opt_str(body, "terminalId")?;
        if single == Some("pointofsale") && terminal_id.is_none() {
            return Err(missing("terminalId"));
        }
        if card_token.is_some() && single != Some("creditcard") {
            return Err(ApiError::unprocessable(
                "cardToken",
                "A card token can only be used with method 'creditcard'",
            ));
        }

        // Point-of-sale payments complete on the terminal; everything else may send the
        // shopper to a hosted page and back.
        let redirect_url = opt_str(body, "redirectUrl")?;
        if redirect_url.is_none() && single != Some("pointofsale") {
            return Err(missing("redirectUrl"));
        }
        for (field, url) in [
            ("redirectUrl", &redirect_url),
            ("cancelUrl", &opt_str(body, "cancelUrl")?),
            ("webhookUrl", &opt_str(body, "webhookUrl")?),
        ] {
            if let Some(u) = url
                && !is_http_url(u)
            {
                return Err(ApiError::unprocessable(
                    field,
                    format!("The {field} '{u}' is invalid"),
                ));
            }
        }
        let metadata = body.get("metadata").cloned().unwrap_or(Value::Null);
        if metadata.to_string().len() > MAX_METADATA_BYTES {
            return Err(ApiError::unprocessable(
                "metadata",
                "The metadata exceeds the maximum size of 1024 bytes",
            ));
        }
        let capture_mode = opt_str(body, "captureMode")?;
        if capture_mode
            .as_deref()
            .is_some_and(|m| m != "automatic" && m != "manual")
        {
            return Err(ApiError::unprocessable(
                "captureMode",
                "The capture mode is invalid",
            ));
        }
        let manual = capture_mode.as_deref() == Some("manual");
        match opt_str(body, "sequenceType")?.as_deref() {
            None | Some("oneoff") => {}
            Some("first" | "recurring") => {
                return Err(ApiError::unprocessable(
                    "sequenceType",
                    "The simulator supports one-off payments only",
                ));
            }
            Some(_) => {
                return Err(ApiError::unprocessable(
                    "sequenceType",
                    "The sequence type is invalid",
                ));
            }
        }

        // The outcome (module docs).
        let paid_or_held = if manual {
            Status::Authorized
        } else {
            Status::Paid
        };
        let (status, checkout, method, failure) = match single {
            Some(m) if m.starts_with(TEST_PREFIX) => {
                let outcome = &m[TEST_PREFIX.len()..];
                match outcome {
                    "paid" => (paid_or_held, false, Some("creditcard"), None),
                    "authorized" => (Status::Authorized, false, Some("creditcard"), None),
                    "pending" => (Status::Pending, false, Some("creditcard"), None),
                    "open" => (Status::Open, true, None, None),
                    "canceled" => (Status::Canceled, false, None, None),
                    "expired" => (Status::Expired, false, None, None),
                    "failed" => (
                        Status::Failed,
                        false,
                        Some("creditcard"),
                        Some("card_declined"),
                    ),
                    other => (
                        Status::Failed,
                        false,
                        Some("creditcard"),
                        other.strip_prefix("failed_"),
                    ),
                }
            }
            Some("creditcard") if card_token.is_some() => {
                (paid_or_held, false, Some("creditcard"), None)
            }
            Some("pointofsale") => (Status::Open, false, Some("pointofsale"), None),
            Some(m) => (Status::Open, true, Some(m), None),
            None => (Status::Open, true, None, None),
        };
        let t = now();
        let mut details = match method {
            Some("creditcard") if status != Status::Open => Some(card_details()),
            Some("pointofsale") => Some(json!({ "terminalId": terminal_id })),
            _ => None,
        };
        if let Some(reason) = failure {
            let d = details.get_or_insert_with(|| json!({}));
            d["failureReason"] = json!(reason);
            d["failureMessage"] = json!(failure_message(reason));
        }
        let p = PaymentObj {
            id: new_id("tr_", 10),
            created_at: t,
            amount,
            currency,
            description,
            method: method.map(str::to_string),
            status,
            redirect_url,
            cancel_url: opt_str(body, "cancelUrl")?,
            webhook_url: opt_str(body, "webhookUrl")?,
            metadata,
            locale: opt_str(body, "locale")?,
            capture_mode,
            details,
            checkout,
            expires_at: (!status.is_final()).then_some(t + OPEN_EXPIRY_SECS),
            authorized_at: (status == Status::Authorized).then_some(t),
            paid_at: (status == Status::Paid).then_some(t),
            canceled_at: (status == Status::Canceled).then_some(t),
            expired_at: (status == Status::Expired).then_some(t),
            failed_at: (status == Status::Failed).then_some(t),
        };
        let id = p.id.clone();
        self.payment_index.insert(id.clone(), self.payments.len());
        self.payments.push(p);
        if status != Status::Open {
            // The payment left `open` at once: Mollie calls the webhook for that.
            self.record_event(&id, None, status.as_str());
        }
        let body = self.payment_json(&self.payments[self.payments.len() - 1], base);
        Ok(Outcome {
            status: StatusCode::CREATED,
            body,
        })
    }

    fn list_payments(&self, q: &HashMap<String, String>, base: &str) -> Result<Outcome, ApiError> {
        let limit = match q.get("limit") {
            None => 50,
            Some(l) => l
                .parse::<usize>()
                .ok()
                .filter(|l| (1..=250).contains(l))
                .ok_or_else(|| ApiError {
                    field: Some("limit".into()),
                    ..ApiError::new(400, "The limit must be between 1 and 250")
                })?,
        };
        let ascending = match q.get("sort").map(String::as_str) {
            None | Some("desc") => false,
            Some("asc") => true,
            Some(_) => {
                return Err(ApiError {
                    field: Some("sort".into()),
                    ..ApiError::new(400, "The sort direction is invalid")
                });
            }
        };
        let mut order: Vec<usize> = (0..self.payments.len()).collect();
        if !ascending {
            order.reverse();
        }
        let start = match q.get("from") {
            None => 0,
            Some(from) => order
                .iter()
                .position(|i| self.payments[*i].id == *from)
                .ok_or_else(|| ApiError {
                    field: Some("from".into()),
                    ..ApiError::new(400, "Invalid cursor value")
                })?,
        };
        let page: Vec<Value> = order
            .iter()
            .skip(start)
            .take(limit)
            .map(|i| self.payment_json(&self.payments[*i], base))
            .collect();
        let sort = if ascending { "&sort=asc" } else { "" };
        let next = order
            .get(start + limit)
            .map(|i| {
                link(
                    format!(
                        "{base}/v2/payments?from={}&limit={limit}{sort}",
                        self.payments[*i].id
                    ),
                    "application/hal+json",
                )
            })
            .unwrap_or(Value::Null);
        let previous = if start > 0 {
            let prev = order[start.saturating_sub(limit)];
            link(
                format!(
                    "{base}/v2/payments?from={}&limit={limit}{sort}",
                    self.payments[prev].id
                ),
                "application/hal+json",
            )
        } else {
            Value::Null
        };
        let self_href = match q.get("from") {
            Some(from) => format!("{base}/v2/payments?from={from}&limit={limit}{sort}"),
            None => format!("{base}/v2/payments?limit={limit}{sort}"),
        };
        Ok(Outcome {
            status: StatusCode::OK,
            body: json!({
                "count": page.len(),
                "_embedded": {"payments": page},
                "_links": {
                    "self": link(self_href, "application/hal+json"),
                    "previous": previous,
                    "next": next,
                    "documentation": doc_link("list-payments"),
                }
            }),
        })
    }

    fn get_payment(
        &self,
        id: &str,
        q: &HashMap<String, String>,
        base: &str,
    ) -> Result<Outcome, ApiError> {
        let p = self.payment(id)?;
        let mut body = self.payment_json(p, base);
        let embeds: Vec<&str> = q
            .get("embed")
            .map_or(Vec::new(), |e| e.split(',').collect());
        for e in &embeds {
            if !matches!(*e, "refunds" | "captures" | "chargebacks") {
                return Err(ApiError {
                    field: Some("embed".into()),
                    ..ApiError::new(400, format!("Embed '{e}' is not supported"))
                });
            }
        }
        if !embeds.is_empty() {
            let mut embedded = Map::new();
            if embeds.contains(&"refunds") {
                let refunds: Vec<Value> = self
                    .refunds
                    .iter()
                    .filter(|r| r.payment_id == id)
                    .map(|r| self.refund_json(r, base))
                    .collect();
                embedded.insert("refunds".into(), Value::Array(refunds));
            }
            for other in ["captures", "chargebacks"] {
                if embeds.contains(&other) {
                    embedded.insert(other.into(), json!([]));
                }
            }
            body["_embedded"] = Value::Object(embedded);
        }
        Ok(Outcome {
            status: StatusCode::OK,
            body,
        })
    }

    fn create_refund(
        &mut self,
        payment_id: &str,
        body: &Map<String, Value>,
        idempotent: bool,
        base: &str,
    ) -> Result<Outcome, ApiError> {
        let p = self.payment(payment_id)?.clone();
        let (amount, currency) = parse_amount(body.get("amount"), "amount")?;
        if currency != p.currency {
            return Err(ApiError::unprocessable(
                "amount.currency",
                format!(
                    "The refund currency {currency} does not match the payment currency {}",
                    p.currency
                ),
            ));
        }
        if amount <= 0 {
            return Err(ApiError::unprocessable(
                "amount",
                "The amount is lower than the minimum",
            ));
        }
        if p.status != Status::Paid {
            return Err(ApiError::unprocessable(
                "paymentId",
                format!(
                    "The payment {} cannot be refunded: its status is '{}'",
                    p.id,
                    p.status.as_str()
                ),
            ));
        }
        let remaining = p.amount - self.refunded(&p.id);
        if amount > remaining {
            return Err(ApiError::unprocessable(
                "amount",
                format!(
                    "The amount is higher than the amount that can be refunded ({} {} remaining)",
                    money::to_major_string(&money::money(remaining, &currency)).unwrap_or_default(),
                    currency
                ),
            ));
        }
        let description: String = opt_str(body, "description")?
            .unwrap_or_default()
            .chars()
            .take(255)
            .collect();
        if !idempotent
            && self.refunds.iter().any(|r| {
                r.payment_id == p.id
                    && !r.had_idempotency_key
                    && r.amount == amount
                    && r.description == description
                    && r.created.elapsed() < DUPLICATE_REFUND_WINDOW
            })
        {
            return Err(ApiError::new(409, "A duplicate refund has been detected"));
        }
        let metadata = body.get("metadata").cloned().unwrap_or(Value::Null);
        if metadata.to_string().len() > MAX_METADATA_BYTES {
            return Err(ApiError::unprocessable(
                "metadata",
                "The metadata exceeds the maximum size of 1024 bytes",
            ));
        }
        // Mollie executes refunds after a delay (they may be canceled until then): a new
        // refund is `pending`. `POST /_sim/refunds/{id}/status` moves it on.
        let r = RefundObj {
            id: new_id("re_", 10),
            payment_id: p.id.clone(),
            amount,
            currency,
            description,
            metadata,
            status: "pending",
            created_at: now(),
            created: Instant::now(),
            had_idempotency_key: idempotent,
        };
        self.refund_index.insert(r.id.clone(), self.refunds.len());
        self.refunds.push(r);
        let body = self.refund_json(&self.refunds[self.refunds.len() - 1], base);
        Ok(Outcome {
            status: StatusCode::CREATED,
            body,
        })
    }

    fn list_refunds(&self, payment_id: &str, base: &str) -> Result<Outcome, ApiError> {
        self.payment(payment_id)?;
        let refunds: Vec<Value> = self
            .refunds
            .iter()
            .filter(|r| r.payment_id == payment_id)
            .rev()
            .map(|r| self.refund_json(r, base))
            .collect();
        Ok(Outcome {
            status: StatusCode::OK,
            body: json!({
                "count": refunds.len(),
                "_embedded": {"refunds": refunds},
                "_links": {
                    "self": link(format!("{base}/v2/payments/{payment_id}/refunds"), "application/hal+json"),
                    "previous": null,
                    "next": null,
                    "documentation": doc_link("list-refunds"),
                }
            }),
        })
    }

    fn get_refund(
        &self,
        payment_id: &str,
        refund_id: &str,
        base: &str,
    ) -> Result<Outcome, ApiError> {
        self.payment(payment_id)?;
        let r = self
            .refund_index
            .get(refund_id)
            .and_then(|i| self.refunds.get(*i))
            .filter(|r| r.payment_id == payment_id)
            .ok_or_else(|| {
                ApiError::new(404, format!("No refund exists with token {refund_id}."))
            })?;
        Ok(Outcome {
            status: StatusCode::OK,
            body: self.refund_json(r, base),
        })
    }
}

// ---- the simulator ------------------------------------------------------------------------

enum Endpoint {
    Methods,
    CreatePayment,
    ListPayments,
    GetPayment(String),
    CreateRefund(String),
    ListRefunds(String),
    GetRefund(String, String),
}

fn route(method: &Method, path: &str) -> Option<Endpoint> {
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    let m = method.as_str();
    Some(match (m, parts.as_slice()) {
        ("GET", ["v2", "methods"]) => Endpoint::Methods,
        ("POST", ["v2", "payments"]) => Endpoint::CreatePayment,
        ("GET", ["v2", "payments"]) => Endpoint::ListPayments,
        ("GET", ["v2", "payments", id]) => Endpoint::GetPayment(id.to_string()),
        ("POST", ["v2", "payments", id, "refunds"]) => Endpoint::CreateRefund(id.to_string()),
        ("GET", ["v2", "payments", id, "refunds"]) => Endpoint::ListRefunds(id.to_string()),
        ("GET", ["v2", "payments", id, "refunds", rid]) => {
            Endpoint::GetRefund(id.to_string(), rid.to_string())
        }
        _ => return None,
    })
}

enum IdemBegin {
    Fresh,
    Replay(StatusCode, Value),
    InFlight,
    Mismatch,
}

impl MollieSim {
    pub fn new() -> Arc<MollieSim> {
        Arc::new(MollieSim {
            state: Mutex::new(SimState {
                api_keys: vec![SANDBOX_API_KEY.to_string()],
                ..SimState::default()
            }),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, SimState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Accepts another API key (as a second key of the same profile).
    pub fn add_api_key(&self, key: &str) {
        self.lock().api_keys.push(key.to_string());
    }

    /// Every payment created so far, in creation order, as Mollie objects.
    pub fn payments(&self, base: &str) -> Vec<Value> {
        let st = self.lock();
        st.payments
            .iter()
            .map(|p| st.payment_json(p, base))
            .collect()
    }

    /// Every refund created so far, in creation order.
    pub fn refunds(&self, base: &str) -> Vec<Value> {
        let st = self.lock();
        st.refunds.iter().map(|r| st.refund_json(r, base)).collect()
    }

    /// Every status change Mollie would call a webhook for, oldest first. Deliver one by
    /// POSTing its `body` (`id=tr_…`, form-encoded) to the webhook URL.
    pub fn events(&self) -> Vec<Value> {
        self.lock().events.clone()
    }

    /// Moves a payment to another status, as the shopper or the bank would.
    pub fn set_payment_status(
        &self,
        id: &str,
        status: &str,
        failure_reason: Option<&str>,
    ) -> Result<(), String> {
        let status = Status::parse(status).ok_or_else(|| format!("unknown status {status:?}"))?;
        if failure_reason.is_some_and(|r| !FAILURE_REASONS.contains(&r)) {
            return Err(format!("unknown failureReason {failure_reason:?}"));
        }
        self.lock().set_status(id, status, failure_reason)
    }

    fn idem_begin(&self, api_key: &str, key: &str, endpoint: &str, body: &Value) -> IdemBegin {
        let mut st = self.lock();
        let slot = (api_key.to_string(), key.to_string());
        if let Some(e) = st.idempotency.get(&slot)
            && e.created.elapsed() < IDEMPOTENCY_TTL
        {
            if e.endpoint != endpoint || e.body != *body {
                return IdemBegin::Mismatch;
            }
            return match &e.answer {
                None => IdemBegin::InFlight,
                Some((s, b)) => IdemBegin::Replay(*s, b.clone()),
            };
        }
        st.idempotency.insert(
            slot,
            IdemEntry {
                endpoint: endpoint.to_string(),
                body: body.clone(),
                created: Instant::now(),
                answer: None,
            },
        );
        IdemBegin::Fresh
    }

    /// Stores the answer of a request that took effect, or frees the key.
    fn idem_finish(&self, api_key: &str, key: &str, outcome: Option<&Outcome>) {
        let mut st = self.lock();
        let slot = (api_key.to_string(), key.to_string());
        match outcome {
            Some(o) if o.status.is_success() => {
                if let Some(e) = st.idempotency.get_mut(&slot) {
                    e.answer = Some((o.status, o.body.clone()));
                }
            }
            _ => {
                if st
                    .idempotency
                    .get(&slot)
                    .is_some_and(|e| e.answer.is_none())
                {
                    st.idempotency.remove(&slot);
                }
            }
        }
    }

    fn take_fail(&self) -> Option<Fault> {
        self.lock().fail.next(&axum::http::Method::GET, "")
    }

    fn take_delay(&self) -> Option<DelayPlan> {
        let mut st = self.lock();
        let plan = st.delay?;
        st.delay = (plan.times > 1).then_some(DelayPlan {
            times: plan.times - 1,
            ..plan
        });
        (plan.times > 0).then_some(plan)
    }

    fn execute(
        &self,
        endpoint: &Endpoint,
        body: &Map<String, Value>,
        query: &HashMap<String, String>,
        idempotent: bool,
        base: &str,
    ) -> Outcome {
        let mut st = self.lock();
        let result = match endpoint {
            Endpoint::Methods => Ok(st.methods(base)),
            Endpoint::CreatePayment => st.create_payment(body, base),
            Endpoint::ListPayments => st.list_payments(query, base),
            Endpoint::GetPayment(id) => st.get_payment(id, query, base),
            Endpoint::CreateRefund(id) => st.create_refund(id, body, idempotent, base),
            Endpoint::ListRefunds(id) => st.list_refunds(id, base),
            Endpoint::GetRefund(id, rid) => st.get_refund(id, rid, base),
        };
        result.unwrap_or_else(Outcome::from)
    }
}

pub fn router(sim: Arc<MollieSim>) -> Router {
    Router::new()
        .route("/v2/{*path}", any(api))
        .route("/_sim/payments", get(sim_payments))
        .route("/_sim/refunds", get(sim_refunds))
        .route("/_sim/events", get(sim_events))
        .route("/_sim/fail", post(sim_fail))
        .route("/_sim/delay", post(sim_delay))
        .route("/_sim/reset", post(sim_reset))
        .route("/_sim/payments/{id}/status", post(sim_payment_status))
        .route("/_sim/refunds/{id}/status", post(sim_refund_status))
        .route("/_sim/checkout/{id}", get(sim_checkout))
        .with_state(sim)
}

fn hal_response(status: StatusCode, body: &Value) -> Response {
    let mut resp = (status, body.to_string()).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/hal+json"),
    );
    resp
}

/// The mount point's absolute URL: `http://{Host}{prefix}` where the prefix is what
/// `Router::nest` stripped.
fn base_url(headers: &HeaderMap, uri: &Uri, original: &Uri) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .or_else(|| original.authority().map(|a| a.to_string()))
        .unwrap_or_else(|| "127.0.0.1".into());
    let prefix = original
        .path()
        .strip_suffix(uri.path())
        .unwrap_or("")
        .trim_end_matches('/');
    format!("http://{host}{prefix}")
}

/// The key from `Authorization: Bearer test_…`, if the simulator knows it.
fn authenticated(sim: &MollieSim, headers: &HeaderMap) -> Option<String> {
    let auth = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, value) = auth.split_once(' ')?;
    let key = value.trim();
    (scheme.eq_ignore_ascii_case("bearer") && sim.lock().api_keys.iter().any(|k| k == key))
        .then(|| key.to_string())
}

fn query_map(uri: &Uri) -> HashMap<String, String> {
    form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn injected_failure(plan: Fault) -> Response {
    let detail = match plan.status.as_u16() {
        429 => "You have exceeded the rate limit. Please slow down your requests.",
        500 => "An internal server error occurred while processing your request",
        502 | 504 => "The gateway did not receive a timely answer from the Mollie API",
        503 => "The Mollie API is temporarily unavailable. Please try again later.",
        _ => "The request could not be processed",
    };
    let status =
        StatusCode::from_u16(plan.status.as_u16()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut resp = hal_response(status, &error_body(status, detail, None));
    if let Some(s) = plan.retry_after {
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(s));
    }
    resp
}

/// Every `/v2/…` request: injected failures, authentication, routing, the body,
/// idempotency, execution, and an injected delay of the answer.
async fn api(
    State(sim): State<Arc<MollieSim>>,
    method: Method,
    uri: Uri,
    OriginalUri(original): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    // Injected failures answer before anything executes, unless asked to answer after.
    let fail = sim.take_fail();
    if let Some(plan) = fail.clone().filter(|p| !p.after_write) {
        return injected_failure(plan);
    }
    let delay = sim.take_delay();
    let resp = handle(&sim, &method, &uri, &original, &headers, &body, delay).await;
    if let Some(plan) = fail {
        return injected_failure(plan);
    }
    if let Some(d) = delay.filter(|d| d.stage == DelayStage::Response) {
        tokio::time::sleep(Duration::from_millis(d.ms)).await;
    }
    resp
}

async fn handle(
    sim: &Arc<MollieSim>,
    method: &Method,
    uri: &Uri,
    original: &Uri,
    headers: &HeaderMap,
    body: &Bytes,
    delay: Option<DelayPlan>,
) -> Response {
    let Some(api_key) = authenticated(sim, headers) else {
        let status = StatusCode::UNAUTHORIZED;
        let mut resp = hal_response(
            status,
            &error_body(
                status,
                "Missing authentication, or failed to authenticate",
                None,
            ),
        );
        resp.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"Mollie API\""),
        );
        return resp;
    };
    let Some(endpoint) = route(method, uri.path()) else {
        let status = StatusCode::NOT_FOUND;
        return hal_response(
            status,
            &error_body(
                status,
                &format!("Unrecognized request URL ({method} {})", uri.path()),
                None,
            ),
        );
    };

    // The body: JSON (what Mollie's libraries send) or a form with bracket nesting.
    let params: Map<String, Value> = if *method == Method::POST && !body.is_empty() {
        let ctype = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("application/json");
        let parsed = if ctype.starts_with("application/x-www-form-urlencoded") {
            parse_form(body)
        } else if ctype.starts_with("application/json") {
            match serde_json::from_slice::<Value>(body) {
                Ok(Value::Object(m)) => Ok(m),
                Ok(_) => Err("The request body must be a JSON object".to_string()),
                Err(e) => Err(format!("The request body is not valid JSON: {e}")),
            }
        } else {
            let status = StatusCode::UNSUPPORTED_MEDIA_TYPE;
            return hal_response(
                status,
                &error_body(
                    status,
                    &format!("The content type '{ctype}' is not supported"),
                    None,
                ),
            );
        };
        match parsed {
            Ok(m) => m,
            Err(detail) => {
                let status = StatusCode::BAD_REQUEST;
                return hal_response(status, &error_body(status, &detail, None));
            }
        }
    } else {
        Map::new()
    };
    let query = query_map(uri);
    let base = base_url(headers, uri, original);

    // Idempotency: POST only (GET is idempotent by nature and ignores the header).
    let idem_key = (*method == Method::POST)
        .then(|| headers.get("idempotency-key"))
        .flatten()
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .filter(|k| !k.is_empty());
    let mut guard = None;
    if let Some(k) = &idem_key {
        let label = format!("{method} {}", uri.path());
        let fingerprint = Value::Object(params.clone());
        match sim.idem_begin(&api_key, k, &label, &fingerprint) {
            IdemBegin::Fresh => {
                guard = Some(IdemGuard {
                    sim: sim.clone(),
                    api_key: api_key.clone(),
                    key: k.clone(),
                    finished: false,
                })
            }
            IdemBegin::Replay(status, body) => {
                let mut resp = hal_response(status, &body);
                resp.headers_mut()
                    .insert("idempotent-replayed", HeaderValue::from_static("true"));
                return resp;
            }
            IdemBegin::InFlight => {
                let status = StatusCode::CONFLICT;
                return hal_response(
                    status,
                    &error_body(
                        status,
                        "A request with this idempotency key is already being processed",
                        None,
                    ),
                );
            }
            IdemBegin::Mismatch => {
                let status = StatusCode::UNPROCESSABLE_ENTITY;
                return hal_response(
                    status,
                    &error_body(
                        status,
                        "The idempotency key has already been used for a different request",
                        None,
                    ),
                );
            }
        }
    }

    if let Some(d) = delay.filter(|d| d.stage == DelayStage::Processing) {
        tokio::time::sleep(Duration::from_millis(d.ms)).await;
    }

    let outcome = sim.execute(&endpoint, &params, &query, idem_key.is_some(), &base);
    if let Some(mut g) = guard {
        sim.idem_finish(&api_key, &g.key, Some(&outcome));
        g.finished = true;
    }
    hal_response(outcome.status, &outcome.body)
}

/// Frees an in-flight idempotency key if the request is dropped before it finishes.
struct IdemGuard {
    sim: Arc<MollieSim>,
    api_key: String,
    key: String,
    finished: bool,
}

impl Drop for IdemGuard {
    fn drop(&mut self) {
        if !self.finished {
            self.sim.idem_finish(&self.api_key, &self.key, None);
        }
    }
}

// ---- test hooks ---------------------------------------------------------------------------

async fn sim_payments(
    State(sim): State<Arc<MollieSim>>,
    uri: Uri,
    OriginalUri(original): OriginalUri,
    headers: HeaderMap,
) -> Response {
    let base = base_url(&headers, &uri, &original);
    axum::Json(sim.payments(&base)).into_response()
}

async fn sim_refunds(
    State(sim): State<Arc<MollieSim>>,
    uri: Uri,
    OriginalUri(original): OriginalUri,
    headers: HeaderMap,
) -> Response {
    let base = base_url(&headers, &uri, &original);
    axum::Json(sim.refunds(&base)).into_response()
}

#[derive(Deserialize)]
struct EventFilter {
    #[serde(rename = "paymentId")]
    payment_id: Option<String>,
}

async fn sim_events(
    State(sim): State<Arc<MollieSim>>,
    Query(filter): Query<EventFilter>,
) -> Response {
    let events: Vec<Value> = sim
        .events()
        .into_iter()
        .filter(|e| {
            filter
                .payment_id
                .as_ref()
                .is_none_or(|id| e["paymentId"] == *id)
        })
        .collect();
    axum::Json(events).into_response()
}

async fn sim_fail(State(sim): State<Arc<MollieSim>>, body: axum::body::Bytes) -> Response {
    crate::kit::fault::arm(&mut sim.lock().fail, &body)
}

async fn sim_delay(
    State(sim): State<Arc<MollieSim>>,
    axum::Json(plan): axum::Json<DelayPlan>,
) -> Response {
    sim.lock().delay = (plan.times > 0).then_some(plan);
    axum::Json(json!({ "ms": plan.ms, "times": plan.times })).into_response()
}

async fn sim_reset(State(sim): State<Arc<MollieSim>>) -> Response {
    let mut st = sim.lock();
    let keys = std::mem::take(&mut st.api_keys);
    *st = SimState {
        api_keys: keys,
        ..SimState::default()
    };
    StatusCode::NO_CONTENT.into_response()
}

#[derive(Deserialize)]
struct StatusChange {
    status: String,
    #[serde(default, rename = "failureReason")]
    failure_reason: Option<String>,
}

/// Moves a payment to another status (the shopper paid, the bank failed it, it expired)
/// and records the webhook Mollie would send.
async fn sim_payment_status(
    State(sim): State<Arc<MollieSim>>,
    Path(id): Path<String>,
    uri: Uri,
    OriginalUri(original): OriginalUri,
    headers: HeaderMap,
    axum::Json(change): axum::Json<StatusChange>,
) -> Response {
    if let Err(m) = sim.set_payment_status(&id, &change.status, change.failure_reason.as_deref()) {
        let status = if m.starts_with("no payment") {
            StatusCode::NOT_FOUND
        } else if m.contains("final status") {
            StatusCode::CONFLICT
        } else {
            StatusCode::BAD_REQUEST
        };
        return (status, axum::Json(json!({ "error": m }))).into_response();
    }
    let base = base_url(&headers, &uri, &original);
    let st = sim.lock();
    let body = st
        .payment(&id)
        .map(|p| st.payment_json(p, &base))
        .unwrap_or(Value::Null);
    axum::Json(body).into_response()
}

/// Moves a refund on (`processing`, `refunded`, `failed`, `canceled`, …) and records the
/// webhook Mollie sends for it (to the payment's webhook, with the payment id).
async fn sim_refund_status(
    State(sim): State<Arc<MollieSim>>,
    Path(id): Path<String>,
    uri: Uri,
    OriginalUri(original): OriginalUri,
    headers: HeaderMap,
    axum::Json(change): axum::Json<StatusChange>,
) -> Response {
    let Some(status) = REFUND_STATUSES
        .iter()
        .find(|s| **s == change.status)
        .copied()
    else {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({ "error": format!("unknown refund status {:?}", change.status) })),
        )
            .into_response();
    };
    let base = base_url(&headers, &uri, &original);
    let mut st = sim.lock();
    let Some(i) = st.refund_index.get(&id).copied() else {
        return (
            StatusCode::NOT_FOUND,
            axum::Json(json!({ "error": format!("no refund {id}") })),
        )
            .into_response();
    };
    let current = st.refunds[i].status;
    if matches!(current, "refunded" | "failed" | "canceled") && current != status {
        return (
            StatusCode::CONFLICT,
            axum::Json(
                json!({ "error": format!("refund {id} is {current} already, a final status") }),
            ),
        )
            .into_response();
    }
    if current != status {
        st.refunds[i].status = status;
        let payment_id = st.refunds[i].payment_id.clone();
        st.record_event(&payment_id, Some(&id), status);
    }
    let body = st.refund_json(&st.refunds[i], &base);
    axum::Json(body).into_response()
}

#[derive(Deserialize)]
struct CheckoutChoice {
    /// `paid` (default), `failed`, `canceled`, `expired`, `authorized`, `pending`.
    status: Option<String>,
}

/// Stands in for Mollie's hosted checkout (test mode): applies the shopper's choice and
/// sends the shopper to the payment's `redirectUrl` (or `cancelUrl` on cancel), or answers
/// the payment as JSON when there is nowhere to go.
async fn sim_checkout(
    State(sim): State<Arc<MollieSim>>,
    Path(id): Path<String>,
    Query(choice): Query<CheckoutChoice>,
    uri: Uri,
    OriginalUri(original): OriginalUri,
    headers: HeaderMap,
) -> Response {
    let wanted = choice.status.as_deref().unwrap_or("paid");
    {
        let st = sim.lock();
        match st.payment(&id) {
            Err(_) => {
                return (
                    StatusCode::NOT_FOUND,
                    axum::Json(json!({ "error": format!("no payment {id}") })),
                )
                    .into_response();
            }
            Ok(p) if !(p.status == Status::Open && p.checkout) => {
                return (
                    StatusCode::CONFLICT,
                    axum::Json(
                        json!({ "error": format!("payment {id} is {} and has no open checkout", p.status.as_str()) }),
                    ),
                )
                    .into_response();
            }
            Ok(_) => {}
        }
    }
    if let Err(m) = sim.set_payment_status(&id, wanted, None) {
        return (StatusCode::BAD_REQUEST, axum::Json(json!({ "error": m }))).into_response();
    }
    let base = base_url(&headers, &uri, &original);
    let st = sim.lock();
    let Ok(p) = st.payment(&id) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let target = match p.status {
        Status::Canceled => p.cancel_url.clone().or_else(|| p.redirect_url.clone()),
        _ => p.redirect_url.clone(),
    };
    match target.and_then(|t| HeaderValue::from_str(&t).ok()) {
        Some(location) => (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response(),
        None => axum::Json(st.payment_json(p, &base)).into_response(),
    }
}

// ---- tests --------------------------------------------------------------------------------

#[cfg(test)]
mod tests;

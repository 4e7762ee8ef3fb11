//! Test Mode simulator of Adyen's Checkout API v71: the subset BEEP! Connect uses,
//! answering the way `checkout-test.adyen.com/v71` answers according to
//! `vendor-specs/adyen.checkout-v71.json`, and recording the standard webhook
//! notifications Adyen would send. Where the spec is silent (idempotency errors, test
//! tokens, refusal texts, webhook contents) it follows Adyen's public documentation;
//! such places say so.
//!
//! Routes (mounted under `/adyen`, so the vendor base URL is `…/adyen/v71`):
//!
//! | route | notes |
//! | --- | --- |
//! | `POST /v71/paymentMethods` | cheap authenticated read (validates the merchant account) |
//! | `POST /v71/payments` | authorise; automatic capture unless `captureDelayHours` > 0 |
//! | `POST /v71/payments/details` | the `redirectResult` after an authentication |
//! | `POST /v71/payments/{pspReference}/refunds` | `201 {"status":"received"}`, outcome by `REFUND` notification |
//! | `POST /v71/payments/{pspReference}/captures` | `CAPTURE` notification |
//! | `POST /v71/payments/{pspReference}/cancels` | `CANCELLATION` notification |
//! | `POST /v71/payments/{pspReference}/reversals` | `CANCEL_OR_REFUND` notification |
//!
//! Authentication: `X-API-Key` only (Adyen also takes HTTP Basic of a web service user;
//! the simulator has none). Errors are Adyen's `ServiceError`
//! (`status`, `errorCode`, `message`, `errorType`, `pspReference`).
//!
//! Test hooks (not Adyen; no auth), under both `/_sim/` and `/v71/_sim/` so that
//! `{baseUrl}/_sim/…` works: `GET payments`, `GET refunds` (every modification),
//! `GET notifications` (signed notification bodies, ready to POST to a webhook
//! endpoint; filters `eventCode`, `pspReference`, `originalReference`,
//! `merchantReference`), `POST fail {"status","times","after"}`, `POST delay {"ms","times","stage"}`,
//! `POST reset`, `GET authenticate/{pspReference}?result=fail` (the shopper's 3-D Secure
//! page behind `action.url`; also completes a Pending/Received payment),
//! `POST refund_failed/{refundPspReference}` (a later `REFUND_FAILED`).
//!
//! Test payment methods (the BEEP! token becomes `paymentMethod.storedPaymentMethodId`):
//!
//! | storedPaymentMethodId | resultCode |
//! | --- | --- |
//! | `adyen_test_authorised` | Authorised |
//! | `adyen_test_refused` | Refused (`refusalReason` "Refused", code 2) |
//! | `adyen_test_insufficient_funds` | Refused ("Not enough balance", code 12) |
//! | `adyen_test_error` | Error ("Acquirer Error", code 4) |
//! | `adyen_test_cancelled` | Cancelled |
//! | `adyen_test_pending` | Pending |
//! | `adyen_test_received` | Received |
//! | `adyen_test_3ds` | RedirectShopper, `action.type` redirect with `url` |
//! | `adyen_test_3ds2_challenge` | ChallengeShopper, `action.type` threeDS2 with `url` |
//! | `adyen_test_3ds2_identify` | IdentifyShopper, `action.type` threeDS2 (no url, no pspReference, as the spec's example) |
//!
//! Any other `storedPaymentMethodId` is unknown (422, 803 "PaymentDetail not found").
//! Card components' test placeholders (`encryptedCardNumber: "test_4111111111111111"`,
//! Adyen's documented test-mode values) authorise, except Adyen's 3-D Secure test cards
//! (`test_5454545454545454`, `test_4917610000000000`, `test_4212345678910006`), which
//! answer RedirectShopper; redirect payment methods (`ideal`, `klarna`, …) answer
//! RedirectShopper too.

use crate::kit::fault::{Fault, FaultSlot};
use crate::kit::time::now_secs;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use rand::Rng as _;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use sha2::Sha256;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The API key the simulator accepts (a web service user's key of the sandbox company).
pub const SANDBOX_API_KEY: &str =
    "AQEyhmfxBeepSandboxK0000000000000000000000000000000000000000000000000000000BeepSim";
/// The sandbox company's merchant account.
pub const SANDBOX_MERCHANT_ACCOUNT: &str = "BeepSandboxECOM";
/// The HMAC key (hex, as the Customer Area shows it) that signs the sandbox's webhooks.
pub const SANDBOX_HMAC_KEY: &str =
    "B0E1E5A1D2C3B4A5968778695A4B3C2D1E0F1A2B3C4D5E6F708192A3B4C5D6E7";
/// The Checkout API version the simulator models.
pub const API_VERSION: &str = "v71";

/// Adyen keeps idempotency keys for at least 31 days.
const IDEMPOTENCY_TTL: Duration = Duration::from_secs(31 * 24 * 3600);
/// `Idempotency-Key` holds at most 64 characters (the spec's parameter description).
const IDEMPOTENCY_KEY_MAX: usize = 64;

/// The config object a merchant passes to `configurePSP` that works against the simulator.
pub fn sandbox_credentials() -> Value {
    json!({
        "apiKey": SANDBOX_API_KEY,
        "merchantAccount": SANDBOX_MERCHANT_ACCOUNT,
        "hmacKey": SANDBOX_HMAC_KEY,
    })
}

/// The text Adyen signs for a standard notification item:
/// `pspReference:originalReference:merchantAccountCode:merchantReference:value:currency:eventCode:success`,
/// absent fields as empty strings, values joined as they are (no escaping).
pub fn signing_string(item: &Value) -> String {
    let text = |name: &str| match &item[name] {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    let amount = &item["amount"];
    let value = match &amount["value"] {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        v => v.to_string(),
    };
    let currency = amount["currency"].as_str().unwrap_or("").to_string();
    [
        text("pspReference"),
        text("originalReference"),
        text("merchantAccountCode"),
        text("merchantReference"),
        value,
        currency,
        text("eventCode"),
        text("success"),
    ]
    .join(":")
}

/// `additionalData.hmacSignature` of a notification item: base64 of HMAC-SHA256 over
/// [`signing_string`], keyed with the hex-decoded HMAC key. (A key that is not hex is
/// used as raw bytes, so a test can sign with any key.)
pub fn sign_notification(hmac_key_hex: &str, item: &Value) -> String {
    let key = hex::decode(hmac_key_hex).unwrap_or_else(|_| hmac_key_hex.as_bytes().to_vec());
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("HMAC takes any key");
    mac.update(signing_string(item).as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// A standard notification body (`live`, `notificationItems`) holding one item.
pub fn notification_body(item: &Value) -> Value {
    json!({ "live": "false", "notificationItems": [ { "NotificationRequestItem": item } ] })
}

// ---- state --------------------------------------------------------------------------------

/// The simulated Adyen company: all state in memory behind one mutex (never held across
/// an `.await`).
pub struct AdyenSim {
    state: Mutex<SimState>,
}

#[derive(Default)]
struct SimState {
    api_keys: Vec<String>,
    merchant_accounts: Vec<String>,
    hmac_key: String,
    payments: Vec<SimPayment>,
    payment_index: HashMap<String, usize>,
    modifications: Vec<Modification>,
    /// Signed `NotificationRequestItem`s, oldest first.
    notifications: Vec<Value>,
    /// Idempotency-Key → first request and, once done, its answer. Adyen scopes keys to
    /// the company account; the simulator is one company.
    idempotency: HashMap<String, IdemEntry>,
    fail: FaultSlot,
    delay: Option<DelayPlan>,
}

struct IdemEntry {
    fingerprint: String,
    created: Instant,
    /// `None` while the first request is still executing.
    answer: Option<(StatusCode, Value)>,
}

#[derive(Clone, Copy, Debug, Deserialize)]
struct DelayPlan {
    ms: u64,
    #[serde(default = "one")]
    times: u32,
    /// `response` (default): execute, store, then hold the answer back (Adyen charged
    /// but the caller timed out). `processing`: hold the request while its idempotency
    /// key is in flight (a concurrent retry sees 704).
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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ResultCode {
    Authorised,
    Refused,
    Error,
    Cancelled,
    Pending,
    Received,
    RedirectShopper,
    ChallengeShopper,
    IdentifyShopper,
}

impl ResultCode {
    fn as_str(self) -> &'static str {
        match self {
            ResultCode::Authorised => "Authorised",
            ResultCode::Refused => "Refused",
            ResultCode::Error => "Error",
            ResultCode::Cancelled => "Cancelled",
            ResultCode::Pending => "Pending",
            ResultCode::Received => "Received",
            ResultCode::RedirectShopper => "RedirectShopper",
            ResultCode::ChallengeShopper => "ChallengeShopper",
            ResultCode::IdentifyShopper => "IdentifyShopper",
        }
    }

    /// Waiting for the shopper or for the outcome.
    fn is_open(self) -> bool {
        matches!(
            self,
            ResultCode::Pending
                | ResultCode::Received
                | ResultCode::RedirectShopper
                | ResultCode::ChallengeShopper
                | ResultCode::IdentifyShopper
        )
    }
}

#[derive(Clone)]
struct SimPayment {
    psp: String,
    merchant_account: String,
    reference: String,
    merchant_order_reference: Option<String>,
    amount: i64,
    currency: String,
    result: ResultCode,
    refusal: Refusal,
    /// The brand as notifications name it (`visa`, `mc`, `ideal`).
    method: String,
    stored_payment_method_id: Option<String>,
    shopper_reference: Option<String>,
    return_url: String,
    metadata: Value,
    manual_capture: bool,
    /// Minor units captured, refunded (successfully) so far.
    captured: i64,
    refunded: i64,
    action: Option<Value>,
    /// The `redirectResult` the shopper brings back once authenticated.
    redirect_result: Option<String>,
    created: String,
}

impl SimPayment {
    fn response(&self) -> Value {
        let mut body = json!({
            "pspReference": self.psp,
            "resultCode": self.result.as_str(),
            "merchantReference": self.reference,
            "amount": { "currency": self.currency, "value": self.amount },
        });
        if self.result == ResultCode::IdentifyShopper {
            // As the spec's 3-D Secure 2 native example: no reference before the fingerprint.
            let o = body.as_object_mut().expect("object");
            o.remove("pspReference");
            o.remove("merchantReference");
        }
        if let Some((reason, code)) = self.refusal {
            body["refusalReason"] = json!(reason);
            body["refusalReasonCode"] = json!(code);
        }
        if let Some(action) = &self.action {
            body["action"] = action.clone();
        }
        if self.result == ResultCode::Authorised {
            body["additionalData"] = json!({
                "authCode": "044925",
                "refusalReasonRaw": "AUTHORISED",
                "paymentMethod": self.method,
                "acquirerCode": "TestPmmAcquirer",
            });
        }
        body
    }

    fn to_json(&self) -> Value {
        json!({
            "pspReference": self.psp,
            "merchantAccount": self.merchant_account,
            "reference": self.reference,
            "merchantOrderReference": self.merchant_order_reference,
            "amount": { "currency": self.currency, "value": self.amount },
            "resultCode": self.result.as_str(),
            "refusalReason": self.refusal.map(|r| r.0),
            "paymentMethod": self.method,
            "storedPaymentMethodId": self.stored_payment_method_id,
            "shopperReference": self.shopper_reference,
            "returnUrl": self.return_url,
            "metadata": self.metadata,
            "manualCapture": self.manual_capture,
            "capturedValue": self.captured,
            "refundedValue": self.refunded,
            "created": self.created,
        })
    }
}

#[derive(Clone)]
struct Modification {
    psp: String,
    kind: &'static str,
    payment_psp: String,
    merchant_account: String,
    reference: Option<String>,
    amount: Option<(i64, String)>,
    merchant_refund_reason: Option<String>,
    /// The outcome its notification carries.
    success: bool,
    reason: Option<String>,
    failed_later: bool,
}

impl Modification {
    fn to_json(&self) -> Value {
        json!({
            "pspReference": self.psp,
            "type": self.kind,
            "paymentPspReference": self.payment_psp,
            "merchantAccount": self.merchant_account,
            "reference": self.reference,
            "amount": self.amount.as_ref().map(|(v, c)| json!({"currency": c, "value": v})),
            "merchantRefundReason": self.merchant_refund_reason,
            "status": "received",
            "success": self.success && !self.failed_later,
            "reason": self.reason,
        })
    }
}

// ---- test payment methods -----------------------------------------------------------------

/// What a test payment method does, by `storedPaymentMethodId`.
/// `refusalReason` and `refusalReasonCode` of a refused or failed payment.
type Refusal = Option<(&'static str, &'static str)>;

const TEST_TOKENS: &[(&str, ResultCode, Refusal)] = &[
    ("adyen_test_authorised", ResultCode::Authorised, None),
    (
        "adyen_test_refused",
        ResultCode::Refused,
        Some(("Refused", "2")),
    ),
    (
        "adyen_test_insufficient_funds",
        ResultCode::Refused,
        Some(("Not enough balance", "12")),
    ),
    (
        "adyen_test_error",
        ResultCode::Error,
        Some(("Acquirer Error", "4")),
    ),
    ("adyen_test_cancelled", ResultCode::Cancelled, None),
    ("adyen_test_pending", ResultCode::Pending, None),
    ("adyen_test_received", ResultCode::Received, None),
    ("adyen_test_3ds", ResultCode::RedirectShopper, None),
    (
        "adyen_test_3ds2_challenge",
        ResultCode::ChallengeShopper,
        None,
    ),
    (
        "adyen_test_3ds2_identify",
        ResultCode::IdentifyShopper,
        None,
    ),
];

/// Adyen's 3-D Secure test cards, as test-mode encrypted placeholders.
const THREE_DS_TEST_CARDS: &[&str] = &[
    "test_5454545454545454",
    "test_4917610000000000",
    "test_4212345678910006",
];

/// The outcome and brand of a `paymentMethod` object, or a 422.
fn outcome_of(pm: &Map<String, Value>) -> Result<(ResultCode, Refusal, String), ApiError> {
    let kind = pm.get("type").and_then(Value::as_str).unwrap_or("scheme");
    let stored = pm
        .get("storedPaymentMethodId")
        .or_else(|| pm.get("recurringDetailReference"))
        .and_then(Value::as_str);
    if let Some(id) = stored {
        return TEST_TOKENS
            .iter()
            .find(|(t, _, _)| *t == id)
            .map(|(_, code, refusal)| (*code, *refusal, "visa".to_string()))
            .ok_or_else(|| ApiError::validation("803", "PaymentDetail not found"));
    }
    match kind {
        "scheme" | "card" => {
            let number = pm
                .get("encryptedCardNumber")
                .or_else(|| pm.get("number"))
                .and_then(Value::as_str)
                .unwrap_or("");
            let digits = number.trim_start_matches("test_");
            let brand = match digits.chars().next() {
                Some('5') | Some('2') => "mc",
                Some('3') => "amex",
                _ => "visa",
            };
            if number.is_empty() && pm.get("encryptedCard").is_none() {
                return Err(ApiError::validation("101", "Invalid card number"));
            }
            let code = if THREE_DS_TEST_CARDS.contains(&number) {
                ResultCode::RedirectShopper
            } else {
                ResultCode::Authorised
            };
            Ok((code, None, brand.to_string()))
        }
        other => Ok((ResultCode::RedirectShopper, None, other.to_string())),
    }
}

// ---- errors and outcomes ------------------------------------------------------------------

/// Adyen's `ServiceError`.
#[derive(Debug)]
struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    kind: &'static str,
    psp: bool,
}

impl ApiError {
    fn new(
        status: u16,
        code: &'static str,
        kind: &'static str,
        message: impl Into<String>,
    ) -> Self {
        ApiError {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY),
            code,
            message: message.into(),
            kind,
            psp: status != 401 && status != 400,
        }
    }
    /// 422 with `errorType` validation.
    fn validation(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(422, code, "validation", message)
    }
    fn unauthorized() -> Self {
        Self::new(
            401,
            "000",
            "security",
            "HTTP Status Response - Unauthorized",
        )
    }
    fn invalid_merchant_account() -> Self {
        Self::new(403, "901", "security", "Invalid Merchant Account")
    }
    fn body(&self) -> Value {
        let mut body = json!({
            "status": self.status.as_u16(),
            "errorCode": self.code,
            "message": self.message,
            "errorType": self.kind,
        });
        if self.psp {
            body["pspReference"] = json!(new_psp());
        }
        body
    }
}

/// The result of executing one API request. 2xx answers are stored under the
/// idempotency key; errors are not, so a corrected retry with the key works.
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

// ---- helpers ------------------------------------------------------------------------------

/// A 16-character PSP reference (Adyen's shape: `993617895204576J`).
fn new_psp() -> String {
    const CHARS: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut rng = rand::rng();
    (0..16)
        .map(|i| {
            let pool = if i < 12 { &CHARS[..10] } else { CHARS };
            pool[rng.random_range(0..pool.len())] as char
        })
        .collect()
}

/// RFC 3339 in UTC (`2026-07-01T12:00:00+00:00`, as Adyen writes `eventDate`).
fn rfc3339(secs: i64) -> String {
    crate::kit::time::utc(secs, crate::kit::time::RFC3339_OFFSET)
}

/// A canonical text of a JSON value (sorted keys at every level), for comparing a
/// retried request with the first one.
fn canonical(v: &Value) -> String {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let inner: Vec<String> = keys
                .into_iter()
                .map(|k| format!("{}:{}", Value::String(k.clone()), canonical(&m[k])))
                .collect();
            format!("{{{}}}", inner.join(","))
        }
        Value::Array(a) => format!(
            "[{}]",
            a.iter().map(canonical).collect::<Vec<_>>().join(",")
        ),
        other => other.to_string(),
    }
}

/// `amount` of a request: `{currency, value}` with a known currency.
fn amount_of(body: &Map<String, Value>) -> Result<(i64, String), ApiError> {
    let Some(amount) = body.get("amount").and_then(Value::as_object) else {
        return Err(ApiError::validation("100", "No amount specified"));
    };
    let value = amount
        .get("value")
        .and_then(Value::as_i64)
        .ok_or_else(|| ApiError::validation("137", "Invalid amount specified"))?;
    if value < 0 {
        return Err(ApiError::validation("137", "Invalid amount specified"));
    }
    let currency = amount
        .get("currency")
        .and_then(Value::as_str)
        .filter(|c| c.len() == 3 && beep_sdk::money::exponent(c).is_some() || *c == "CNH")
        .ok_or_else(|| ApiError::validation("138", "Unsupported currency specified"))?;
    Ok((value, currency.to_string()))
}

fn str_field<'a>(body: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    body.get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

// ---- the simulator ------------------------------------------------------------------------

enum IdemBegin {
    Fresh,
    Replay(StatusCode, Value),
    InFlight,
    Mismatch,
}

/// What one API request asks for.
enum Endpoint {
    PaymentMethods,
    Payments,
    PaymentDetails,
    Modify(&'static str, String),
}

fn route(method: &Method, path: &str) -> Option<Endpoint> {
    if method != Method::POST {
        return None;
    }
    let path = path.strip_prefix("/v71")?;
    match path {
        "/paymentMethods" => return Some(Endpoint::PaymentMethods),
        "/payments" => return Some(Endpoint::Payments),
        "/payments/details" => return Some(Endpoint::PaymentDetails),
        _ => {}
    }
    let rest = path.strip_prefix("/payments/")?;
    let (psp, what) = rest.split_once('/')?;
    let kind = match what {
        "refunds" => "refund",
        "captures" => "capture",
        "cancels" => "cancel",
        "reversals" => "reversal",
        _ => return None,
    };
    (!psp.is_empty()).then(|| Endpoint::Modify(kind, psp.to_string()))
}

impl AdyenSim {
    pub fn new() -> Arc<AdyenSim> {
        Arc::new(AdyenSim {
            state: Mutex::new(SimState {
                api_keys: vec![SANDBOX_API_KEY.to_string()],
                merchant_accounts: vec![SANDBOX_MERCHANT_ACCOUNT.to_string()],
                hmac_key: SANDBOX_HMAC_KEY.to_string(),
                ..SimState::default()
            }),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, SimState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Accepts another API key (another web service user of the same company).
    pub fn add_api_key(&self, key: &str) {
        self.lock().api_keys.push(key.to_string());
    }

    /// Every payment so far, in creation order (the simulator's view, not an Adyen object).
    pub fn payments(&self) -> Vec<Value> {
        self.lock()
            .payments
            .iter()
            .map(SimPayment::to_json)
            .collect()
    }

    /// Every refund so far, in creation order.
    pub fn refunds(&self) -> Vec<Value> {
        self.lock()
            .modifications
            .iter()
            .filter(|m| m.kind == "refund")
            .map(Modification::to_json)
            .collect()
    }

    /// Every signed notification item, oldest first.
    pub fn notifications(&self) -> Vec<Value> {
        self.lock().notifications.clone()
    }

    fn idem_begin(&self, key: &str, fingerprint: &str) -> IdemBegin {
        let mut st = self.lock();
        if let Some(e) = st.idempotency.get(key)
            && e.created.elapsed() < IDEMPOTENCY_TTL
        {
            if e.fingerprint != fingerprint {
                return IdemBegin::Mismatch;
            }
            return match &e.answer {
                None => IdemBegin::InFlight,
                Some((s, b)) => IdemBegin::Replay(*s, b.clone()),
            };
        }
        st.idempotency.insert(
            key.to_string(),
            IdemEntry {
                fingerprint: fingerprint.to_string(),
                created: Instant::now(),
                answer: None,
            },
        );
        IdemBegin::Fresh
    }

    fn idem_finish(&self, key: &str, outcome: Option<&Outcome>) {
        let mut st = self.lock();
        match outcome {
            Some(o) if o.status.is_success() => {
                if let Some(e) = st.idempotency.get_mut(key) {
                    e.answer = Some((o.status, o.body.clone()));
                }
            }
            _ => {
                if st.idempotency.get(key).is_some_and(|e| e.answer.is_none()) {
                    st.idempotency.remove(key);
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

    fn execute(&self, endpoint: &Endpoint, body: &Map<String, Value>, base: &str) -> Outcome {
        let mut st = self.lock();
        let result = match endpoint {
            Endpoint::PaymentMethods => st.payment_methods(body),
            Endpoint::Payments => st.create_payment(body, base),
            Endpoint::PaymentDetails => st.payment_details(body),
            Endpoint::Modify(kind, psp) => st.modify(kind, psp, body),
        };
        result.unwrap_or_else(Outcome::from)
    }
}

impl SimState {
    fn check_merchant_account(&self, body: &Map<String, Value>) -> Result<String, ApiError> {
        match str_field(body, "merchantAccount") {
            Some(m) if self.merchant_accounts.iter().any(|a| a == m) => Ok(m.to_string()),
            _ => Err(ApiError::invalid_merchant_account()),
        }
    }

    /// Records a signed notification item.
    #[allow(clippy::too_many_arguments)]
    fn notify(
        &mut self,
        event_code: &str,
        psp: &str,
        original: Option<&str>,
        p: &SimPayment,
        merchant_reference: &str,
        amount: (i64, &str),
        success: bool,
        reason: Option<&str>,
        extra: &[(&str, &str)],
    ) {
        let mut additional = Map::new();
        for (k, v) in extra {
            additional.insert((*k).to_string(), json!(v));
        }
        let mut item = json!({
            "amount": { "currency": amount.1, "value": amount.0 },
            "eventCode": event_code,
            "eventDate": rfc3339(now_secs()),
            "merchantAccountCode": p.merchant_account,
            "merchantReference": merchant_reference,
            "paymentMethod": p.method,
            "pspReference": psp,
            "success": if success { "true" } else { "false" },
        });
        if let Some(o) = original {
            item["originalReference"] = json!(o);
        }
        if let Some(r) = reason {
            item["reason"] = json!(r);
        }
        if event_code == "AUTHORISATION" && success {
            item["operations"] = json!(["CANCEL", "CAPTURE", "REFUND"]);
        }
        let signature = sign_notification(&self.hmac_key, &item);
        additional.insert("hmacSignature".into(), json!(signature));
        item["additionalData"] = Value::Object(additional);
        self.notifications.push(item);
    }

    fn payment_methods(&self, body: &Map<String, Value>) -> Result<Outcome, ApiError> {
        self.check_merchant_account(body)?;
        Ok(Outcome {
            status: StatusCode::OK,
            body: json!({
                "paymentMethods": [
                    {"brands": ["visa", "mc", "amex", "maestro"], "name": "Cards", "type": "scheme"},
                    {"name": "iDEAL", "type": "ideal"},
                    {"name": "Klarna Pay later", "type": "klarna"},
                ],
                "storedPaymentMethods": TEST_TOKENS.iter().map(|(id, _, _)| json!({
                    "brand": "visa", "expiryMonth": "03", "expiryYear": "2030",
                    "holderName": "Beep Sandbox", "id": id, "lastFour": "1111",
                    "name": "VISA", "supportedShopperInteractions": ["Ecommerce", "ContAuth"],
                    "type": "scheme",
                })).collect::<Vec<_>>(),
            }),
        })
    }

    fn create_payment(
        &mut self,
        body: &Map<String, Value>,
        base: &str,
    ) -> Result<Outcome, ApiError> {
        let merchant_account = self.check_merchant_account(body)?;
        let (value, currency) = amount_of(body)?;
        let reference = str_field(body, "reference").ok_or_else(|| {
            ApiError::validation("130", "Required field 'reference' is not provided.")
        })?;
        if reference.chars().count() > 80 {
            return Err(ApiError::validation(
                "130",
                "Field 'reference' exceeds the maximum of 80 characters.",
            ));
        }
        let pm = body
            .get("paymentMethod")
            .and_then(Value::as_object)
            .ok_or_else(|| {
                ApiError::validation("702", "Required object 'paymentMethod' is not provided.")
            })?;
        // Required by the spec (`PaymentRequest.required`), with the spec's own 422 example.
        let return_url = str_field(body, "returnUrl")
            .ok_or_else(|| ApiError::validation("14_030", "Return URL is missing."))?;
        if let Some(metadata) = body.get("metadata").and_then(Value::as_object)
            && (metadata.len() > 20
                || metadata.iter().any(|(k, v)| {
                    k.chars().count() > 20 || v.as_str().is_none_or(|s| s.chars().count() > 80)
                }))
        {
            return Err(ApiError::validation("177", "Metadata size exceeds limit"));
        }
        let (result, refusal, method) = outcome_of(pm)?;
        let stored = pm
            .get("storedPaymentMethodId")
            .or_else(|| pm.get("recurringDetailReference"))
            .and_then(Value::as_str)
            .map(String::from);
        let delay = body
            .get("captureDelayHours")
            .and_then(Value::as_i64)
            .unwrap_or(0);
        let manual_capture = delay > 0
            || body
                .get("additionalData")
                .and_then(|a| a.get("manualCapture"))
                .and_then(Value::as_str)
                == Some("true");
        let psp = new_psp();
        let action = match result {
            ResultCode::RedirectShopper => Some(json!({
                "paymentMethodType": method,
                "url": format!("{base}/_sim/authenticate/{psp}"),
                "method": "GET",
                "type": "redirect",
            })),
            ResultCode::ChallengeShopper => Some(json!({
                "paymentMethodType": "scheme",
                "subtype": "challenge",
                "token": base64::engine::general_purpose::STANDARD.encode(format!("{{\"acsURL\":\"{base}/_sim/authenticate/{psp}\"}}")),
                "paymentData": format!("Ab02b4c0!{psp}"),
                "authorisationToken": format!("Ab02b4c0!auth{psp}"),
                "url": format!("{base}/_sim/authenticate/{psp}"),
                "type": "threeDS2",
            })),
            ResultCode::IdentifyShopper => Some(json!({
                "paymentMethodType": "scheme",
                "subtype": "fingerprint",
                "token": base64::engine::general_purpose::STANDARD.encode("{\"threeDSMethodNotificationURL\":\"\"}"),
                "paymentData": format!("Ab02b4c0!{psp}"),
                "authorisationToken": format!("Ab02b4c0!auth{psp}"),
                "type": "threeDS2",
            })),
            _ => None,
        };
        let captured = if result == ResultCode::Authorised && !manual_capture {
            value
        } else {
            0
        };
        let payment = SimPayment {
            psp: psp.clone(),
            merchant_account,
            reference: reference.to_string(),
            merchant_order_reference: str_field(body, "merchantOrderReference").map(String::from),
            amount: value,
            currency: currency.clone(),
            result,
            refusal,
            method,
            stored_payment_method_id: stored,
            shopper_reference: str_field(body, "shopperReference").map(String::from),
            return_url: return_url.to_string(),
            metadata: body.get("metadata").cloned().unwrap_or(json!({})),
            manual_capture,
            captured,
            refunded: 0,
            action,
            redirect_result: None,
            created: rfc3339(now_secs()),
        };
        let response = payment.response();
        if !result.is_open() && result != ResultCode::Cancelled {
            let success = result == ResultCode::Authorised;
            let p = payment.clone();
            self.notify(
                "AUTHORISATION",
                &psp,
                None,
                &p,
                &p.reference,
                (value, &currency),
                success,
                refusal.map(|r| r.0),
                &[],
            );
        }
        self.payment_index.insert(psp, self.payments.len());
        self.payments.push(payment);
        Ok(Outcome {
            status: StatusCode::OK,
            body: response,
        })
    }

    fn payment_details(&mut self, body: &Map<String, Value>) -> Result<Outcome, ApiError> {
        let details = body
            .get("details")
            .and_then(Value::as_object)
            .ok_or_else(|| {
                ApiError::validation("702", "Required object 'details' is not provided.")
            })?;
        let token = details
            .get("redirectResult")
            .or_else(|| details.get("threeDSResult"))
            .and_then(Value::as_str)
            .ok_or_else(|| ApiError::validation("14_005", "Invalid payload provided"))?;
        let payment = self
            .payments
            .iter()
            .find(|p| p.redirect_result.as_deref() == Some(token))
            .ok_or_else(|| ApiError::validation("14_005", "Invalid payload provided"))?;
        let mut response = payment.response();
        if let Some(o) = response.as_object_mut() {
            o.remove("action");
        }
        Ok(Outcome {
            status: StatusCode::OK,
            body: response,
        })
    }

    /// Refunds, captures, cancels and reversals: validated here, answered `received`,
    /// decided at once and reported by notification.
    fn modify(
        &mut self,
        kind: &'static str,
        payment_psp: &str,
        body: &Map<String, Value>,
    ) -> Result<Outcome, ApiError> {
        let merchant_account = self.check_merchant_account(body)?;
        let Some(&idx) = self.payment_index.get(payment_psp) else {
            return Err(ApiError::validation(
                "167",
                "Original pspReference required for this operation",
            ));
        };
        let p = self.payments[idx].clone();
        if p.merchant_account != merchant_account {
            return Err(ApiError::invalid_merchant_account());
        }
        let amount = match kind {
            "refund" | "capture" => {
                let (value, currency) = amount_of(body)?;
                if value == 0 {
                    return Err(ApiError::validation("137", "Invalid amount specified"));
                }
                if currency != p.currency {
                    return Err(ApiError::validation(
                        "138",
                        format!(
                            "Currency {currency} does not match the payment's {}",
                            p.currency
                        ),
                    ));
                }
                Some((value, currency))
            }
            _ => None,
        };
        let reference = str_field(body, "reference").map(String::from);
        let refund_reason = str_field(body, "merchantRefundReason").map(String::from);
        if let Some(r) = &refund_reason
            && !["FRAUD", "CUSTOMER REQUEST", "RETURN", "DUPLICATE", "OTHER"].contains(&r.as_str())
        {
            return Err(ApiError::validation(
                "702",
                format!("Invalid value for merchantRefundReason: {r}"),
            ));
        }
        let psp = new_psp();
        let authorised = p.result == ResultCode::Authorised;
        let left = p.captured - p.refunded;
        let (event, success, reason, notified_amount, action): (
            &str,
            bool,
            Option<&str>,
            (i64, String),
            Option<&str>,
        ) = match kind {
            "refund" => {
                let (value, currency) = amount.clone().expect("refund amount");
                let (ok, why) = if !authorised || p.captured == 0 {
                    (
                        false,
                        Some("Transaction hasn't been captured, refund not possible"),
                    )
                } else if value > left {
                    (false, Some("Insufficient balance on payment"))
                } else {
                    (true, None)
                };
                if ok {
                    self.payments[idx].refunded += value;
                }
                ("REFUND", ok, why, (value, currency), None)
            }
            "capture" => {
                let (value, currency) = amount.clone().expect("capture amount");
                let (ok, why) = if !authorised {
                    (false, Some("Transaction is not authorised"))
                } else if value > p.amount - p.captured {
                    (false, Some("Insufficient balance on payment"))
                } else {
                    (true, None)
                };
                if ok {
                    self.payments[idx].captured += value;
                }
                ("CAPTURE", ok, why, (value, currency), None)
            }
            "cancel" => {
                let ok = authorised && p.captured == 0;
                if ok {
                    self.payments[idx].result = ResultCode::Cancelled;
                }
                let why = (!ok).then_some("Transaction already captured or not authorised");
                (
                    "CANCELLATION",
                    ok,
                    why,
                    (p.amount, p.currency.clone()),
                    None,
                )
            }
            _ => {
                // Cancel when nothing is captured yet, else refund what is left.
                if authorised && p.captured == 0 {
                    self.payments[idx].result = ResultCode::Cancelled;
                    (
                        "CANCEL_OR_REFUND",
                        true,
                        None,
                        (p.amount, p.currency.clone()),
                        Some("cancel"),
                    )
                } else if authorised && left > 0 {
                    self.payments[idx].refunded += left;
                    (
                        "CANCEL_OR_REFUND",
                        true,
                        None,
                        (left, p.currency.clone()),
                        Some("refund"),
                    )
                } else {
                    (
                        "CANCEL_OR_REFUND",
                        false,
                        Some("Nothing left to cancel or refund"),
                        (p.amount, p.currency.clone()),
                        None,
                    )
                }
            }
        };
        let extra: Vec<(&str, &str)> = action
            .map(|a| vec![("modification.action", a)])
            .unwrap_or_default();
        let merchant_reference = reference.clone().unwrap_or_else(|| p.reference.clone());
        self.notify(
            event,
            &psp,
            Some(payment_psp),
            &p,
            &merchant_reference,
            (notified_amount.0, &notified_amount.1),
            success,
            reason,
            &extra,
        );
        self.modifications.push(Modification {
            psp: psp.clone(),
            kind,
            payment_psp: payment_psp.to_string(),
            merchant_account: merchant_account.clone(),
            reference: reference.clone(),
            amount: amount.clone(),
            merchant_refund_reason: refund_reason.clone(),
            success,
            reason: reason.map(String::from),
            failed_later: false,
        });
        let mut answer = json!({
            "merchantAccount": merchant_account,
            "paymentPspReference": payment_psp,
            "pspReference": psp,
            "status": "received",
        });
        if let Some(r) = reference {
            answer["reference"] = json!(r);
        }
        if let Some((v, c)) = amount {
            answer["amount"] = json!({"currency": c, "value": v});
        }
        if kind == "refund" {
            answer["merchantRefundReason"] = json!(refund_reason);
        }
        Ok(Outcome {
            status: StatusCode::CREATED,
            body: answer,
        })
    }

    /// The shopper finished (or failed) the authentication behind `action.url`, or an
    /// asynchronous payment got its outcome.
    fn authenticate(&mut self, psp: &str, succeed: bool) -> Result<SimPayment, String> {
        let idx = *self
            .payment_index
            .get(psp)
            .ok_or_else(|| format!("no payment {psp}"))?;
        let p = &mut self.payments[idx];
        if !p.result.is_open() {
            return Err(format!("payment {psp} is {}", p.result.as_str()));
        }
        if succeed {
            p.result = ResultCode::Authorised;
            p.refusal = None;
            if !p.manual_capture {
                p.captured = p.amount;
            }
        } else {
            p.result = ResultCode::Refused;
            p.refusal = Some(("3D Not Authenticated", "11"));
        }
        p.action = None;
        p.redirect_result = Some(
            base64::engine::general_purpose::STANDARD
                .encode(format!("beep-sim:{psp}:{}", rand::rng().random::<u32>())),
        );
        let p = p.clone();
        self.notify(
            "AUTHORISATION",
            psp,
            None,
            &p,
            &p.reference,
            (p.amount, &p.currency),
            succeed,
            p.refusal.map(|r| r.0),
            &[],
        );
        Ok(p)
    }

    /// A refund the scheme rejected after Adyen had reported it refunded.
    fn refund_failed(&mut self, refund_psp: &str) -> Result<Value, String> {
        let m = self
            .modifications
            .iter_mut()
            .find(|m| m.psp == refund_psp && m.kind == "refund")
            .ok_or_else(|| format!("no refund {refund_psp}"))?;
        if !m.success || m.failed_later {
            return Err(format!("refund {refund_psp} did not succeed"));
        }
        m.failed_later = true;
        let m = m.clone();
        let idx = self.payment_index[&m.payment_psp];
        let (value, currency) = m.amount.clone().expect("refund amount");
        self.payments[idx].refunded -= value;
        let p = self.payments[idx].clone();
        let reference = m.reference.clone().unwrap_or_else(|| p.reference.clone());
        self.notify(
            "REFUND_FAILED",
            &m.psp,
            Some(&m.payment_psp),
            &p,
            &reference,
            (value, &currency),
            true,
            Some("Refund rejected by the scheme"),
            &[],
        );
        Ok(m.to_json())
    }
}

// ---- HTTP layer ---------------------------------------------------------------------------

/// Routes relative to the mount point: the API under `/v71/`, test hooks under `/_sim/`
/// and `/v71/_sim/`.
pub fn router(sim: Arc<AdyenSim>) -> Router {
    let hooks = Router::new()
        .route("/payments", get(sim_payments))
        .route("/refunds", get(sim_refunds))
        .route("/notifications", get(sim_notifications))
        .route("/fail", post(sim_fail))
        .route("/delay", post(sim_delay))
        .route("/reset", post(sim_reset))
        .route("/authenticate/{psp}", get(sim_authenticate))
        .route("/refund_failed/{psp}", post(sim_refund_failed));
    Router::new()
        .route("/v71/{*path}", any(api))
        .nest("/_sim", hooks.clone())
        .nest("/v71/_sim", hooks)
        .with_state(sim)
}

fn json_response(status: StatusCode, body: &Value) -> Response {
    let mut resp = (status, body.to_string()).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=UTF-8"),
    );
    if let Some(psp) = body["pspReference"].as_str()
        && let Ok(v) = HeaderValue::from_str(psp)
    {
        h.insert("pspreference", v);
    }
    resp
}

/// The vendor base URL as the caller sees it: `http://{Host}{mount}/v71`.
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
    format!("http://{host}{prefix}/{API_VERSION}")
}

/// Every `/v71/…` request: injected failures, then [`handle`], then an injected delay of
/// the answer.
async fn api(
    State(sim): State<Arc<AdyenSim>>,
    method: Method,
    uri: Uri,
    OriginalUri(original): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let fail = sim.take_fail();
    if let Some(plan) = fail.clone().filter(|p| !p.after_write) {
        return injected_failure(plan);
    }
    let delay = sim.take_delay();
    let base = base_url(&headers, &uri, &original);
    let resp = handle(&sim, &method, &uri, &headers, &body, &base, delay).await;
    if let Some(plan) = fail {
        return injected_failure(plan);
    }
    if let Some(d) = delay.filter(|d| d.stage == DelayStage::Response) {
        tokio::time::sleep(Duration::from_millis(d.ms)).await;
    }
    resp
}

fn injected_failure(plan: Fault) -> Response {
    let err = match plan.status.as_u16() {
        401 => ApiError::unauthorized(),
        403 => ApiError::invalid_merchant_account(),
        429 => ApiError::new(429, "000", "validation", "Too many requests"),
        500 => ApiError::new(500, "000", "internal", "An internal error occurred"),
        s if s >= 500 => ApiError::new(s, "000", "internal", "Service temporarily unavailable"),
        s => ApiError::new(s, "000", "validation", "Injected failure"),
    };
    let mut resp = json_response(err.status, &err.body());
    if let Some(s) = plan.retry_after {
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(s));
    }
    resp
}

/// Authentication, routing, body, idempotency and execution of one request.
async fn handle(
    sim: &Arc<AdyenSim>,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &Bytes,
    base: &str,
    delay: Option<DelayPlan>,
) -> Response {
    let key = headers
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .unwrap_or("");
    if key.is_empty() || !sim.lock().api_keys.iter().any(|k| k == key) {
        return json_response(StatusCode::UNAUTHORIZED, &ApiError::unauthorized().body());
    }
    let Some(endpoint) = route(method, uri.path()) else {
        let err = ApiError::new(
            404,
            "000",
            "validation",
            format!("{} {} not found", method, uri.path()),
        );
        return json_response(err.status, &err.body());
    };
    let body: Map<String, Value> = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => m,
        Ok(_) => {
            let err = ApiError::new(
                400,
                "702",
                "validation",
                "Unexpected input: expected a JSON object",
            );
            return json_response(err.status, &err.body());
        }
        Err(e) => {
            let err = ApiError::new(400, "702", "validation", format!("Unexpected input: {e}"));
            return json_response(err.status, &err.body());
        }
    };

    let idem_key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    if idem_key
        .as_ref()
        .is_some_and(|k| k.is_empty() || k.len() > IDEMPOTENCY_KEY_MAX)
    {
        let err = ApiError::new(
            400,
            "702",
            "validation",
            format!("Idempotency-Key must be 1 to {IDEMPOTENCY_KEY_MAX} characters"),
        );
        return json_response(err.status, &err.body());
    }
    let mut guard = None;
    if let Some(k) = &idem_key {
        let fingerprint = format!("{} {}", uri.path(), canonical(&Value::Object(body.clone())));
        match sim.idem_begin(k, &fingerprint) {
            IdemBegin::Fresh => {
                guard = Some(IdemGuard {
                    sim: sim.clone(),
                    key: k.clone(),
                    finished: false,
                })
            }
            IdemBegin::Replay(status, body) => {
                let mut resp = json_response(status, &body);
                if let Ok(v) = HeaderValue::from_str(k) {
                    resp.headers_mut().insert("idempotency-key", v);
                }
                return resp;
            }
            // Adyen documents error 704 for a key whose first request is still being
            // processed, marked retryable with `Transient-Error: true`.
            IdemBegin::InFlight => {
                let err = ApiError::validation("704", "request already processed or in progress");
                let mut resp = json_response(err.status, &err.body());
                resp.headers_mut()
                    .insert("transient-error", HeaderValue::from_static("true"));
                return resp;
            }
            // Adyen's docs say only that a key belongs to one request; the simulator
            // refuses another body (or endpoint) under a used key with the same 704,
            // without the transient marker: retrying cannot help.
            IdemBegin::Mismatch => {
                let err = ApiError::validation("704", "request already processed or in progress");
                return json_response(err.status, &err.body());
            }
        }
    }

    if let Some(d) = delay.filter(|d| d.stage == DelayStage::Processing) {
        tokio::time::sleep(Duration::from_millis(d.ms)).await;
    }

    let outcome = sim.execute(&endpoint, &body, base);
    if let Some(mut g) = guard {
        sim.idem_finish(&g.key, Some(&outcome));
        g.finished = true;
    }
    let mut resp = json_response(outcome.status, &outcome.body);
    if let Some(k) = idem_key.and_then(|k| HeaderValue::from_str(&k).ok()) {
        resp.headers_mut().insert("idempotency-key", k);
    }
    resp
}

/// Frees an in-flight idempotency key if the request is dropped before it finishes.
struct IdemGuard {
    sim: Arc<AdyenSim>,
    key: String,
    finished: bool,
}

impl Drop for IdemGuard {
    fn drop(&mut self) {
        if !self.finished {
            self.sim.idem_finish(&self.key, None);
        }
    }
}

// ---- test hooks ---------------------------------------------------------------------------

async fn sim_payments(State(sim): State<Arc<AdyenSim>>) -> Response {
    axum::Json(sim.payments()).into_response()
}

async fn sim_refunds(State(sim): State<Arc<AdyenSim>>) -> Response {
    axum::Json(sim.refunds()).into_response()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NotificationFilter {
    event_code: Option<String>,
    psp_reference: Option<String>,
    original_reference: Option<String>,
    merchant_reference: Option<String>,
}

async fn sim_notifications(
    State(sim): State<Arc<AdyenSim>>,
    Query(f): Query<NotificationFilter>,
) -> Response {
    let matches = |item: &Value, field: &str, want: &Option<String>| {
        want.as_ref()
            .is_none_or(|w| item[field].as_str() == Some(w))
    };
    let bodies: Vec<Value> = sim
        .notifications()
        .iter()
        .filter(|i| {
            matches(i, "eventCode", &f.event_code)
                && matches(i, "pspReference", &f.psp_reference)
                && matches(i, "originalReference", &f.original_reference)
                && matches(i, "merchantReference", &f.merchant_reference)
        })
        .map(notification_body)
        .collect();
    axum::Json(bodies).into_response()
}

async fn sim_fail(State(sim): State<Arc<AdyenSim>>, body: axum::body::Bytes) -> Response {
    crate::kit::fault::arm(&mut sim.lock().fail, &body)
}

async fn sim_delay(
    State(sim): State<Arc<AdyenSim>>,
    axum::Json(plan): axum::Json<DelayPlan>,
) -> Response {
    sim.lock().delay = (plan.times > 0).then_some(plan);
    axum::Json(json!({ "ms": plan.ms, "times": plan.times })).into_response()
}

async fn sim_reset(State(sim): State<Arc<AdyenSim>>) -> Response {
    let mut st = sim.lock();
    let keys = std::mem::take(&mut st.api_keys);
    let accounts = std::mem::take(&mut st.merchant_accounts);
    let hmac_key = std::mem::take(&mut st.hmac_key);
    *st = SimState {
        api_keys: keys,
        merchant_accounts: accounts,
        hmac_key,
        ..SimState::default()
    };
    StatusCode::NO_CONTENT.into_response()
}

#[derive(Deserialize)]
struct AuthenticateParams {
    /// `succeed` (default) or `fail`.
    result: Option<String>,
}

/// Stands in for the issuer's 3-D Secure page behind `action.url`: completes the
/// authentication (an `AUTHORISATION` notification follows) and sends the shopper back
/// to `returnUrl` with a `redirectResult` for `/payments/details`, as Adyen does.
async fn sim_authenticate(
    State(sim): State<Arc<AdyenSim>>,
    Path(psp): Path<String>,
    Query(q): Query<AuthenticateParams>,
) -> Response {
    let succeed = q.result.as_deref() != Some("fail");
    let result = sim.lock().authenticate(&psp, succeed);
    match result {
        Err(m) => (StatusCode::BAD_REQUEST, m).into_response(),
        Ok(p) => {
            let token = p.redirect_result.clone().unwrap_or_default();
            let query = form_urlencoded::Serializer::new(String::new())
                .append_pair("redirectResult", &token)
                .finish();
            let sep = if p.return_url.contains('?') { '&' } else { '?' };
            match HeaderValue::from_str(&format!("{}{sep}{query}", p.return_url)) {
                Ok(v) => (StatusCode::SEE_OTHER, [(header::LOCATION, v)]).into_response(),
                Err(_) => axum::Json(p.response()).into_response(),
            }
        }
    }
}

async fn sim_refund_failed(State(sim): State<Arc<AdyenSim>>, Path(psp): Path<String>) -> Response {
    let result = sim.lock().refund_failed(&psp);
    match result {
        Ok(v) => axum::Json(v).into_response(),
        Err(m) => (StatusCode::BAD_REQUEST, m).into_response(),
    }
}

// ---- tests --------------------------------------------------------------------------------

#[cfg(test)]
mod tests;

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
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

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
    fail: Option<FailPlan>,
    delay: Option<DelayPlan>,
}

struct IdemEntry {
    fingerprint: String,
    created: Instant,
    /// `None` while the first request is still executing.
    answer: Option<(StatusCode, Value)>,
}

#[derive(Clone, Copy, Debug, Deserialize)]
struct FailPlan {
    status: u16,
    #[serde(default = "one")]
    times: u32,
    #[serde(default, rename = "retryAfter")]
    retry_after: Option<u32>,
    /// `false` (default): fail before anything executes. `true`: execute the request
    /// (and store its answer under the Idempotency-Key), then answer the failure, as
    /// when Adyen acted but the answer was lost on the way.
    #[serde(default)]
    after: bool,
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

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// RFC 3339 in UTC (`2026-07-01T12:00:00+00:00`, as Adyen writes `eventDate`).
fn rfc3339(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}+00:00",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
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

    fn take_fail(&self) -> Option<FailPlan> {
        let mut st = self.lock();
        let plan = st.fail?;
        st.fail = (plan.times > 1).then_some(FailPlan {
            times: plan.times - 1,
            ..plan
        });
        (plan.times > 0).then_some(plan)
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
    if let Some(plan) = fail.filter(|p| !p.after) {
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

fn injected_failure(plan: FailPlan) -> Response {
    let err = match plan.status {
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

async fn sim_fail(
    State(sim): State<Arc<AdyenSim>>,
    axum::Json(plan): axum::Json<FailPlan>,
) -> Response {
    if !(400..=599).contains(&plan.status) {
        return (StatusCode::BAD_REQUEST, "status must be 400..=599").into_response();
    }
    sim.lock().fail = (plan.times > 0).then_some(plan);
    axum::Json(json!({ "status": plan.status, "times": plan.times })).into_response()
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
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;

    struct Answer {
        status: StatusCode,
        headers: HeaderMap,
        body: Value,
    }

    async fn call(
        app: &Router,
        method: &str,
        path: &str,
        key: Option<&str>,
        idem: Option<&str>,
        body: Value,
    ) -> Answer {
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header("content-type", "application/json")
            .header("host", "sim.test");
        if let Some(k) = key {
            req = req.header("x-api-key", k);
        }
        if let Some(i) = idem {
            req = req.header("idempotency-key", i);
        }
        let text = if body.is_null() {
            String::new()
        } else {
            body.to_string()
        };
        let resp = app
            .clone()
            .oneshot(req.body(Body::from(text)).unwrap())
            .await
            .unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap();
        let body = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        Answer {
            status,
            headers,
            body,
        }
    }

    const K: Option<&str> = Some(SANDBOX_API_KEY);

    fn pay(token: &str, value: i64, currency: &str) -> Value {
        json!({
            "amount": {"value": value, "currency": currency},
            "merchantAccount": SANDBOX_MERCHANT_ACCOUNT,
            "reference": "pay_1",
            "paymentMethod": {"type": "scheme", "storedPaymentMethodId": token},
            "returnUrl": "https://shop.example/done",
            "shopperInteraction": "ContAuth",
            "recurringProcessingModel": "CardOnFile",
        })
    }

    fn refund(value: i64) -> Value {
        json!({
            "amount": {"value": value, "currency": "EUR"},
            "merchantAccount": SANDBOX_MERCHANT_ACCOUNT,
            "reference": "rf_1",
            "merchantRefundReason": "CUSTOMER REQUEST",
        })
    }

    fn app() -> (Arc<AdyenSim>, Router) {
        let sim = AdyenSim::new();
        (sim.clone(), router(sim))
    }

    #[tokio::test]
    async fn authorised_payment_and_its_notification() {
        let (sim, app) = app();
        let a = call(
            &app,
            "POST",
            "/v71/payments",
            K,
            Some("k1"),
            pay("adyen_test_authorised", 1999, "EUR"),
        )
        .await;
        assert_eq!(a.status, 200, "{}", a.body);
        assert_eq!(a.body["resultCode"], "Authorised");
        assert_eq!(a.body["merchantReference"], "pay_1");
        assert_eq!(a.body["amount"], json!({"currency": "EUR", "value": 1999}));
        let psp = a.body["pspReference"].as_str().unwrap();
        assert_eq!(psp.len(), 16);
        assert_eq!(a.headers.get("idempotency-key").unwrap(), "k1");
        assert_eq!(a.headers.get("pspreference").unwrap(), psp);
        let payments = sim.payments();
        assert_eq!(payments.len(), 1);
        assert_eq!(payments[0]["capturedValue"], 1999);

        let n = sim.notifications();
        assert_eq!(n.len(), 1);
        assert_eq!(n[0]["eventCode"], "AUTHORISATION");
        assert_eq!(n[0]["success"], "true");
        assert_eq!(n[0]["pspReference"], psp);
        let sig = n[0]["additionalData"]["hmacSignature"].as_str().unwrap();
        assert_eq!(sig, sign_notification(SANDBOX_HMAC_KEY, &n[0]));

        // The hook serves ready-to-post bodies, beside the API as well.
        let hook = call(
            &app,
            "GET",
            "/v71/_sim/notifications?eventCode=AUTHORISATION",
            None,
            None,
            Value::Null,
        )
        .await;
        assert_eq!(hook.status, 200);
        assert_eq!(hook.body[0]["live"], "false");
        assert_eq!(
            hook.body[0]["notificationItems"][0]["NotificationRequestItem"],
            n[0]
        );
        let none = call(
            &app,
            "GET",
            "/_sim/notifications?eventCode=REFUND",
            None,
            None,
            Value::Null,
        )
        .await;
        assert_eq!(none.body, json!([]));
        let methods = call(
            &app,
            "POST",
            "/v71/paymentMethods",
            K,
            None,
            json!({"merchantAccount": SANDBOX_MERCHANT_ACCOUNT}),
        )
        .await;
        assert_eq!(methods.status, 200);
        assert_eq!(methods.body["paymentMethods"][0]["type"], "scheme");
    }

    #[tokio::test]
    async fn result_codes_by_test_token() {
        let (sim, app) = app();
        let r = call(
            &app,
            "POST",
            "/v71/payments",
            K,
            None,
            pay("adyen_test_refused", 500, "EUR"),
        )
        .await;
        assert_eq!(r.status, 200);
        assert_eq!(r.body["resultCode"], "Refused");
        assert_eq!(r.body["refusalReason"], "Refused");
        assert_eq!(r.body["refusalReasonCode"], "2");
        let n = sim.notifications();
        assert_eq!(n[0]["success"], "false");
        assert_eq!(n[0]["reason"], "Refused");

        for (token, code) in [
            ("adyen_test_pending", "Pending"),
            ("adyen_test_received", "Received"),
            ("adyen_test_cancelled", "Cancelled"),
            ("adyen_test_error", "Error"),
        ] {
            let r = call(
                &app,
                "POST",
                "/v71/payments",
                K,
                None,
                pay(token, 500, "EUR"),
            )
            .await;
            assert_eq!(r.body["resultCode"], code, "{token}");
        }
        let e = call(
            &app,
            "POST",
            "/v71/payments",
            K,
            None,
            pay("adyen_test_error", 500, "EUR"),
        )
        .await;
        assert_eq!(e.body["refusalReason"], "Acquirer Error");

        let u = call(
            &app,
            "POST",
            "/v71/payments",
            K,
            None,
            pay("pm_unknown", 500, "EUR"),
        )
        .await;
        assert_eq!(u.status, 422);
        assert_eq!(u.body["errorCode"], "803");
        assert_eq!(u.body["errorType"], "validation");
        assert_eq!(u.body["status"], 422);

        // Test-mode encrypted placeholders of the card components.
        let mut card = pay("x", 1000, "USD");
        card["paymentMethod"] = json!({"type": "scheme", "encryptedCardNumber": "test_4111111111111111",
            "encryptedExpiryMonth": "test_03", "encryptedExpiryYear": "test_2030", "encryptedSecurityCode": "test_737"});
        let c = call(&app, "POST", "/v71/payments", K, None, card.clone()).await;
        assert_eq!(c.body["resultCode"], "Authorised");
        card["paymentMethod"]["encryptedCardNumber"] = json!("test_5454545454545454");
        let c = call(&app, "POST", "/v71/payments", K, None, card).await;
        assert_eq!(c.body["resultCode"], "RedirectShopper");
    }

    #[tokio::test]
    async fn three_d_secure_redirect_and_details() {
        let (sim, app) = app();
        let a = call(
            &app,
            "POST",
            "/v71/payments",
            K,
            None,
            pay("adyen_test_3ds", 1000, "EUR"),
        )
        .await;
        assert_eq!(a.body["resultCode"], "RedirectShopper");
        assert_eq!(a.body["action"]["type"], "redirect");
        assert_eq!(a.body["action"]["method"], "GET");
        let url = a.body["action"]["url"].as_str().unwrap();
        assert!(
            url.starts_with("http://sim.test/v71/_sim/authenticate/"),
            "{url}"
        );
        assert!(
            sim.notifications().is_empty(),
            "no outcome before the shopper acts"
        );

        let path = &url["http://sim.test".len()..];
        let done = call(&app, "GET", path, None, None, Value::Null).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER);
        let loc = done.headers.get("location").unwrap().to_str().unwrap();
        assert!(
            loc.starts_with("https://shop.example/done?redirectResult="),
            "{loc}"
        );
        let token = form_urlencoded::parse(loc.split_once('?').unwrap().1.as_bytes())
            .find(|(k, _)| k == "redirectResult")
            .unwrap()
            .1
            .into_owned();
        let d = call(
            &app,
            "POST",
            "/v71/payments/details",
            K,
            None,
            json!({"details": {"redirectResult": token}}),
        )
        .await;
        assert_eq!(d.status, 200, "{}", d.body);
        assert_eq!(d.body["resultCode"], "Authorised");
        assert_eq!(d.body["pspReference"], a.body["pspReference"]);
        let n = sim.notifications();
        assert_eq!(n.len(), 1);
        assert_eq!(n[0]["eventCode"], "AUTHORISATION");
        assert_eq!(n[0]["success"], "true");
        // A finished payment cannot be authenticated again.
        let again = call(&app, "GET", path, None, None, Value::Null).await;
        assert_eq!(again.status, 400);

        let c = call(
            &app,
            "POST",
            "/v71/payments",
            K,
            None,
            pay("adyen_test_3ds2_challenge", 1000, "EUR"),
        )
        .await;
        assert_eq!(c.body["resultCode"], "ChallengeShopper");
        assert_eq!(c.body["action"]["type"], "threeDS2");
        assert!(c.body["action"]["url"].is_string());
        let i = call(
            &app,
            "POST",
            "/v71/payments",
            K,
            None,
            pay("adyen_test_3ds2_identify", 1000, "EUR"),
        )
        .await;
        assert_eq!(i.body["resultCode"], "IdentifyShopper");
        assert!(i.body.get("pspReference").is_none());
        assert!(i.body["action"].get("url").is_none());
    }

    #[tokio::test]
    async fn refunds_are_received_and_decided_by_notification() {
        let (sim, app) = app();
        let a = call(
            &app,
            "POST",
            "/v71/payments",
            K,
            None,
            pay("adyen_test_authorised", 1000, "EUR"),
        )
        .await;
        let psp = a.body["pspReference"].as_str().unwrap().to_string();
        let path = format!("/v71/payments/{psp}/refunds");
        let r1 = call(&app, "POST", &path, K, Some("r1"), refund(600)).await;
        assert_eq!(r1.status, 201, "{}", r1.body);
        assert_eq!(r1.body["status"], "received");
        assert_eq!(r1.body["paymentPspReference"], psp.as_str());
        assert_eq!(r1.body["amount"], json!({"currency": "EUR", "value": 600}));
        assert_eq!(r1.body["reference"], "rf_1");
        assert_eq!(r1.body["merchantRefundReason"], "CUSTOMER REQUEST");
        let rpsp = r1.body["pspReference"].as_str().unwrap().to_string();
        assert_ne!(rpsp, psp);
        // Replayed, not refunded twice.
        let again = call(&app, "POST", &path, K, Some("r1"), refund(600)).await;
        assert_eq!(again.status, 201);
        assert_eq!(again.body, r1.body);
        // More than is left: received, then a failed REFUND notification.
        let r2 = call(&app, "POST", &path, K, Some("r2"), refund(500)).await;
        assert_eq!(r2.status, 201);
        let r3 = call(&app, "POST", &path, K, Some("r3"), refund(400)).await;
        assert_eq!(r3.status, 201);

        let refunds: Vec<Value> = sim
            .notifications()
            .into_iter()
            .filter(|n| n["eventCode"] == "REFUND")
            .collect();
        assert_eq!(refunds.len(), 3);
        assert_eq!(refunds[0]["pspReference"], rpsp.as_str());
        assert_eq!(refunds[0]["originalReference"], psp.as_str());
        assert_eq!(refunds[0]["merchantReference"], "rf_1");
        assert_eq!(refunds[0]["success"], "true");
        assert_eq!(refunds[1]["success"], "false");
        assert_eq!(refunds[1]["reason"], "Insufficient balance on payment");
        assert_eq!(refunds[2]["success"], "true");
        for n in &refunds {
            assert_eq!(
                n["additionalData"]["hmacSignature"].as_str().unwrap(),
                sign_notification(SANDBOX_HMAC_KEY, n)
            );
        }
        assert_eq!(sim.refunds().len(), 3);
        assert_eq!(sim.payments()[0]["refundedValue"], 1000);

        // A later REFUND_FAILED gives the amount back.
        let f = call(
            &app,
            "POST",
            &format!("/_sim/refund_failed/{rpsp}"),
            None,
            None,
            Value::Null,
        )
        .await;
        assert_eq!(f.status, 200, "{}", f.body);
        let last = sim.notifications().pop().unwrap();
        assert_eq!(last["eventCode"], "REFUND_FAILED");
        assert_eq!(last["pspReference"], rpsp.as_str());
        assert_eq!(sim.payments()[0]["refundedValue"], 400);

        // Validation: unknown payment, zero amount, another currency, bad reason.
        let u = call(
            &app,
            "POST",
            "/v71/payments/0000000000000000/refunds",
            K,
            None,
            refund(1),
        )
        .await;
        assert_eq!(u.status, 422);
        assert_eq!(u.body["errorCode"], "167");
        let z = call(&app, "POST", &path, K, None, refund(0)).await;
        assert_eq!(z.body["errorCode"], "137");
        let mut other = refund(1);
        other["amount"]["currency"] = json!("USD");
        let c = call(&app, "POST", &path, K, None, other).await;
        assert_eq!(c.status, 422);
        let mut reason = refund(1);
        reason["merchantRefundReason"] = json!("because");
        let b = call(&app, "POST", &path, K, None, reason).await;
        assert_eq!(b.status, 422);
    }

    #[tokio::test]
    async fn minor_units_pass_through() {
        let (sim, app) = app();
        let j = call(
            &app,
            "POST",
            "/v71/payments",
            K,
            None,
            pay("adyen_test_authorised", 1000, "JPY"),
        )
        .await;
        assert_eq!(j.body["amount"], json!({"currency": "JPY", "value": 1000}));
        let k = call(
            &app,
            "POST",
            "/v71/payments",
            K,
            None,
            pay("adyen_test_authorised", 1000, "KWD"),
        )
        .await;
        assert_eq!(k.body["amount"], json!({"currency": "KWD", "value": 1000}));
        assert_eq!(sim.payments().len(), 2);
        let x = call(
            &app,
            "POST",
            "/v71/payments",
            K,
            None,
            pay("adyen_test_authorised", 1000, "XYZ"),
        )
        .await;
        assert_eq!(x.body["errorCode"], "138");
    }

    #[tokio::test]
    async fn captures_cancels_and_reversals() {
        let (sim, app) = app();
        let mut manual = pay("adyen_test_authorised", 1000, "EUR");
        manual["captureDelayHours"] = json!(24);
        let a = call(&app, "POST", "/v71/payments", K, None, manual.clone()).await;
        let psp = a.body["pspReference"].as_str().unwrap().to_string();
        let c = call(&app, "POST", &format!("/v71/payments/{psp}/captures"), K, None,
            json!({"merchantAccount": SANDBOX_MERCHANT_ACCOUNT, "amount": {"currency": "EUR", "value": 1000}})).await;
        assert_eq!(c.status, 201);
        assert_eq!(sim.notifications().last().unwrap()["eventCode"], "CAPTURE");
        assert_eq!(sim.payments()[0]["capturedValue"], 1000);

        let b = call(&app, "POST", "/v71/payments", K, None, manual).await;
        let psp_b = b.body["pspReference"].as_str().unwrap().to_string();
        let x = call(
            &app,
            "POST",
            &format!("/v71/payments/{psp_b}/cancels"),
            K,
            None,
            json!({"merchantAccount": SANDBOX_MERCHANT_ACCOUNT, "reference": "cancel-1"}),
        )
        .await;
        assert_eq!(x.status, 201, "{}", x.body);
        assert_eq!(x.body["status"], "received");
        let n = sim.notifications().pop().unwrap();
        assert_eq!(n["eventCode"], "CANCELLATION");
        assert_eq!(n["success"], "true");
        assert_eq!(n["originalReference"], psp_b.as_str());

        // Reversal of a captured payment refunds what is left.
        let r = call(
            &app,
            "POST",
            &format!("/v71/payments/{psp}/reversals"),
            K,
            None,
            json!({"merchantAccount": SANDBOX_MERCHANT_ACCOUNT}),
        )
        .await;
        assert_eq!(r.status, 201);
        let n = sim.notifications().pop().unwrap();
        assert_eq!(n["eventCode"], "CANCEL_OR_REFUND");
        assert_eq!(n["additionalData"]["modification.action"], "refund");
        assert_eq!(n["amount"]["value"], 1000);
    }

    #[tokio::test]
    async fn authentication_and_validation() {
        let (_sim, app) = app();
        let body = pay("adyen_test_authorised", 100, "EUR");
        let a = call(&app, "POST", "/v71/payments", None, None, body.clone()).await;
        assert_eq!(a.status, 401);
        assert_eq!(
            a.body,
            json!({"status": 401, "errorCode": "000",
            "message": "HTTP Status Response - Unauthorized", "errorType": "security"})
        );
        let a = call(
            &app,
            "POST",
            "/v71/paymentMethods",
            Some("AQE_wrong"),
            None,
            json!({}),
        )
        .await;
        assert_eq!(a.status, 401);

        let mut m = body.clone();
        m["merchantAccount"] = json!("SomeoneElse");
        let f = call(&app, "POST", "/v71/payments", K, None, m).await;
        assert_eq!(f.status, 403);
        assert_eq!(f.body["errorCode"], "901");
        assert_eq!(f.body["message"], "Invalid Merchant Account");
        assert!(f.body["pspReference"].is_string());

        let mut r = body.clone();
        r.as_object_mut().unwrap().remove("returnUrl");
        let v = call(&app, "POST", "/v71/payments", K, None, r).await;
        assert_eq!(v.status, 422);
        assert_eq!(v.body["errorCode"], "14_030");
        assert_eq!(v.body["message"], "Return URL is missing.");
        let mut r = body.clone();
        r.as_object_mut().unwrap().remove("amount");
        assert_eq!(
            call(&app, "POST", "/v71/payments", K, None, r).await.body["errorCode"],
            "100"
        );
        let mut r = body.clone();
        r.as_object_mut().unwrap().remove("reference");
        assert_eq!(
            call(&app, "POST", "/v71/payments", K, None, r).await.body["errorCode"],
            "130"
        );
        let mut r = body.clone();
        r["metadata"] = json!({"aVeryLongMetadataKeyName": "x"});
        assert_eq!(
            call(&app, "POST", "/v71/payments", K, None, r).await.body["errorCode"],
            "177"
        );

        let req = Request::builder()
            .method("POST")
            .uri("/v71/payments")
            .header("x-api-key", SANDBOX_API_KEY)
            .body(Body::from("{\"amount\":"))
            .unwrap();
        let resp = app.clone().oneshot(req).await.unwrap();
        assert_eq!(resp.status(), 400);
        let u = call(&app, "GET", "/v71/payments", K, None, Value::Null).await;
        assert_eq!(u.status, 404);
        let long = "k".repeat(65);
        let l = call(&app, "POST", "/v71/payments", K, Some(&long), body).await;
        assert_eq!(l.status, 400);
    }

    #[tokio::test]
    async fn idempotency_replays_and_refuses_other_bodies() {
        let (sim, app) = app();
        let body = pay("adyen_test_authorised", 1000, "EUR");
        let a = call(
            &app,
            "POST",
            "/v71/payments",
            K,
            Some("beep-payment-1"),
            body.clone(),
        )
        .await;
        let b = call(
            &app,
            "POST",
            "/v71/payments",
            K,
            Some("beep-payment-1"),
            body.clone(),
        )
        .await;
        assert_eq!(b.status, 200);
        assert_eq!(a.body, b.body);
        assert_eq!(sim.payments().len(), 1);
        assert_eq!(sim.notifications().len(), 1);
        let mut other = body.clone();
        other["amount"]["value"] = json!(2000);
        let c = call(
            &app,
            "POST",
            "/v71/payments",
            K,
            Some("beep-payment-1"),
            other,
        )
        .await;
        assert_eq!(c.status, 422);
        assert_eq!(c.body["errorCode"], "704");
        assert!(c.headers.get("transient-error").is_none());
        assert_eq!(sim.payments().len(), 1);
        // A validation error is not stored: the key stays usable.
        let mut bad = body.clone();
        bad.as_object_mut().unwrap().remove("returnUrl");
        let v = call(&app, "POST", "/v71/payments", K, Some("k2"), bad).await;
        assert_eq!(v.status, 422);
        let ok = call(&app, "POST", "/v71/payments", K, Some("k2"), body).await;
        assert_eq!(ok.status, 200);
    }

    #[tokio::test]
    async fn concurrent_request_with_key_in_flight_is_transient_704() {
        let (sim, app) = app();
        let d = call(
            &app,
            "POST",
            "/_sim/delay",
            None,
            None,
            json!({"ms": 300, "stage": "processing"}),
        )
        .await;
        assert_eq!(d.status, 200);
        let app2 = app.clone();
        let body = pay("adyen_test_authorised", 1000, "EUR");
        let b2 = body.clone();
        let first =
            tokio::spawn(
                async move { call(&app2, "POST", "/v71/payments", K, Some("f1"), b2).await },
            );
        tokio::time::sleep(Duration::from_millis(80)).await;
        let second = call(&app, "POST", "/v71/payments", K, Some("f1"), body.clone()).await;
        assert_eq!(second.status, 422, "{}", second.body);
        assert_eq!(second.body["errorCode"], "704");
        assert_eq!(second.headers.get("transient-error").unwrap(), "true");
        let first = first.await.unwrap();
        assert_eq!(first.status, 200);
        let third = call(&app, "POST", "/v71/payments", K, Some("f1"), body).await;
        assert_eq!(third.body["pspReference"], first.body["pspReference"]);
        assert_eq!(sim.payments().len(), 1);
    }

    #[tokio::test]
    async fn injected_failures_and_reset() {
        let (sim, app) = app();
        let f = call(
            &app,
            "POST",
            "/_sim/fail",
            None,
            None,
            json!({"status": 500, "times": 2}),
        )
        .await;
        assert_eq!(f.status, 200);
        let body = pay("adyen_test_authorised", 1000, "EUR");
        for _ in 0..2 {
            let a = call(&app, "POST", "/v71/payments", K, Some("x"), body.clone()).await;
            assert_eq!(a.status, 500);
            assert_eq!(a.body["errorType"], "internal");
        }
        let a = call(&app, "POST", "/v71/payments", K, Some("x"), body.clone()).await;
        assert_eq!(a.status, 200);
        assert_eq!(sim.payments().len(), 1);
        // A failure after the fact: Adyen charged, the caller saw a 503; the retry
        // under the same key replays the payment.
        call(
            &app,
            "POST",
            "/_sim/fail",
            None,
            None,
            json!({"status": 503, "after": true}),
        )
        .await;
        let lost = call(&app, "POST", "/v71/payments", K, Some("y"), body.clone()).await;
        assert_eq!(lost.status, 503);
        assert_eq!(sim.payments().len(), 2);
        let retry = call(&app, "POST", "/v71/payments", K, Some("y"), body).await;
        assert_eq!(retry.status, 200);
        assert_eq!(
            retry.body["pspReference"],
            sim.payments()[1]["pspReference"]
        );
        assert_eq!(sim.payments().len(), 2);
        call(
            &app,
            "POST",
            "/v71/_sim/fail",
            None,
            None,
            json!({"status": 429, "retryAfter": 3}),
        )
        .await;
        let r = call(
            &app,
            "POST",
            "/v71/paymentMethods",
            K,
            None,
            json!({"merchantAccount": SANDBOX_MERCHANT_ACCOUNT}),
        )
        .await;
        assert_eq!(r.status, 429);
        assert_eq!(r.headers.get("retry-after").unwrap(), "3");
        let bad = call(
            &app,
            "POST",
            "/_sim/fail",
            None,
            None,
            json!({"status": 200}),
        )
        .await;
        assert_eq!(bad.status, 400);
        let z = call(&app, "POST", "/_sim/reset", None, None, Value::Null).await;
        assert_eq!(z.status, StatusCode::NO_CONTENT);
        assert!(sim.payments().is_empty() && sim.notifications().is_empty());
        let again = call(
            &app,
            "POST",
            "/v71/paymentMethods",
            K,
            None,
            json!({"merchantAccount": SANDBOX_MERCHANT_ACCOUNT}),
        )
        .await;
        assert_eq!(again.status, 200);
    }

    #[test]
    fn notifications_sign_like_adyen() {
        // Adyen's published example (the key and signature of its HMAC docs and libraries).
        let item = json!({
            "additionalData": {"hmacSignature": "coqCmt/IZ4E3CzPvMY8zTjQVL5hYJUiBRg8UU+iCWo0="},
            "amount": {"value": 1130, "currency": "EUR"},
            "pspReference": "7914073381342284",
            "eventCode": "AUTHORISATION",
            "merchantAccountCode": "TestMerchant",
            "merchantReference": "TestPayment-1407325143704",
            "paymentMethod": "visa",
            "success": "true",
        });
        assert_eq!(
            signing_string(&item),
            "7914073381342284::TestMerchant:TestPayment-1407325143704:1130:EUR:AUTHORISATION:true"
        );
        assert_eq!(
            sign_notification(
                "44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056",
                &item
            ),
            "coqCmt/IZ4E3CzPvMY8zTjQVL5hYJUiBRg8UU+iCWo0="
        );
        assert_eq!(SANDBOX_HMAC_KEY.len(), 64);
        assert!(hex::decode(SANDBOX_HMAC_KEY).is_ok());
    }

    #[test]
    fn dates_and_references() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00+00:00");
        assert_eq!(rfc3339(1_782_907_200), "2026-07-01T12:00:00+00:00");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00+00:00");
        let psp = new_psp();
        assert_eq!(psp.len(), 16);
        assert!(
            psp.chars()
                .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
        );
        assert!(
            matches!(route(&Method::POST, "/v71/payments/ABC/refunds"), Some(Endpoint::Modify("refund", p)) if p == "ABC")
        );
        assert!(route(&Method::POST, "/v71/payments/ABC/other").is_none());
        assert!(route(&Method::POST, "/v70/payments").is_none());
    }
}

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
//! `POST refund_failed/{refundPspReference}` (a later `REFUND_FAILED`), `POST dispute/{psp}`,
//! `POST settle` (a settlement batch and its `REPORT_AVAILABLE` notification; the report
//! at `GET /v71/reports/download/MerchantAccount/{account}/{file}`, see [`settlements`]).
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

mod disputes;
mod errors;
mod hooks;
mod http;
mod idempotency;
mod model;
mod modifications;
mod notifications;
mod payments;
mod settlements;
mod test_methods;

pub use notifications::{notification_body, sign_notification, signing_string};

use crate::kit::delay::{Delay, DelaySlot};
use crate::kit::fault::{Fault, FaultSlot};
use axum::Router;
use axum::routing::{any, get, post};
use errors::{ApiError, Outcome};
use hooks::{
    sim_authenticate, sim_delay, sim_fail, sim_notifications, sim_payments, sim_refund_failed,
    sim_refunds, sim_reset,
};
use http::{Endpoint, api};
use idempotency::IdemEntry;
use model::{Modification, SimPayment};
use rand::Rng as _;
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

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
    /// What settlement batches settled so far: captured and refunded per payment,
    /// chargebacks by position.
    settled_captures: HashMap<String, i64>,
    settled_refunds: HashMap<String, i64>,
    chargebacks: Vec<settlements::Chargeback>,
    chargebacks_settled: usize,
    batches: u32,
    /// Settlement detail reports by file name.
    reports: HashMap<String, String>,
    /// Idempotency-Key → first request and, once done, its answer. Adyen scopes keys to
    /// the company account; the simulator is one company.
    idempotency: HashMap<String, IdemEntry>,
    fail: FaultSlot,
    delay: DelaySlot,
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

    fn take_fail(&self) -> Option<Fault> {
        self.lock().fail.next(&axum::http::Method::GET, "")
    }

    fn take_delay(&self) -> Option<Delay> {
        self.lock().delay.take()
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
        .route("/refund_failed/{psp}", post(sim_refund_failed))
        .route("/dispute/{psp}", post(hooks::sim_dispute))
        .route("/settle", post(settlements::sim_settle));
    Router::new()
        .route("/v71/{*path}", any(api))
        .route(
            "/v71/reports/download/MerchantAccount/{account}/{file}",
            get(settlements::download_report),
        )
        .nest("/_sim", hooks.clone())
        .nest("/v71/_sim", hooks)
        .with_state(sim)
}

// ---- tests --------------------------------------------------------------------------------

#[cfg(test)]
mod tests;

/// The test payment tokens this simulator knows (`GET /api/v1/sandbox` lists them).
pub const TEST_TOKENS: &[crate::kit::tokens::TestToken] = &[
    crate::kit::tokens::token("adyen_test_authorised", "succeeded", "Authorised"),
    crate::kit::tokens::token("adyen_test_refused", "failed", "Refused (refusal reason 2)"),
    crate::kit::tokens::token(
        "adyen_test_insufficient_funds",
        "failed",
        "Refused: not enough balance",
    ),
    crate::kit::tokens::token("adyen_test_error", "failed", "Error at the acquirer"),
    crate::kit::tokens::token("adyen_test_cancelled", "canceled", "Cancelled"),
    crate::kit::tokens::token("adyen_test_pending", "pending", "Pending"),
    crate::kit::tokens::token("adyen_test_received", "pending", "Received, decided later"),
    crate::kit::tokens::token(
        "adyen_test_3ds",
        "requires_action",
        "RedirectShopper (3-D Secure)",
    ),
    crate::kit::tokens::token(
        "adyen_test_3ds2_challenge",
        "requires_action",
        "ChallengeShopper (3-D Secure 2)",
    ),
    crate::kit::tokens::token(
        "adyen_test_3ds2_identify",
        "requires_action",
        "IdentifyShopper (3-D Secure 2)",
    ),
];

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
//! | `GET /v2/settlements`, `GET /v2/settlements/{id}` | list (newest first), retrieve |
//! | `GET /v2/settlements/{id}/{payments,refunds,chargebacks}` | what a settlement settled |
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
//! `GET checkout/{id}`, `POST settlements` (settle now), `POST settlements/{id}/paidout`.

mod captures;
mod chargebacks;
mod errors;
mod hooks;
mod http;
mod idempotency;
mod methods;
mod model;
mod params;
mod payments;
mod refunds;
mod settlements;

use crate::kit::delay::{Delay, DelaySlot};
use crate::kit::fault::{Fault, FaultSlot};
use axum::Router;
use axum::routing::{any, get, post};
use beep_sdk::money;
use errors::Outcome;
use hooks::{
    sim_checkout, sim_delay, sim_events, sim_fail, sim_payment_status, sim_payments,
    sim_refund_status, sim_refunds, sim_reset,
};
use http::{Endpoint, api};
use idempotency::IdemEntry;
use model::{PaymentObj, RefundObj, Status};
use rand::Rng as _;
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The API key the simulator accepts (see [`sandbox_credentials`]). Mollie keys are
/// `test_`/`live_` and 30 alphanumerics.
pub const SANDBOX_API_KEY: &str = "test_BeepSandboxMollieKey0000000000";
/// The website profile the sandbox key belongs to.
pub const SANDBOX_PROFILE_ID: &str = "pfl_BeepSandbox";
/// The sandbox organization's access token (what the Settlements API takes).
pub const SANDBOX_ORGANIZATION_TOKEN: &str = "access_BeepSandboxMollieOrganization0000";

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
    json!({ "apiKey": SANDBOX_API_KEY, "organizationToken": SANDBOX_ORGANIZATION_TOKEN })
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
    chargebacks: Vec<chargebacks::ChargebackObj>,
    settlements: Vec<settlements::SettlementObj>,
    events: Vec<Value>,
    /// (API key, Idempotency-Key) → the first request and, once done, its answer.
    idempotency: HashMap<(String, String), IdemEntry>,
    fail: FaultSlot,
    delay: DelaySlot,
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

impl MollieSim {
    pub fn new() -> Arc<MollieSim> {
        Arc::new(MollieSim {
            state: Mutex::new(SimState {
                api_keys: vec![
                    SANDBOX_API_KEY.to_string(),
                    SANDBOX_ORGANIZATION_TOKEN.to_string(),
                ],
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

    fn take_fail(&self) -> Option<Fault> {
        self.lock().fail.next(&axum::http::Method::GET, "")
    }

    fn take_delay(&self) -> Option<Delay> {
        self.lock().delay.take()
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
            Endpoint::CreateCapture(id) => st.create_capture(id, body, base),
            Endpoint::ReleaseAuthorization(id) => st.release_authorization(id),
            Endpoint::ListChargebacks(id) => st.list_chargebacks(id, base).map(|body| Outcome {
                status: axum::http::StatusCode::OK,
                body,
            }),
            Endpoint::ListRefunds(id) => st.list_refunds(id, base),
            Endpoint::GetRefund(id, rid) => st.get_refund(id, rid, base),
            Endpoint::ListSettlements => st.list_settlements(query, base),
            Endpoint::GetSettlement(id) => st.get_settlement(id, base),
            Endpoint::SettlementItems(id, what) => st.settlement_items(id, what, query, base),
        };
        result.unwrap_or_else(Outcome::from)
    }
}

pub fn router(sim: Arc<MollieSim>) -> Router {
    Router::new()
        .route("/v2/{*path}", any(api))
        .route("/_sim/payments", get(sim_payments))
        .route("/_sim/settlements", post(hooks::sim_settle))
        .route("/_sim/settlements/{id}/paidout", post(hooks::sim_pay_out))
        .route("/_sim/refunds", get(sim_refunds))
        .route("/_sim/events", get(sim_events))
        .route("/_sim/fail", post(sim_fail))
        .route("/_sim/delay", post(sim_delay))
        .route("/_sim/reset", post(sim_reset))
        .route("/_sim/payments/{id}/status", post(sim_payment_status))
        .route(
            "/_sim/payments/{id}/chargeback",
            post(hooks::sim_chargeback),
        )
        .route("/_sim/refunds/{id}/status", post(sim_refund_status))
        .route("/_sim/checkout/{id}", get(sim_checkout))
        .with_state(sim)
}

// ---- tests --------------------------------------------------------------------------------

#[cfg(test)]
mod tests;

/// The test payment tokens this simulator knows (`GET /api/v1/sandbox` lists them).
pub const TEST_TOKENS: &[crate::kit::tokens::TestToken] = &[
    crate::kit::tokens::token("mollie_test_paid", "succeeded", "paid"),
    crate::kit::tokens::token("mollie_test_failed", "failed", "failed: card declined"),
    crate::kit::tokens::token(
        "mollie_test_failed_insufficient_funds",
        "failed",
        "failed: insufficient funds",
    ),
    crate::kit::tokens::token("mollie_test_expired", "failed", "expired"),
    crate::kit::tokens::token("mollie_test_canceled", "canceled", "canceled"),
    crate::kit::tokens::token(
        "mollie_test_authorized",
        "authorized",
        "authorized, not captured",
    ),
    crate::kit::tokens::token("mollie_test_pending", "pending", "pending"),
    crate::kit::tokens::token(
        "mollie_test_open",
        "requires_action",
        "open: the shopper pays on the hosted checkout",
    ),
];

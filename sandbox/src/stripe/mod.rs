//! Test Mode simulator of the Stripe API: the subset BEEP! Connect uses, answering the way
//! `api.stripe.com` answers according to `vendor-specs/stripe.spec3.yaml` (API version
//! 2023-08-16). Where the spec is silent (idempotency, test payment methods, error texts,
//! search semantics) it follows Stripe's public documentation; such places say so.
//!
//! Stripe routes (relative to the vendor base URL, e.g. mounted under `/stripe`):
//!
//! | route | notes |
//! | --- | --- |
//! | `GET /v1/balance` | cheap authenticated read |
//! | `POST /v1/payment_intents` | create (and with `confirm=true` confirm) |
//! | `GET /v1/payment_intents/search` | search query language, subset |
//! | `GET /v1/payment_intents/{intent}` | retrieve |
//! | `POST /v1/refunds` | refund a payment intent (or charge) |
//! | `GET /v1/refunds/{refund}` | retrieve |
//! | `GET /v1/payouts`, `GET /v1/payouts/{payout}` | list (newest first), retrieve |
//! | `GET /v1/balance_transactions` | the ledger; `payout=` lists what a payout paid out |
//!
//! Test hooks (not Stripe; no auth) under `/_sim/`: `GET payment_intents`, `GET refunds`,
//! `GET events`, `POST fail`, `POST delay`, `POST reset`, `GET authenticate/{intent}`,
//! `POST payouts` (the automatic payout), `POST payouts/{id}/land?result=paid|failed`.

mod auth;
mod balance;
mod capture;
mod cards;
mod currencies;
mod disputes;
mod errors;
mod hooks;
mod http;
mod idempotency;
mod model;
mod params;
mod payment_intents;
mod payouts;
mod refunds;
mod search;
mod webhooks;

pub use webhooks::sign_webhook;

use crate::kit::delay::{Delay, DelaySlot};
use crate::kit::fault::{Fault, FaultSlot};
use axum::Router;
use axum::routing::{any, get, post};
use errors::Outcome;
use hooks::{
    sim_authenticate, sim_delay, sim_events, sim_fail, sim_intents, sim_refunds, sim_reset,
};
use http::{Endpoint, api};
use idempotency::IdemEntry;
use model::{Charge, Intent, RefundObj};
use params::Params;
use rand::Rng as _;
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The secret key the simulator accepts (see [`sandbox_credentials`]).
pub const SANDBOX_SECRET_KEY: &str =
    "sk_test_51BeepSandbox00000000000000000000000000000000000000000000BeepSim";
/// The webhook signing secret of the sandbox account.
pub const SANDBOX_WEBHOOK_SECRET: &str = "whsec_beepSandbox0000000000000000000000000";
/// The API version the simulator models (the spec's `info.version`).
pub const API_VERSION: &str = "2023-08-16";

/// Stripe keeps idempotency keys for at least 24 hours.
const IDEMPOTENCY_TTL: Duration = Duration::from_secs(24 * 3600);

/// The config object a merchant passes to `configurePSP` that works against the simulator.
pub fn sandbox_credentials() -> Value {
    json!({ "secretKey": SANDBOX_SECRET_KEY, "webhookSecret": SANDBOX_WEBHOOK_SECRET })
}

/// The simulated Stripe account: all state in memory behind one mutex (never held across
/// an `.await`).
pub struct StripeSim {
    state: Mutex<SimState>,
}

#[derive(Default)]
struct SimState {
    api_keys: Vec<String>,
    intents: Vec<Intent>,
    intent_index: HashMap<String, usize>,
    charges: Vec<Charge>,
    charge_index: HashMap<String, usize>,
    refunds: Vec<RefundObj>,
    refund_index: HashMap<String, usize>,
    disputes: Vec<disputes::DisputeObj>,
    balance_txns: Vec<payouts::BalanceTxn>,
    payouts: Vec<payouts::PayoutObj>,
    events: Vec<Value>,
    /// (API key, Idempotency-Key) → first request and, once done, its answer.
    idempotency: HashMap<(String, String), IdemEntry>,
    fail: FaultSlot,
    delay: DelaySlot,
}

// ---- helpers ------------------------------------------------------------------------------

/// `prefix` + random alphanumerics, the shape of Stripe's ids (`pi_3Nx…`).
fn new_id(prefix: &str, len: usize) -> String {
    let mut rng = rand::rng();
    let tail: String = (0..len)
        .map(|_| rng.sample(rand::distr::Alphanumeric) as char)
        .collect();
    format!("{prefix}{tail}")
}

// ---- request context ----------------------------------------------------------------------

struct Ctx {
    request_id: String,
    idempotency_key: Option<String>,
    /// Absolute URL of the simulator's mount point, for 3-D Secure links.
    base_url: String,
    created: i64,
}

impl Ctx {
    fn log_url(&self) -> String {
        format!(
            "https://dashboard.stripe.com/test/logs/{}?t={}",
            self.request_id, self.created
        )
    }
}

impl StripeSim {
    pub fn new() -> Arc<StripeSim> {
        Arc::new(StripeSim {
            state: Mutex::new(SimState {
                api_keys: vec![SANDBOX_SECRET_KEY.to_string()],
                ..SimState::default()
            }),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, SimState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Accepts another secret key (as a second key of the same account).
    pub fn add_api_key(&self, key: &str) {
        self.lock().api_keys.push(key.to_string());
    }

    /// Every payment intent created so far, in creation order, as Stripe objects.
    pub fn payment_intents(&self) -> Vec<Value> {
        self.lock().intents.iter().map(Intent::to_json).collect()
    }

    /// Every refund created so far, in creation order.
    pub fn refunds(&self) -> Vec<Value> {
        self.lock().refunds.iter().map(RefundObj::to_json).collect()
    }

    /// Every event the account emitted (Stripe `event` objects), oldest first. Sign one
    /// with [`sign_webhook`] to deliver it to a webhook endpoint.
    pub fn events(&self) -> Vec<Value> {
        self.lock().events.clone()
    }

    fn take_fail(&self) -> Option<Fault> {
        self.lock().fail.next(&axum::http::Method::GET, "")
    }

    fn take_delay(&self) -> Option<Delay> {
        self.lock().delay.take()
    }

    fn execute(&self, endpoint: &Endpoint, params: &Map<String, Value>, ctx: &Ctx) -> Outcome {
        let mut st = self.lock();
        let p = Params(params);
        let result = match endpoint {
            Endpoint::Balance => Ok(st.balance()),
            Endpoint::CreateIntent => st.create_intent(&p, ctx),
            Endpoint::SearchIntents => st.search_intents(&p),
            Endpoint::GetIntent(id) => st.get_intent(id),
            Endpoint::CaptureIntent(id) => st.capture_intent(id, &p, ctx),
            Endpoint::CancelIntent(id) => st.cancel_intent(id, &p, ctx),
            Endpoint::CreateRefund => st.create_refund(&p, ctx),
            Endpoint::GetRefund(id) => st.get_refund(id),
            Endpoint::GetDispute(id) => st.get_dispute(id),
            Endpoint::ListPayouts => st.list_payouts(&p),
            Endpoint::GetPayout(id) => st.get_payout(id),
            Endpoint::ListBalanceTransactions => st.list_balance_transactions(&p),
        };
        result.unwrap_or_else(Outcome::from)
    }
}

// ---- HTTP layer ---------------------------------------------------------------------------

/// Routes relative to the vendor base URL plus the `/_sim/` test hooks.
pub fn router(sim: Arc<StripeSim>) -> Router {
    Router::new()
        .route("/v1/{*path}", any(api))
        .route("/_sim/payment_intents", get(sim_intents))
        .route("/_sim/refunds", get(sim_refunds))
        .route("/_sim/events", get(sim_events))
        .route("/_sim/fail", post(sim_fail))
        .route("/_sim/delay", post(sim_delay))
        .route("/_sim/reset", post(sim_reset))
        .route("/_sim/authenticate/{intent}", get(sim_authenticate))
        .route("/_sim/disputes/{id}/close", post(hooks::sim_close_dispute))
        .route("/_sim/payouts", post(hooks::sim_run_payouts))
        .route("/_sim/payouts/{id}/land", post(hooks::sim_land_payout))
        .with_state(sim)
}

// ---- tests --------------------------------------------------------------------------------

#[cfg(test)]
mod tests;

/// The test payment tokens this simulator knows (`GET /api/v1/sandbox` lists them).
pub const TEST_TOKENS: &[crate::kit::tokens::TestToken] = &[
    crate::kit::tokens::token("pm_card_visa", "succeeded", "Visa card, paid"),
    crate::kit::tokens::token("pm_card_mastercard", "succeeded", "Mastercard, paid"),
    crate::kit::tokens::token("pm_card_amex", "succeeded", "American Express, paid"),
    crate::kit::tokens::token(
        "pm_card_chargeDeclined",
        "failed",
        "declined (generic_decline)",
    ),
    crate::kit::tokens::token(
        "pm_card_chargeDeclinedInsufficientFunds",
        "failed",
        "declined: insufficient funds",
    ),
    crate::kit::tokens::token(
        "pm_card_chargeDeclinedExpiredCard",
        "failed",
        "declined: expired card",
    ),
    crate::kit::tokens::token(
        "pm_card_chargeDeclinedIncorrectCvc",
        "failed",
        "declined: incorrect CVC",
    ),
    crate::kit::tokens::token(
        "pm_card_chargeDeclinedFraudulent",
        "failed",
        "declined as fraudulent",
    ),
    crate::kit::tokens::token(
        "pm_card_threeDSecure2Required",
        "requires_action",
        "3-D Secure 2 authentication required",
    ),
    crate::kit::tokens::token(
        "pm_card_authenticationRequired",
        "requires_action",
        "authentication required",
    ),
    crate::kit::tokens::token(
        "pm_card_threeDSecureOptional",
        "succeeded",
        "3-D Secure supported, not required: paid",
    ),
    crate::kit::tokens::token(
        "pm_card_createDispute",
        "succeeded",
        "paid, then disputed by the shopper's bank",
    ),
];

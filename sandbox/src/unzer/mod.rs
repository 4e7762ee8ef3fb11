//! Test Mode simulator of the Unzer payment API: the subset BEEP! Connect uses. No
//! published OpenAPI description exists (see `vendor-specs/README.md`); this follows
//! Unzer's public API reference (docs.unzer.com). Where the docs are silent (test
//! outcomes, most error codes and texts) it chooses and says so.
//!
//! Unzer routes (relative to the vendor origin; mounted under `/unzer`):
//!
//! | route | notes |
//! | --- | --- |
//! | `GET /v1/keypair` | the key pair and its payment types: a cheap authenticated read |
//! | `POST /v1/types/card`, `POST /v1/types/paypal` | create a payment type (`s-crd-…`, `s-ppl-…`); public or private key |
//! | `POST /v1/payments/charges` | charge a payment type: `amount` (decimal, major units), `currency`, `orderId`, `returnUrl`, `resources.typeId` |
//! | `GET /v1/payments/{paymentId or orderId}` | the payment: `state`, `amount{total,charged,canceled,remaining}`, `transactions` |
//! | `GET /v1/payments/{id}/charges/{chargeId}` | a charge (with its `redirectUrl` while pending) |
//! | `POST /v1/payments/{id}/charges/{chargeId}/cancels` | refund (partial or full, never past what is charged and not yet canceled) |
//! | `GET /v1/payments/{id}/charges/{chargeId}/cancels/{cancelId}` | a cancel |
//!
//! Every `/v1` route takes HTTP Basic with a private key (`s-priv-…`) as the user name and
//! an empty password. Errors are
//! `{"id": "s-err-…", "isSuccess": false, "isPending": false, "isError": true, "url", "timestamp",
//! "errors": [{"code": "API.…", "merchantMessage", "customerMessage"}]}` with 401 (key), 404
//! (unknown resource) or 400 (anything the request got wrong); the codes are the
//! simulator's choice in Unzer's `API.xxx.xxx.xxx` shape. Transaction amounts are answered as
//! strings with four decimals (`"12.3400"`), as Unzer does.
//!
//! A declined charge is still a transaction of a payment: it is answered `200` with
//! `isError: true`, its `errors` and `resources.paymentId`, and the payment is `canceled`.
//! `orderId` must be unique: a second charge with a used `orderId` is a 400 (Unzer's docs
//! ask for a unique orderId; whether the real API enforces it is not documented).
//!
//! # Test outcomes (the payment type id BEEP! passes as `paymentMethod`)
//!
//! | `resources.typeId` | outcome |
//! | --- | --- |
//! | `s-crd-success`, any other `s-crd-…` (e.g. created with `POST /v1/types/card`) | charge `success`, payment `completed` |
//! | `s-crd-declined` | charge `error` (`COR.100.100.101`), payment `canceled` |
//! | `s-crd-3ds`, any `s-ppl-…` | charge `pending` with `redirectUrl` (3-D Secure / PayPal), payment `pending` |
//! | `s-crd-pending` | charge `pending` without a redirect (e.g. in payment review), payment `pending` |
//! | anything else | 400 `API.320.200.138` (unknown payment type) |
//!
//! The `redirectUrl` is `GET /_sim/3ds/{paymentId}?result=success|error`, standing in for
//! the issuer's page: it completes the payment and redirects to the `returnUrl`.
//!
//! Test hooks (not Unzer; no auth) under `/_sim/`: `GET payments`, `GET cancels`,
//! `GET events?paymentId=` (the webhooks Unzer would send, each with the JSON `body` to
//! deliver: `{"event", "publicKey", "retrieveUrl", "paymentId"}`),
//! `POST fail {"status","times","after"?}` (answer the next `/v1` requests with that
//! status; `after`: execute first, then fail), `POST payments/{id}/complete
//! {"result": "success"|"error"}` (the shopper finished 3-D Secure), `GET 3ds/{id}`.

mod authorize;
mod cancels;
mod charges;
mod errors;
mod hooks;
mod http;
mod model;
mod webhooks;

use crate::kit::fault::{Fault, FaultSlot};
use axum::Router;
use axum::routing::{any, get, post};
use beep_sdk::money;
use errors::{ApiError, payment_not_found};
use hooks::{sim_3ds, sim_cancels, sim_complete, sim_events, sim_fail, sim_payments};
use http::api;
use model::Pay;
use rand::Rng as _;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The private key the simulator accepts (see [`sandbox_credentials`]).
pub const SANDBOX_PRIVATE_KEY: &str = "s-priv-2a10BeepSandboxUnzer0000";
/// Its public key (creates payment types; sent in webhooks).
pub const SANDBOX_PUBLIC_KEY: &str = "s-pub-2a10BeepSandboxUnzer0000";

/// The config object a merchant passes to `configurePSP` that works against the simulator.
/// Outcomes follow the payment type id (module docs): `s-crd-success`, `s-crd-declined`,
/// `s-crd-3ds`, `s-crd-pending`.
pub fn sandbox_credentials() -> Value {
    json!({ "privateKey": SANDBOX_PRIVATE_KEY })
}

const SUCCESS_CODE: &str = "COR.000.100.112";
const DECLINED_CODE: &str = "COR.100.100.101";

/// The simulated Unzer merchant: all state in memory behind one mutex (never held across
/// an `.await`).
pub struct UnzerSim {
    state: Mutex<SimState>,
}

#[derive(Default)]
struct SimState {
    payments: Vec<Pay>,
    /// Payment id and orderId → index.
    index: HashMap<String, usize>,
    events: Vec<Value>,
    fail: FaultSlot,
    seq: u64,
}

/// `2024-03-20 09:13:37` (Unzer's transaction date format) from Unix seconds.
fn date(ts: i64) -> String {
    crate::kit::time::utc(ts, crate::kit::time::SPACED)
}

fn random(len: usize) -> String {
    let mut rng = rand::rng();
    (0..len)
        .map(|_| rng.sample(rand::distr::Alphanumeric) as char)
        .collect()
}

/// Minor units as Unzer writes amounts: a major-unit string with four decimals.
fn amount4(minor: i64, currency: &str) -> String {
    let text = money::to_major_string(&money::money(minor, currency))
        .unwrap_or_else(|_| minor.to_string());
    let decimals = text.split_once('.').map_or(0, |(_, f)| f.len());
    let sep = if decimals == 0 { "." } else { "" };
    format!("{text}{sep}{}", "0".repeat(4usize.saturating_sub(decimals)))
}

impl SimState {
    fn pay(&self, id: &str) -> Result<&Pay, ApiError> {
        self.index
            .get(id)
            .map(|i| &self.payments[*i])
            .ok_or_else(|| payment_not_found(id))
    }

    fn pay_mut(&mut self, id: &str) -> Result<&mut Pay, ApiError> {
        match self.index.get(id) {
            Some(i) => Ok(&mut self.payments[*i]),
            None => Err(payment_not_found(id)),
        }
    }
}

impl UnzerSim {
    pub fn new() -> Arc<UnzerSim> {
        Arc::new(UnzerSim {
            state: Mutex::new(SimState::default()),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, SimState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Every payment, in creation order, as Unzer's payment objects plus what the charge
    /// request carried (`returnUrl`, `paymentReference`).
    pub fn payments(&self, base: &str) -> Vec<Value> {
        let st = self.lock();
        st.payments
            .iter()
            .map(|p| {
                let mut v = st.payment_json(p, base);
                v["returnUrl"] = json!(p.return_url);
                v["paymentReference"] = json!(p.payment_reference);
                v["date"] = json!(p.date);
                v
            })
            .collect()
    }

    /// Every cancel (refund), in creation order.
    pub fn cancels(&self, base: &str) -> Vec<Value> {
        let st = self.lock();
        st.payments
            .iter()
            .flat_map(|p| p.cancels.iter().map(move |c| (p, c)))
            .map(|(p, c)| st.cancel_json(p, c, base))
            .collect()
    }

    /// Every webhook Unzer would send, oldest first.
    pub fn events(&self) -> Vec<Value> {
        self.lock().events.clone()
    }

    fn take_fail(&self) -> Option<Fault> {
        self.lock().fail.next(&axum::http::Method::GET, "")
    }
}

pub fn router(sim: Arc<UnzerSim>) -> Router {
    Router::new()
        .route("/v1/{*path}", any(api))
        .route("/_sim/payments", get(sim_payments))
        .route("/_sim/cancels", get(sim_cancels))
        .route("/_sim/events", get(sim_events))
        .route("/_sim/fail", post(sim_fail))
        .route("/_sim/payments/{id}/complete", post(sim_complete))
        .route(
            "/_sim/payments/{id}/chargeback",
            post(hooks::sim_chargeback),
        )
        .route("/_sim/3ds/{id}", get(sim_3ds))
        .with_state(sim)
}

// ---- tests --------------------------------------------------------------------------------

#[cfg(test)]
mod tests;

/// The test payment tokens this simulator knows (`GET /api/v1/sandbox` lists them).
pub const TEST_TOKENS: &[crate::kit::tokens::TestToken] = &[
    crate::kit::tokens::token("s-crd-success", "succeeded", "charge succeeded"),
    crate::kit::tokens::token(
        "s-crd-declined",
        "failed",
        "charge declined (COR.100.100.101)",
    ),
    crate::kit::tokens::token("s-crd-3ds", "requires_action", "3-D Secure redirect"),
    crate::kit::tokens::token("s-crd-pending", "pending", "charge pending"),
];

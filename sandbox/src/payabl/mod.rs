//! Test Mode simulator of payabl.'s server-to-server gateway: the subset BEEP! Connect
//! uses, answering the way `https://sandbox.payabl.com/pay/backoffice/…` answers. payabl
//! publishes no machine-readable spec (`vendor-specs/README.md`); this follows the
//! README's row and payabl's public gateway documentation. Names the docs do not pin
//! down are chosen here and in the connector alike (`connectors/psp-payabl`), marked
//! "(chosen)".
//!
//! Routes (relative to the vendor origin; mounted under `/payabl`), all `POST` with an
//! `application/x-www-form-urlencoded` body in ISO-8859-1 (Latin-1: `%FC` is `ü`):
//!
//! | route | parameters | effect |
//! | --- | --- | --- |
//! | `/pay/backoffice/payment_authorize` | `merchantid, amount, currency, orderid, payment_method, token, description?, url_return?, notification_url?` | a direct sale |
//! | `/pay/backoffice/payment_preauthorize` | as above | a hold (`authorized`) |
//! | `/pay/backoffice/payment_capture` | `merchantid, transactionid, amount, currency` | captures a hold (at most its amount) |
//! | `/pay/backoffice/payment_reversal` | `merchantid, transactionid` | releases a hold (`voided`) |
//! | `/pay/backoffice/payment_refund` | `merchantid, transactionid, amount, currency, reference?, description?, notification_url?` | partial or full, never past what was captured |
//! | `/pay/backoffice/payment_status` (chosen name) | `merchantid` and `transactionid` or `orderid` | the transaction's state |
//!
//! Every request carries `signature` = lower-case hex SHA-1 of the parameter VALUES
//! concatenated in the order of the parameter NAMES sorted alphabetically (without
//! `signature`), followed by the merchant secret, all as Latin-1 bytes. Answers are HTTP
//! 200 with a URL-encoded Latin-1 `key=value&…` body (`text/plain; charset=ISO-8859-1`):
//! `errorcode` (`0` = ok), `errormessage`, `transactionid`, `orderid`, `status`,
//! `amount`, `currency`, `captured_amount`, `refunded_amount`, `url_3ds`,
//! `base_transactionid` (refunds).
//!
//! Error codes (chosen numbers): 2001 `Invalid signature`, 2002 `Unknown merchantid`,
//! 2003 missing/invalid parameter, 2004 `Duplicate orderid` (payabl refuses a second
//! transaction with an `orderid` it has seen; the connector then queries by `orderid`),
//! 2005 `Transaction declined` (a transaction with `status=declined`), 2006 amount
//! exceeds what can be captured/refunded, 2007 `Transaction not found`, 2008 wrong state,
//! 2009 currency not supported.
//!
//! Transaction `status`: `pending`, `pending_3ds` (with `url_3ds`), `authorized`,
//! `captured`, `declined`, `voided`; refunds `refunded` (executed at once here).
//!
//! # Test outcomes (the `token` parameter, i.e. BEEP!'s `paymentMethod`)
//!
//! | token | outcome |
//! | --- | --- |
//! | `payabl_test_ok` | `captured` (sale) / `authorized` (preauthorisation) |
//! | `payabl_test_declined` | `declined`, errorcode 2005 |
//! | `payabl_test_3ds` | `pending_3ds` with `url_3ds` → `GET /_sim/3ds/{transactionid}?result=ok|declined` |
//! | `payabl_test_pending` | `pending` until `POST /_sim/transactions/{id}/status` |
//! | anything else | errorcode 2003 `Invalid token` |
//!
//! Callbacks: every new transaction, status change and refund is a callback payabl would
//! POST to the transaction's `notification_url`, signed the same way (parameters
//! `merchantid, transactionid, orderid, type (payment|refund), status, errorcode,
//! errormessage, amount, currency, base_transactionid?, reference?`).
//!
//! Test hooks (not payabl; no auth) under `/_sim/`: `GET transactions`, `GET refunds`,
//! `GET callbacks[?transactionid=…]` (each `{notificationUrl, transactionid, type,
//! status, body}`, the body ready to POST), `POST fail {"status","times","after"?}`
//! (`after`: the operation takes effect, then the answer is lost), `POST reset`,
//! `POST transactions/{id}/status {"status"}`, `GET 3ds/{id}?result=ok|declined`.

mod callbacks;
mod errors;
mod form;
mod hooks;
mod http;
mod model;
mod payments;
mod refunds;
mod signing;

pub use form::{encode_form, parse_form};
pub use signing::{sha1, signature};

use crate::kit::fault::{Fault, FaultSlot};
use axum::Router;
use axum::routing::{get, post};
use hooks::{
    sim_3ds, sim_callbacks, sim_fail, sim_refunds, sim_reset, sim_status, sim_transactions,
};
use http::gateway;
use model::{RefundObj, Txn};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// The merchant the simulator knows (see [`sandbox_credentials`]).
pub const SANDBOX_MERCHANT_ID: &str = "beep_sandbox";
pub const SANDBOX_SECRET: &str = "payabl_sandbox_secret_0001";

pub const TOKEN_OK: &str = "payabl_test_ok";
pub const TOKEN_DECLINED: &str = "payabl_test_declined";
pub const TOKEN_3DS: &str = "payabl_test_3ds";
pub const TOKEN_PENDING: &str = "payabl_test_pending";

const FIRST_TRANSACTION_ID: u64 = 100_001;

/// Credentials that work against the simulator.
pub fn sandbox_credentials() -> Value {
    json!({ "merchantId": SANDBOX_MERCHANT_ID, "secret": SANDBOX_SECRET })
}

// ---- state --------------------------------------------------------------------------------

#[derive(Default)]
struct SimState {
    merchants: BTreeMap<String, String>,
    transactions: Vec<Txn>,
    refunds: Vec<RefundObj>,
    callbacks: Vec<Value>,
    next_id: u64,
    fail: FaultSlot,
}

pub struct PayablSim {
    state: Mutex<SimState>,
}

type Answer = Vec<(&'static str, String)>;

impl PayablSim {
    pub fn new() -> Arc<PayablSim> {
        let mut merchants = BTreeMap::new();
        merchants.insert(SANDBOX_MERCHANT_ID.to_string(), SANDBOX_SECRET.to_string());
        Arc::new(PayablSim {
            state: Mutex::new(SimState {
                merchants,
                ..SimState::default()
            }),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, SimState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn take_fail(&self) -> Option<Fault> {
        self.lock().fail.next(&axum::http::Method::GET, "")
    }
}

// ---- HTTP ---------------------------------------------------------------------------------

pub fn router(sim: Arc<PayablSim>) -> Router {
    Router::new()
        .route("/pay/backoffice/{operation}", post(gateway))
        .route("/_sim/transactions", get(sim_transactions))
        .route("/_sim/refunds", get(sim_refunds))
        .route("/_sim/callbacks", get(sim_callbacks))
        .route("/_sim/fail", post(sim_fail))
        .route("/_sim/reset", post(sim_reset))
        .route("/_sim/transactions/{id}/status", post(sim_status))
        .route("/_sim/3ds/{id}", get(sim_3ds))
        .with_state(sim)
}

// ---- tests --------------------------------------------------------------------------------

#[cfg(test)]
mod tests;

/// The test payment tokens this simulator knows (`GET /api/v1/sandbox` lists them).
pub const TEST_TOKENS: &[crate::kit::tokens::TestToken] = &[
    crate::kit::tokens::token("payabl_test_ok", "succeeded", "captured"),
    crate::kit::tokens::token("payabl_test_declined", "failed", "declined (2005)"),
    crate::kit::tokens::token("payabl_test_3ds", "requires_action", "3-D Secure redirect"),
    crate::kit::tokens::token("payabl_test_pending", "pending", "pending"),
];

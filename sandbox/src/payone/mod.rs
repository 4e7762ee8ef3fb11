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

mod auth;
mod cases;
mod errors;
mod executions;
mod hooks;
mod http;
mod model;

pub use auth::{http_date, parse_http_date, sign, string_to_sign};

use crate::kit::fault::FaultSlot;
use crate::kit::time::now_secs;
use auth::authenticate;
use axum::Router;
use axum::middleware;
use axum::routing::{get, post};
use cases::{create_case, get_case, get_checkout, list_cases};
use executions::{create_execution, modify_execution};
use hooks::{sim_3ds, sim_fail, sim_payments, sim_refunds};
use model::Case;
use serde_json::{Value, json};
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

fn now_rfc3339() -> String {
    crate::kit::time::utc(now_secs(), crate::kit::time::RFC3339_Z)
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
        .route(
            "/_sim/executions/{pe}/chargeback",
            post(hooks::sim_chargeback),
        )
        .with_state(sim)
}

#[cfg(test)]
mod tests;

/// The test payment tokens this simulator knows (`GET /api/v1/sandbox` lists them).
pub const TEST_TOKENS: &[crate::kit::tokens::TestToken] = &[
    crate::kit::tokens::token("payone_test_ok", "succeeded", "captured"),
    crate::kit::tokens::token(
        "payone_test_declined",
        "failed",
        "declined by the issuer (CARD_DECLINED)",
    ),
    crate::kit::tokens::token("payone_test_3ds", "requires_action", "3-D Secure redirect"),
    crate::kit::tokens::token("payone_test_pending", "pending", "pending"),
];

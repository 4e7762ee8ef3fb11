//! Test Mode simulator of Lightspeed Retail X-Series (`https://{domain_prefix}.retail.lightspeed.app`).
//!
//! It answers the way `shared/vendor-specs/lightspeed-x.json` (API 2.0) and the Postman
//! collection beside it (API 0.9 `register_sales`) say the real service answers, for the
//! resources the Lightspeed POS connector uses:
//!
//! * `GET /api/2.0/products` and `GET /api/2.0/price_book_products`: version paging —
//!   `after` (only objects with a greater version), `before` (only smaller ones),
//!   `page_size`, `deleted` (products only) and `sku` (products only; every other
//!   parameter is then ignored, as the spec says). Answers are
//!   `{"data":[…],"version":{"min","max"}}`, objects in ascending version order.
//! * `GET /api/2.0/product_categories`: the spec's own shape,
//!   `{"data":{"categories":[…]},"page_info":{"has_next","last_seen"}}`, sorted by
//!   category path, paged by `after=<last_seen id>` and `page_size` (default 1000).
//! * `POST /api/register_sales` (API 0.9, beside /api/2.0): a register sale as in the
//!   Postman collection, answered `201 {"register_sale":{…}}`.
//! * `Authorization: Bearer <token>` on every API route; a bad token is
//!   `401 {"error":"Access token is not valid"}` (the spec's example).
//!
//! Where the spec is silent the choices are marked "Spec silent" below.
//!
//! Stores, chosen by token: [`TOKEN`] is the demo store (36 products, 4 categories, 8
//! price-book prices); `lsx_sandbox_gen-N` is a store of N generated products
//! (1 ≤ N ≤ 1,000,000), built on first use and cached.
//!
//! Test hooks (not Lightspeed; no auth), on the demo store: `POST /_sim/products/{id or sku}`
//! `{"name"?, "price"?}`, `POST /_sim/fail` `{"status","times"}`, `GET /_sim/sales`,
//! `GET /_sim/requests`.

mod catalog;
mod errors;
mod hooks;
mod model;
mod paging;
mod sales;

use crate::kit::fault::FaultSlot;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::http::{HeaderMap, header};
use axum::response::Response;
use axum::routing::{get, post};
use catalog::{list_categories, list_price_book_products, list_products};
use errors::{fallback, take_failure, unauthorized};
use hooks::{hook_change_product, hook_fail, hook_requests, hook_sales};
use model::Shop;
use sales::post_register_sale;
use serde_json::{Value, json};

/// The demo store's personal access token.
pub const TOKEN: &str = "lsx_sandbox_demo";
/// Prefix of the generated stores' tokens: `lsx_sandbox_gen-2500`.
pub const GEN_TOKEN_PREFIX: &str = "lsx_sandbox_gen-";
pub const DOMAIN_PREFIX: &str = "beepdemo";
/// The register every store has; BEEP! sales are recorded on it.
pub const REGISTER_ID: &str = "00000008-0000-4000-8000-000000000001";
/// Payment types every store has (`retailer_payment_type_id`).
pub const PAYMENT_TYPE_CARD: &str = "00000009-0000-4000-8000-000000000001";
pub const PAYMENT_TYPE_CASH: &str = "00000009-0000-4000-8000-000000000002";
/// Spec silent: the default `page_size` of the versioned lists (the spec gives 1000 as
/// the default for categories; we use it everywhere).
pub const DEFAULT_PAGE_SIZE: usize = 1000;
/// Spec silent: the largest `page_size`; a larger one is clamped to it.
pub const MAX_PAGE_SIZE: usize = 10_000;
pub const MAX_GENERATED_PRODUCTS: usize = 1_000_000;

const CREATED_AT: &str = "2024-01-01T00:00:00+00:00";
/// Tax rates of the simulated stores (basis points): standard and reduced.
const TAXES: [(&str, u32); 2] = [("MwSt 19 %", 1900), ("MwSt 7 %", 700)];
const PRICE_BOOK_ID: &str = "0000000a-0000-4000-8000-000000000001";

/// Credentials that work against the demo store. The host adds `baseUrl`.
pub fn sandbox_credentials() -> Value {
    json!({
        "token": TOKEN,
        "domainPrefix": DOMAIN_PREFIX,
        "registerId": REGISTER_ID,
        "currency": "EUR",
        "paymentTypes": {"card": PAYMENT_TYPE_CARD, "cash": PAYMENT_TYPE_CASH, "wallet": PAYMENT_TYPE_CARD},
    })
}

fn uid(tag: u32, n: u64) -> String {
    format!("{tag:08x}-0000-4000-8000-{n:012x}")
}

fn tax_id(tax: usize) -> String {
    uid(0xb, tax as u64 + 1)
}

// ---- state ----------------------------------------------------------------------------

pub struct LightspeedSim {
    state: Mutex<SimState>,
}

struct SimState {
    demo: Shop,
    generated: HashMap<usize, Shop>,
    failure: FaultSlot,
    requests: u64,
}

impl LightspeedSim {
    pub fn new() -> Arc<LightspeedSim> {
        Arc::new(LightspeedSim {
            state: Mutex::new(SimState {
                demo: Shop::demo(),
                generated: HashMap::new(),
                failure: FaultSlot::default(),
                requests: 0,
            }),
        })
    }

    fn lock(&self) -> MutexGuard<'_, SimState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The prologue of every API request: count it, inject a requested failure, check the
    /// bearer token and pick the store it belongs to.
    fn api(&self, headers: &HeaderMap, f: impl FnOnce(&mut Shop) -> Response) -> Response {
        let mut state = self.lock();
        state.requests += 1;
        if let Some(resp) = take_failure(&mut state) {
            return resp;
        }
        let token = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim);
        match token {
            Some(TOKEN) => f(&mut state.demo),
            Some(t) => match t
                .strip_prefix(GEN_TOKEN_PREFIX)
                .and_then(|n| n.parse::<usize>().ok())
                .filter(|n| (1..=MAX_GENERATED_PRODUCTS).contains(n))
            {
                Some(n) => f(state
                    .generated
                    .entry(n)
                    .or_insert_with(|| Shop::generated(n))),
                None => unauthorized(),
            },
            None => unauthorized(),
        }
    }
}

/// The simulator's routes, relative to the vendor origin (`/api/2.0/…`, `/api/register_sales`)
/// plus `/_sim/…`.
pub fn router(sim: Arc<LightspeedSim>) -> Router {
    Router::new()
        .route("/api/2.0/products", get(list_products))
        .route("/api/2.0/product_categories", get(list_categories))
        .route(
            "/api/2.0/price_book_products",
            get(list_price_book_products),
        )
        .route("/api/register_sales", post(post_register_sale))
        .route("/_sim/products/{id}", post(hook_change_product))
        .route("/_sim/fail", post(hook_fail))
        .route("/_sim/sales", get(hook_sales))
        .route("/_sim/requests", get(hook_requests))
        .fallback(fallback)
        .with_state(sim)
}

#[cfg(test)]
mod tests;

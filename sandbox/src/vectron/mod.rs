//! Test Mode simulator of the Vectron cloud business-data API
//! (`https://demo-backend.vectron.cloud/business-data-api`).
//!
//! It answers the way `shared/vendor-specs/vectron.swagger.json` (Swagger 2.0) says the
//! real service answers, for what the Vectron POS connector reads:
//!
//! * `POST /business-data-api/v1/login` with the spec's `PartnerCredentials`
//!   (`{"login","password"}`) answers a `Token` (`{"token"}`); wrong credentials are 401.
//! * Every other route needs that token in the `X-API-Token` header (the spec's
//!   `api_token_sec_key`), else 401.
//! * `GET …/v1/partner/{partnerId}/operators`, `GET …/v3/operator/{operatorId}/sites`:
//!   plain JSON arrays of `Operator` / `Site`.
//! * `GET …/v3/site/{siteId}/transactions[?id=<invoiceId>]`: `DetailedInvoice`s in
//!   invoice order, [`PAGE_SIZE`] at a time. The spec's only paging is `id` ("pass
//!   invoice id as offset to receive the last n invoices"): the answer holds the
//!   invoices after that one; an empty array means there are no more.
//! * `GET …/v3/site/{siteId}/data-entries`: every `DataEntry` of the site (the spec has no
//!   paging or filter here).
//! * Path ids are UUIDs (400 otherwise); an operator or site of another partner is 403,
//!   an unknown one 404. Error bodies are the spec's `VndErrors`
//!   (`{"code","status","message","logref","service","request","timestamp"}`).
//!
//! Spec silent, chosen here: the page size (n = [`PAGE_SIZE`]); tokens do not expire;
//! rate limiting (the spec lists no 429: the `fail` hook answers 429 with `Retry-After`,
//! as an API gateway in front of the service would). The spec also marks `/v1/login`
//! itself as secured by `X-API-Token`, a Springfox default that cannot be meant (the
//! token is what login returns): login needs no token here.
//!
//! Seed (deterministic): one partner, one operator, one site; 40 PLUs in 6 product groups
//! under 3 main groups; [`SEED_INVOICES`] invoices (every PLU sold, PLU
//! [`DISCONTINUED_PLU`] only in invoices 1–3); 3 data entries with 5 managed articles.
//!
//! Test hooks (not Vectron; no auth), under `/_sim/`:
//! `POST sites/{siteId}/products/{number}` `{"name"?, "price"?}` (changes the PLU and
//! records one new invoice selling it, which is how a change becomes visible through this
//! API), `POST sites/{siteId}/retention` `{"keepFrom": invoiceNumber}` (older invoices
//! age out), `POST sites/{siteId}/data-entries` `{"managedArticleNo","name","price"}`,
//! `POST fail` `{"status": 429|500|503, "times", "retryAfter"?}`, `GET requests`.

mod auth;
mod errors;
mod hooks;
mod http;
mod model;
mod partners;
mod seed;
mod sites;

use std::collections::HashSet;
use std::sync::{Arc, Mutex, MutexGuard};

use auth::login;
use axum::Router;
use axum::http::StatusCode;
use axum::routing::{get, post};
use errors::fallback;
use hooks::{hook_change_product, hook_data_entry, hook_fail, hook_requests, hook_retention};
use model::{Invoice, Plu};
use partners::{operators, sites};
use seed::{PLU_NAMES, PRODUCT_GROUPS, data_entry, managed_article, mix};
use serde_json::{Value, json};
use sites::{data_entries, transactions};

/// The spec's `basePath`; the simulator serves it under its `/vectron` mount.
pub const BASE_PATH: &str = "/business-data-api";
pub const PARTNER_LOGIN: &str = "beep-partner";
pub const PARTNER_PASSWORD: &str = "sandbox";
pub const PARTNER_ID: &str = "0000000a-0000-4000-8000-000000000001";
pub const OPERATOR_ID: &str = "0000000b-0000-4000-8000-000000000001";
pub const SITE_ID: &str = "0000000c-0000-4000-8000-000000000001";
/// Invoices per `transactions` answer (spec silent on n).
pub const PAGE_SIZE: usize = 100;
pub const SEED_INVOICES: usize = 250;
/// The PLU sold only in the first three invoices: aged out by the retention hook.
pub const DISCONTINUED_PLU: u32 = 140;

/// Credentials that work against the simulator. The host adds `baseUrl`.
pub fn sandbox_credentials() -> Value {
    json!({
        "login": PARTNER_LOGIN,
        "password": PARTNER_PASSWORD,
        "operatorId": OPERATOR_ID,
        "siteId": SITE_ID,
    })
}

fn uuid(kind: u32, n: u64) -> String {
    format!("{kind:08x}-0000-4000-8000-{n:012x}")
}

struct Failure {
    status: StatusCode,
    /// Requests still answered normally before the failures start.
    skip: u32,
    remaining: u32,
    retry_after: u32,
}

struct SimState {
    tokens: HashSet<String>,
    issued: u64,
    plus: Vec<Plu>,
    invoices: Vec<Invoice>,
    next_invoice: i64,
    data_entries: Vec<Value>,
    failure: Option<Failure>,
    requests: u64,
}

pub struct VectronSim {
    state: Mutex<SimState>,
}

impl VectronSim {
    pub fn new() -> Arc<VectronSim> {
        let mut plus = Vec::new();
        for (group, names) in PLU_NAMES.iter().enumerate() {
            for name in names.iter() {
                let i = plus.len() as u32;
                plus.push(Plu {
                    id: uuid(0x0d, u64::from(101 + i)),
                    number: 101 + i,
                    name: name.to_string(),
                    group,
                    price: PRODUCT_GROUPS[group].3 + i64::from(i % 5) * 20,
                });
            }
        }
        let discontinued = plus
            .iter()
            .position(|p| p.number == DISCONTINUED_PLU)
            .expect("the discontinued PLU is seeded");
        let regular = plus.len() - 1;
        let mut state = SimState {
            tokens: HashSet::new(),
            issued: 0,
            plus,
            invoices: Vec::new(),
            next_invoice: 1,
            data_entries: vec![
                data_entry(
                    1,
                    "2026-01-02T06:30:00",
                    vec![
                        managed_article(1, "Kaffeebohnen 1kg", 18.9),
                        managed_article(2, "Milch 1l", 1.15),
                        managed_article(3, "Zucker 1kg", 1.49),
                    ],
                ),
                data_entry(
                    2,
                    "2026-01-09T06:30:00",
                    vec![
                        managed_article(2, "Milch 1l", 1.19),
                        managed_article(4, "Becher 0,3l (50 Stk)", 6.5),
                    ],
                ),
                data_entry(
                    3,
                    "2026-01-16T06:30:00",
                    vec![managed_article(5, "Servietten (250 Stk)", 3.2)],
                ),
            ],
            failure: None,
            requests: 0,
        };
        for n in 1..=SEED_INVOICES as u64 {
            // Every regular PLU leads an invoice in turn, so each page sells all of them.
            let mut sold = vec![((n - 1) as usize) % regular];
            for k in 0..mix(n) % 3 {
                sold.push((mix(n * 7 + k) as usize) % regular);
            }
            if n <= 3 {
                sold.push(discontinued);
            }
            let lines = sold
                .into_iter()
                .enumerate()
                .map(|(k, plu)| (plu, 1 + (mix(n + k as u64) % 2) as u32))
                .collect();
            state.sell(lines);
        }
        Arc::new(VectronSim {
            state: Mutex::new(state),
        })
    }

    fn lock(&self) -> MutexGuard<'_, SimState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The simulator's routes: the API under [`BASE_PATH`], hooks under `/_sim/`.
pub fn router(sim: Arc<VectronSim>) -> Router {
    Router::new()
        .route(&format!("{BASE_PATH}/v1/login"), post(login))
        .route(
            &format!("{BASE_PATH}/v1/partner/{{partnerId}}/operators"),
            get(operators),
        )
        .route(
            &format!("{BASE_PATH}/v3/operator/{{operatorId}}/sites"),
            get(sites),
        )
        .route(
            &format!("{BASE_PATH}/v3/site/{{siteId}}/transactions"),
            get(transactions),
        )
        .route(
            &format!("{BASE_PATH}/v3/site/{{siteId}}/data-entries"),
            get(data_entries),
        )
        .route(
            "/_sim/sites/{siteId}/products/{number}",
            post(hook_change_product),
        )
        .route("/_sim/sites/{siteId}/retention", post(hook_retention))
        .route("/_sim/sites/{siteId}/data-entries", post(hook_data_entry))
        .route("/_sim/fail", post(hook_fail))
        .route("/_sim/requests", get(hook_requests))
        .fallback(fallback)
        .with_state(sim)
}

/// `yyyy-MM-ddTHH:mm:ssZ` (UTC).
fn format_rfc3339(secs: i64) -> String {
    crate::kit::time::utc(secs, crate::kit::time::RFC3339_Z)
}

#[cfg(test)]
mod tests;

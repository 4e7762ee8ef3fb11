//! Test Mode simulator of the KORONA.cloud API v3 (`https://{n}.koronacloud.com/web/api/v3`).
//!
//! It answers the way `shared/vendor-specs/korona.swagger.json` says the real service
//! answers, for the resources the Korona POS connector uses:
//!
//! * `GET /web/api/v3/accounts/{accountId}/{commodityGroups|products|prices|priceGroups|salesTaxes|sectors|pointsOfSale}`
//!   and `GET …/pointsOfSale/{posId}/receipts[/{receiptId}]`: lists in the spec's
//!   `ResultList…` wrapper (`results`, `currentPage` starting at 1, `pagesTotal`,
//!   `resultsOfPage`, `resultsTotal`, `maxRevision`, `links`), or `204 No Content` when
//!   the (filtered) list or the requested page is empty, as the spec documents.
//!   Query: `page` (1-based), `size`, `revision` (only objects with a revision greater than
//!   it), `sort` (`revision` or `-revision`), `includeDeleted`, `number`.
//! * `POST …/pointsOfSale/{posId}/receipts?couplingId=…`: a batch of `Receipt`s, answered
//!   with one `AddOrUpdateResult` per receipt.
//! * HTTP Basic auth on every API route; errors as the spec's `…ErrorModel`
//!   (`{"code","message"}`); `429` with `DAILY_LIMIT_EXCEEDED` /
//!   `TOO_MANY_PARALLEL_UPDATE_REQUESTS` when a test asks for it.
//!
//! Where the spec is silent the choices are marked "Spec silent" below.
//!
//! Accounts: `demo` (42 products, 5 commodity groups, 8 standalone prices) and `gen-N`
//! (N generated products, 1 ≤ N ≤ 1,000,000, built on first use and cached). All accept
//! [`sandbox_credentials`].
//!
//! Test hooks (not Korona; no auth), under `/_sim/accounts/{accountId}/`:
//! `POST products/{number}` `{"name"?, "price"?}`, `POST fail` `{"status","times","code"?}`,
//! `GET receipts`, `GET requests`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};
use base64::Engine as _;
use serde_json::{Value, json};

mod answers;
mod hooks;
mod lists;
mod model;
mod receipts;
mod views;

use answers::{error, not_found, unauthorized};
use hooks::{hook_change_product, hook_fail, hook_receipts, hook_requests};
use lists::get_list;
use model::Account;
use receipts::{get_receipt, get_receipts, post_receipts};

/// The demo account's id.
pub const DEMO_ACCOUNT: &str = "demo";
/// HTTP Basic credentials accepted for every simulated account.
pub const USERNAME: &str = "beep";
pub const PASSWORD: &str = "sandbox";
/// Every simulated account has one external point of sale, coupled with this id.
pub const POINT_OF_SALE_ID: &str = "00000007-0000-4000-8000-000000000001";
pub const COUPLING_ID: &str = "beep-sandbox";

/// Spec silent: the maximum `size`. We allow up to 1000 objects per page and answer a
/// larger `size` with 400 `INVALID_QUERY_PARAMETER` rather than silently clamping it, so
/// that a client relying on a bigger page notices.
pub const MAX_PAGE_SIZE: usize = 1000;
/// Spec silent: the default `size` when none is given.
pub const DEFAULT_PAGE_SIZE: usize = 10;
/// Spec silent: the largest receipt batch one POST accepts (`BATCH_SIZE_OUT_OF_RANGE` above).
pub const MAX_RECEIPT_BATCH: usize = 100;
/// Largest `gen-N` account served (keeps a typo from allocating gigabytes).
pub const MAX_GENERATED_PRODUCTS: usize = 1_000_000;

/// Every base price entered with a product is valid from this date.
const BASE_VALID_FROM: &str = "2024-01-01T00:00:00Z";

/// Credentials that work against the simulator's demo account. The host adds `baseUrl`.
pub fn sandbox_credentials() -> Value {
    json!({
        "accountId": DEMO_ACCOUNT,
        "username": USERNAME,
        "password": PASSWORD,
        "pointOfSaleId": POINT_OF_SALE_ID,
        "couplingId": COUPLING_ID,
    })
}

// ---- state ----------------------------------------------------------------------------

pub struct KoronaSim {
    state: Mutex<SimState>,
}

#[derive(Default)]
struct SimState {
    accounts: HashMap<String, Account>,
}

impl KoronaSim {
    pub fn new() -> Arc<KoronaSim> {
        let mut state = SimState::default();
        state
            .accounts
            .insert(DEMO_ACCOUNT.to_string(), Account::demo());
        Arc::new(KoronaSim {
            state: Mutex::new(state),
        })
    }

    fn lock(&self) -> MutexGuard<'_, SimState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The common prologue of every API request: count it, inject a requested failure,
    /// check HTTP Basic auth, resolve the account (creating a `gen-N` one on first use).
    fn api(
        &self,
        account_id: &str,
        headers: &HeaderMap,
        f: impl FnOnce(&mut Account) -> Response,
    ) -> Response {
        let mut state = self.lock();
        if let Some(account) = state.accounts.get_mut(account_id) {
            account.requests += 1;
            if let Some(resp) = take_failure(account) {
                return resp;
            }
        }
        if !authorized(headers) {
            return unauthorized();
        }
        if !state.accounts.contains_key(account_id) {
            let Some(mut account) = Account::create(account_id) else {
                return not_found(
                    "ACCOUNT_NOT_FOUND",
                    &format!("account {account_id} not found"),
                );
            };
            account.requests = 1;
            state.accounts.insert(account_id.to_string(), account);
        }
        f(state.accounts.get_mut(account_id).expect("account present"))
    }

    /// Test hooks: resolve (or create) the account, no auth, not counted.
    fn hook(&self, account_id: &str, f: impl FnOnce(&mut Account) -> Response) -> Response {
        let mut state = self.lock();
        if !state.accounts.contains_key(account_id) {
            let Some(account) = Account::create(account_id) else {
                return not_found(
                    "ACCOUNT_NOT_FOUND",
                    &format!("account {account_id} not found"),
                );
            };
            state.accounts.insert(account_id.to_string(), account);
        }
        f(state.accounts.get_mut(account_id).expect("account present"))
    }
}

fn take_failure(account: &mut Account) -> Option<Response> {
    let failure = account.failure.as_mut()?;
    failure.remaining -= 1;
    let status = failure.status;
    let code = failure.code.clone();
    if failure.remaining == 0 {
        account.failure = None;
    }
    Some(match status {
        StatusCode::TOO_MANY_REQUESTS => {
            let code = code.unwrap_or_else(|| "TOO_MANY_PARALLEL_UPDATE_REQUESTS".into());
            let message = if code == "DAILY_LIMIT_EXCEEDED" {
                "daily request limit exceeded"
            } else {
                "too many parallel update requests"
            };
            let mut resp = error(status, Some(&code), message);
            // Spec silent on Retry-After; the simulator always says one second.
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            resp
        }
        StatusCode::UNAUTHORIZED => unauthorized(),
        // The spec documents no body for 5xx; we send a message so logs say what happened.
        _ => error(status, code.as_deref(), "simulated server error"),
    })
}

fn authorized(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let Some(token) = value
        .strip_prefix("Basic ")
        .or_else(|| value.strip_prefix("basic "))
    else {
        return false;
    };
    let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(token.trim()) else {
        return false;
    };
    decoded == format!("{USERNAME}:{PASSWORD}").as_bytes()
}

async fn fallback() -> Response {
    not_found("MODEL_ID_NOT_FOUND", "resource not found")
}

/// The simulator's routes, relative to the vendor origin (`/web/api/v3/...`) plus `/_sim/...`.
pub fn router(sim: Arc<KoronaSim>) -> Router {
    const API: &str = "/web/api/v3/accounts/{accountId}";
    Router::new()
        .route(&format!("{API}/{{resource}}"), get(get_list))
        .route(
            &format!("{API}/pointsOfSale/{{posId}}/receipts"),
            get(get_receipts).post(post_receipts),
        )
        .route(
            &format!("{API}/pointsOfSale/{{posId}}/receipts/{{receiptId}}"),
            get(get_receipt),
        )
        .route(
            "/_sim/accounts/{accountId}/products/{number}",
            post(hook_change_product),
        )
        .route("/_sim/accounts/{accountId}/fail", post(hook_fail))
        .route("/_sim/accounts/{accountId}/receipts", get(hook_receipts))
        .route("/_sim/accounts/{accountId}/requests", get(hook_requests))
        .fallback(fallback)
        .with_state(sim)
}

// ---- time ----------------------------------------------------------------------------------

/// `yyyy-MM-ddTHH:mm:ssZ` (UTC), the spec's `yyyy-MM-dd'T'HH:mm:ssXXX` for offset zero.
fn format_rfc3339(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()) as i64;
    crate::kit::time::utc(secs, crate::kit::time::RFC3339_Z)
}

#[cfg(test)]
mod tests;

//! Test Mode simulator of the sevdesk API (`https://my.sevdesk.de/api/v1`).
//!
//! It answers the way `shared/vendor-specs/sevdesk.yaml` says the real service answers,
//! for the resources the sevdesk ERP connector uses:
//!
//! * `GET /api/v1/Part` (filters `partNumber`, `name`), `GET|PUT /api/v1/Part/{partId}`,
//!   `GET /api/v1/Part/{partId}/getStock` (`{"objects": <stock>}`).
//! * `GET /api/v1/Contact` (`depth`, `category[id]`, `customerNumber`, `name`,
//!   `updateAfter`/`updateBefore`, `createAfter`/`createBefore`), `GET /api/v1/Contact/{id}`,
//!   `GET /api/v1/CommunicationWay` (`contact[id]`, `type`, `main`).
//! * `GET /api/v1/Order` (`orderType`, `status`, `orderNumber`, `contact[id]`,
//!   `updateAfter`/`updateBefore`, …), `GET /api/v1/Order/{id}`,
//!   `GET /api/v1/Order/{id}/getPositions`, `GET /api/v1/OrderPos` (`order[id]`).
//! * `GET /api/v1/Voucher` (`descriptionLike`, `creditDebit`, `status`),
//!   `GET /api/v1/Voucher/{id}`, `POST /api/v1/Voucher/Factory/saveVoucher`.
//! * `GET|POST /api/v1/CheckAccountTransaction` (`paymtPurpose`, `checkAccount[id]`),
//!   `GET /api/v1/CheckAccountTransaction/{id}`, `GET /api/v1/CheckAccount`.
//!
//! Common to every list: `limit` (1 to 1000, as the spec's pagination section says),
//! `offset`, `countAll=true` (adds `"total"`), `embed` (comma-separated names of nested
//! objects to expand: `contact`, `part`, `unity`, `category`, `order`, `checkAccount`).
//! Lists are `{"objects": [...]}`, ordered by id. Objects of the spec's `…Response` models
//! carry ids and numbers as strings, `Model_Part` as integers/numbers, as the spec types them.
//! Auth: `Authorization: <token>` (a bare token, as the spec's `api_key` scheme says).
//! Errors: the spec's `validationError` body, `{"error": {"message", "exceptionUUID"}}`;
//! 401 says "Authentication required".
//!
//! Where the spec is silent the choices are marked "Spec silent" below.
//!
//! Accounts are selected by the token: [`DEMO_TOKEN`] (30 stock-tracked parts plus 2
//! service parts without stock, 8 contacts of which 4 suppliers, 5 orders of which 3 to
//! suppliers) and `gen-N` (the demo account with N generated parts instead, 1 ≤ N ≤
//! 1,000,000, built on first use and cached). Any other token is 401.
//!
//! Test hooks (not sevdesk; no auth; `?token=` picks the account, default the demo one):
//! `GET /_sim/vouchers`, `GET /_sim/transactions` (what was booked through the API),
//! `POST /_sim/fail` `{"status","times","afterWrite"?}`, `POST /_sim/parts/{id}/stock`
//! `{"quantity"}`, `POST /_sim/contacts/{id}` `{"name"?,"email"?}`, `POST /_sim/orders/{id}`
//! `{"status"?}`, `GET /_sim/requests`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::{Value, json};

mod answers;
mod contacts;
mod hooks;
mod model;
mod orders;
mod parts;
mod query;
mod transactions;
mod views;
mod vouchers;

use answers::{error, unauthorized};
use contacts::{get_comm_ways, get_contact, get_contacts};
use hooks::{
    hook_contact, hook_fail, hook_order, hook_part_stock, hook_requests, hook_transactions,
    hook_vouchers,
};
use model::Account;
use orders::{get_order, get_order_pos, get_order_positions, get_orders};
use parts::{get_part, get_parts, get_stock, put_part};
use query::Query;
use transactions::{get_check_accounts, get_transaction, get_transactions, post_transaction};
use vouchers::{get_voucher, get_vouchers, save_voucher};

/// The demo account's API token: 32 hex characters, like a real one.
pub const DEMO_TOKEN: &str = "b5e3d7f1a2c94e0b8d6f4a1c3e5b7d90";
/// The demo account's revenue booking account (`AccountDatev`) for BEEP! sales.
pub const REVENUE_ACCOUNT_DATEV_ID: u64 = 26;
/// A second revenue account (reduced VAT), accepted as well.
pub const REDUCED_REVENUE_ACCOUNT_DATEV_ID: u64 = 27;
/// The demo account's clearing check account that BEEP! payments are booked to.
pub const CHECK_ACCOUNT_ID: u64 = 9001;
/// The spec's pagination section: "The limit must be between 1 and 1000".
pub const MAX_LIMIT: usize = 1000;
/// Spec silent: the default `limit`. sevdesk's docs show pages of 100.
pub const DEFAULT_LIMIT: usize = 100;
/// Largest `gen-N` account served (keeps a typo from allocating gigabytes).
pub const MAX_GENERATED_PARTS: usize = 1_000_000;
/// The contact category sevdesk documents as "Supplier (ID: 2)".
pub const SUPPLIER_CATEGORY: u32 = 2;

const PART_ID_BASE: u64 = 1000;
const CONTACT_ID_BASE: u64 = 2000;
const ORDER_ID_BASE: u64 = 3000;
const ORDER_POS_ID_BASE: u64 = 4000;
const VOUCHER_ID_BASE: u64 = 5000;
const VOUCHER_POS_ID_BASE: u64 = 6000;
const TRANSACTION_ID_BASE: u64 = 7000;
const COMM_WAY_ID_BASE: u64 = 8000;
const SEV_CLIENT_ID: u64 = 424242;

/// 2024-01-02T09:00:00Z: when the demo master data was entered.
const DEMO_CREATED: i64 = 1_704_186_000;

/// Credentials that work against the simulator's demo account. The host adds `baseUrl`.
pub fn sandbox_credentials() -> Value {
    json!({
        "apiToken": DEMO_TOKEN,
        "accountDatevId": REVENUE_ACCOUNT_DATEV_ID.to_string(),
        "checkAccountId": CHECK_ACCOUNT_ID.to_string(),
    })
}

// ---- state ----------------------------------------------------------------------------

pub struct SevdeskSim {
    state: Mutex<SimState>,
}

#[derive(Default)]
struct SimState {
    /// By token.
    accounts: HashMap<String, Account>,
}

impl SevdeskSim {
    pub fn new() -> Arc<SevdeskSim> {
        let mut state = SimState::default();
        state
            .accounts
            .insert(DEMO_TOKEN.to_string(), Account::demo());
        Arc::new(SevdeskSim {
            state: Mutex::new(state),
        })
    }

    fn lock(&self) -> MutexGuard<'_, SimState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The common prologue of every API request: resolve the account from the token
    /// (creating a `gen-N` one on first use; anything else is 401), count the request,
    /// inject a requested failure.
    fn api(
        &self,
        headers: &HeaderMap,
        write: bool,
        f: impl FnOnce(&mut Account) -> Response,
    ) -> Response {
        let Some(token) = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|t| !t.is_empty())
        else {
            return unauthorized();
        };
        let mut state = self.lock();
        if !state.accounts.contains_key(token) {
            let Some(account) = Account::create(token) else {
                return unauthorized();
            };
            state.accounts.insert(token.to_string(), account);
        }
        let account = state.accounts.get_mut(token).expect("account present");
        account.requests += 1;
        let mut fail_after = None;
        if let Some(failure) = account.failure.as_mut()
            && (!failure.after_write || write)
        {
            failure.remaining -= 1;
            let status = failure.status;
            let after = failure.after_write;
            if failure.remaining == 0 {
                account.failure = None;
            }
            if !after {
                return failure_response(status);
            }
            fail_after = Some(status);
        }
        let resp = f(account);
        match fail_after {
            Some(status) => failure_response(status),
            None => resp,
        }
    }

    /// Test hooks: resolve (or create) the account of `?token=` (default demo), no auth,
    /// not counted.
    fn hook(&self, raw: Option<&str>, f: impl FnOnce(&mut Account) -> Response) -> Response {
        let q = Query::parse(raw);
        let token = q.get("token").unwrap_or(DEMO_TOKEN).to_string();
        let mut state = self.lock();
        if !state.accounts.contains_key(&token) {
            let Some(account) = Account::create(&token) else {
                return error(
                    StatusCode::NOT_FOUND,
                    &format!("no account for token {token}"),
                );
            };
            state.accounts.insert(token.clone(), account);
        }
        f(state.accounts.get_mut(&token).expect("account present"))
    }
}

fn failure_response(status: StatusCode) -> Response {
    match status {
        StatusCode::TOO_MANY_REQUESTS => {
            // Spec silent on rate limits: 429 with `Retry-After` in seconds.
            let mut resp = error(status, "Too Many Requests");
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            resp
        }
        StatusCode::SERVICE_UNAVAILABLE => error(status, "Service Unavailable"),
        _ => error(status, "Server Error"),
    }
}

async fn fallback(method: Method) -> Response {
    error(
        StatusCode::NOT_FOUND,
        &format!("{method}: no such resource in the sevdesk simulator"),
    )
}

/// The simulator's routes, relative to the vendor origin (`/api/v1/...`) plus `/_sim/...`.
pub fn router(sim: Arc<SevdeskSim>) -> Router {
    const API: &str = "/api/v1";
    Router::new()
        .route(&format!("{API}/Part"), get(get_parts))
        .route(
            &format!("{API}/Part/{{partId}}"),
            get(get_part).put(put_part),
        )
        .route(&format!("{API}/Part/{{partId}}/getStock"), get(get_stock))
        .route(&format!("{API}/Contact"), get(get_contacts))
        .route(&format!("{API}/Contact/{{contactId}}"), get(get_contact))
        .route(&format!("{API}/CommunicationWay"), get(get_comm_ways))
        .route(&format!("{API}/Order"), get(get_orders))
        .route(&format!("{API}/Order/{{orderId}}"), get(get_order))
        .route(
            &format!("{API}/Order/{{orderId}}/getPositions"),
            get(get_order_positions),
        )
        .route(&format!("{API}/OrderPos"), get(get_order_pos))
        .route(&format!("{API}/Voucher"), get(get_vouchers))
        .route(&format!("{API}/Voucher/{{voucherId}}"), get(get_voucher))
        .route(
            &format!("{API}/Voucher/Factory/saveVoucher"),
            post(save_voucher),
        )
        .route(
            &format!("{API}/CheckAccountTransaction"),
            get(get_transactions).post(post_transaction),
        )
        .route(
            &format!("{API}/CheckAccountTransaction/{{transactionId}}"),
            get(get_transaction),
        )
        .route(&format!("{API}/CheckAccount"), get(get_check_accounts))
        .route("/_sim/vouchers", get(hook_vouchers))
        .route("/_sim/transactions", get(hook_transactions))
        .route("/_sim/fail", post(hook_fail))
        .route("/_sim/parts/{partId}/stock", post(hook_part_stock))
        .route("/_sim/contacts/{contactId}", post(hook_contact))
        .route("/_sim/orders/{orderId}", post(hook_order))
        .route("/_sim/requests", get(hook_requests))
        .fallback(fallback)
        .with_state(sim)
}

// ---- time ----------------------------------------------------------------------------------

/// Unix seconds of a civil date; `None` when out of range.
fn unix_date(year: i64, month: u32, day: u32) -> Option<i64> {
    crate::kit::time::unix_date(
        year.try_into().ok()?,
        month.try_into().ok()?,
        day.try_into().ok()?,
    )
}

/// `yyyy-MM-ddTHH:mm:ss+00:00`, the form of sevdesk's `date-time` fields (which carry
/// the account's offset; the simulator's is UTC).
fn format_time(secs: i64) -> String {
    crate::kit::time::utc(secs, crate::kit::time::RFC3339_OFFSET)
}

#[cfg(test)]
mod tests;
